/**
 * What every source reader of the trigger listener shares (activities/triggers/listen.ts runs them): the listener's
 * dependencies, one slice's context, and the helpers readers use. Apart from listen.ts, so readers and listener do
 * not import each other.
 */
import type { Client } from '@temporalio/client';
import type { ListenerOutcome } from '../../flow/listener';
import type { EgressGuard } from '../../sandbox/egress';
import type { TriggerRecord, TriggerRegistry } from '../../store/triggerRegistry';
import { RejectedEvent, startTriggerRun, TriggerEvent } from '../../temporal/triggerRuns';
import type { TriggerPayloadKeeper } from '../../temporal/runStart';

/** The uploads bucket an s3 trigger's reconciliation scan lists. */
export interface ScannedBucket {
  bucket: string;
  list(prefix: string): AsyncIterable<{ key: string; size: number; eTag: string; lastModified: Date }>;
}

export interface ListenerDependencies {
  registry: TriggerRegistry;
  /** The workspace's variables, where triggers keep connection strings and secrets. */
  variables: (workspace: string) => Promise<Record<string, string>>;
  client: Client;
  taskQueue: string;
  /** Where a change too large to travel in Temporal is kept while its run reads it. */
  payloads: TriggerPayloadKeeper;
  /** Where a trigger may connect: the same policy as function code (a trigger's URL is user input too). */
  egress: EgressGuard;
  /** How long one slice reads before handing back to the workflow. */
  sliceMs?: number;
  /** The uploads bucket, when uploads are in S3: what an s3 trigger's reconciliation scan lists. */
  s3?: ScannedBucket;
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

/**
 * Starts the run of one event the source gave. An event past the payload limits starts none: it is recorded on the
 * trigger (`eventsRejected`, `lastRejection` with the reason) and read past, so it neither stops the trigger on it
 * nor vanishes unseen.
 */
export async function startEventRun(context: SliceContext, event: TriggerEvent): Promise<{ started: boolean }> {
  const { deps, record } = context;
  try {
    return await startTriggerRun(deps.client, deps.taskQueue, record, event, deps.payloads);
  } catch (error) {
    if (!(error instanceof RejectedEvent)) throw error;
    console.warn(`[nectar worker] trigger ${record._id}: rejected ${error.message}`);
    await deps.registry.reportRejected(record._id, error.message);
    return { started: false };
  }
}
