/**
 * The listener's activity: one slice of reading a trigger's source (up to a minute), starting one run per event. The
 * registry says what to read and whether the trigger is paused or gone; what the source says (position, lag, the
 * last error) goes back into it for the API.
 */
import { Context } from '@temporalio/activity';
import { isListened } from '../../flow/eventTriggers';
import type { ListenerOutcome } from '../../flow/listener';
import type { TriggerRecord } from '../../store/triggerRegistry';
import { listenPostgres, uninstallPostgres } from './postgresListener';
import { listenS3 } from './s3Scan';
import { listenMongo } from './mongoListener';
import { ListenerDependencies, SliceContext, SourceConfigError } from './slice';

export interface ListenerActivities {
  listenSlice(input: { key: string }): Promise<ListenerOutcome>;
}

const RECHECK_MS = 1_000;

export function createListenerActivities(deps: ListenerDependencies): ListenerActivities {
  const sliceMs = deps.sliceMs ?? 60_000;
  return {
    async listenSlice({ key }) {
      const record = await deps.registry.get(key);
      if (!record) return { state: 'removed' };
      if (record.removedAt) {
        await uninstall(record, deps);
        await deps.registry.delete(key);
        return { state: 'removed' };
      }
      if (!isListened(record.trigger)) return { state: 'removed' };
      if (record.paused) return { state: 'paused' };
      let checkedAt = Date.now();
      const context: SliceContext = {
        record,
        deps,
        deadline: Date.now() + sliceMs,
        signal: Context.current().cancellationSignal,
        heartbeat: (details) => Context.current().heartbeat(details),
        stillWanted: async () => {
          if (Date.now() - checkedAt < RECHECK_MS) return undefined;
          checkedAt = Date.now();
          const now = await deps.registry.get(key);
          if (!now || now.removedAt || now.flowVersion !== record.flowVersion) return { state: 'listening' };
          return now.paused ? { state: 'paused' } : undefined;
        },
      };
      try {
        switch (record.trigger.type) {
          case 'postgres':
            return await listenPostgres(context, record.trigger);
          case 's3':
            return await listenS3(context, record.trigger);
          case 'mongodb':
            return await listenMongo(context, record.trigger);
          default:
            throw new SourceConfigError(`a ${record.trigger.type} trigger has no listener`);
        }
      } catch (error) {
        if (context.signal.aborted) throw error;
        await deps.registry.reportError(key, (error as Error).message ?? String(error));
        return { state: 'failing' };
      }
    },
  };
}

/** Removes what the trigger installed in its source; a source that cannot be reached keeps it (the README says how to drop it). */
async function uninstall(record: TriggerRecord, deps: ListenerDependencies): Promise<void> {
  try {
    if (record.trigger.type === 'postgres') await uninstallPostgres(record, record.trigger, deps);
  } catch (error) {
    console.warn(
      `[nectar worker] trigger ${record._id}: could not remove what it installed in its source: ${(error as Error).message}`,
    );
  }
}
