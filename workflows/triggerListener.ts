import { condition, continueAsNew, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import { LISTENER_WAKE_SIGNAL, ListenerInput } from '../flow/listener';
import type { ListenerActivities } from '../activities/triggers/listen';

export const listenerWakeSignal = defineSignal(LISTENER_WAKE_SIGNAL);

/** Each slice is one activity that reads the source for up to a minute, heartbeating; a dead worker's slice is retried elsewhere. */
const { listenSlice } = proxyActivities<ListenerActivities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Slices before the listener continues as new, keeping its history short. */
const SLICES_PER_RUN = 100;
const PAUSED_RECHECK = '10 minutes';

/**
 * One trigger's listener: reads its source slice by slice for as long as the trigger exists. Temporal runs one open
 * workflow per id, so one listener per trigger and deployment, whichever worker runs it, and it outlives restarts.
 */
export async function triggerListenerWorkflow(input: ListenerInput): Promise<void> {
  let woken = false;
  setHandler(listenerWakeSignal, () => void (woken = true));
  let failures = input.failures ?? 0;
  for (let slice = 0; slice < SLICES_PER_RUN; slice++) {
    woken = false;
    const outcome = await listenSlice({ key: input.key });
    switch (outcome.state) {
      case 'removed':
        return;
      case 'listening':
        failures = 0;
        break;
      case 'paused':
        failures = 0;
        await condition(() => woken, PAUSED_RECHECK);
        break;
      case 'failing':
        failures++;
        await condition(() => woken, Math.min(60_000, 1_000 * 2 ** Math.min(failures, 6)));
        break;
    }
  }
  await continueAsNew<typeof triggerListenerWorkflow>({ v: 1, key: input.key, failures });
}
