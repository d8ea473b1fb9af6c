import type { Client } from '@temporalio/client';
import { checkPayloadShape } from '../common/payloadShape';
import type { SourceKind } from '../flow/eventTriggers';
import { eventRunId, startInterpreterRun } from './runStart';

/** One event of a source, as a trigger hands it to its run. */
export interface TriggerEvent {
  /** The source's own identity of the event (what a redelivery repeats): the run id derives from it. */
  key: string;
  /** Where it came from, for `context.trigger.source`: a table, a bucket, a sender. */
  source: string;
  /** `context.trigger.payload`, in the source's own field names. */
  payload: unknown;
}

export interface TriggerTarget {
  workspace: string;
  flowId: string;
  flowVersion: number;
  triggerId: string;
  kind: SourceKind;
}

/** An event whose payload passes the payload limits (PAYLOAD_LIMITS): it starts no run; the message says why. */
export class RejectedEvent extends Error {
  override name = 'RejectedEvent';
}

/**
 * Starts the one run of `event` for the trigger; `started` is false when a delivery before this one started it. An
 * event nested too deep or with too many keys is refused (RejectedEvent) before anything recurses over it.
 */
export async function startTriggerRun(
  client: Client,
  taskQueue: string,
  target: TriggerTarget,
  event: TriggerEvent,
): Promise<{ runId: string; started: boolean }> {
  const violation = checkPayloadShape(event.payload, 'trigger.payload');
  if (violation)
    throw new RejectedEvent(`event ${event.key} from ${event.source}: ${violation.path} is ${violation.message}`);
  return startInterpreterRun(client, taskQueue, {
    workspace: target.workspace,
    runId: eventRunId(target.workspace, target.flowId, target.triggerId, event.key),
    exact: true,
    request: {
      v: 1,
      flowId: target.flowId,
      flowVersion: target.flowVersion,
      trigger: { type: target.kind, source: event.source, payload: event.payload },
    },
  });
}
