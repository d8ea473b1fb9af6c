/**
 * The listener's activity: one slice of reading a trigger's source (up to a minute), starting one run per event. The
 * registry says what to read and whether the trigger is paused or gone; what the source says (position, lag, the
 * last error) goes back into it for the API.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { isListened } from '../../flow/eventTriggers';
import type { ListenerOutcome } from '../../flow/listener';
import type { EgressGuard } from '../../sandbox/egress';
import type { TriggerRecord, TriggerRegistry } from '../../store/triggerRegistry';
import { listenPostgres, uninstallPostgres } from './postgresListener';
import { listenS3, ScannedBucket } from './s3Scan';
import { listenMongo } from './mongoListener';

export interface ListenerDependencies {
  registry: TriggerRegistry;
  /** The workspace's variables, where triggers keep connection strings and secrets. */
  variables: (workspace: string) => Promise<Record<string, string>>;
  client: Client;
  taskQueue: string;
  /** Where a trigger may connect: the same policy as function code (a trigger's URL is user input too). */
  egress: EgressGuard;
  /** How long one slice reads before handing back to the workflow. */
  sliceMs?: number;
  /** The uploads bucket, when uploads are in S3: what an s3 trigger's reconciliation scan lists. */
  s3?: ScannedBucket;
}

export interface ListenerActivities {
  listenSlice(input: { key: string }): Promise<ListenerOutcome>;
}

/** What a source reader needs for one slice. */
export interface SliceContext {
  record: TriggerRecord;
  deps: ListenerDependencies;
  deadline: number;
  signal: AbortSignal;
  /** Re-reads the trigger's record: a reader stops when it is paused or gone. */
  stillWanted: () => Promise<ListenerOutcome | undefined>;
  heartbeat: (details?: unknown) => void;
}

export class SourceConfigError extends Error {
  override name = 'SourceConfigError';
}

/** The value of a workspace variable a trigger names, or a clear error. */
export async function variableOf(deps: ListenerDependencies, workspace: string, name: string): Promise<string> {
  const value = (await deps.variables(workspace))[name];
  if (value === undefined || value === '')
    throw new SourceConfigError(`the workspace variable "${name}" is not set (PUT /api/variables/${name})`);
  return value;
}

/** Waits until `ms` pass, a wake-up comes, or the activity is cancelled. */
export function pause(ms: number, wake: { next?: () => void }, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      wake.next = undefined;
      resolve();
    };
    const timer = setTimeout(done, ms);
    wake.next = done;
    signal.addEventListener('abort', done);
  });
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
