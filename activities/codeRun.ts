/**
 * One code node run in the sandbox, its input and steps already resolved: what `runCode` does for one node and the
 * fused-chain activity (chain.ts) for each node in a row, so both record alike — output (stored by reference past the
 * inline limit), bounded logs, duration, memory, the quota count and the function's CPU time (nodeCosts.ts).
 */
import { CancelledFailure, type Context } from '@temporalio/activity';
import type { NodeExecution } from '../store/metricsRecorder';
import type { TriggerInfo } from '../flow/run';
import type { CodeNode } from '../flow/schema';
import { NODE_LIMITS } from '../flow/limits';
import type { ExecutionError, ExecutionOutcome, ExecutionRequest } from '../sandbox/contract';
import type { LogEntry } from '../flow/contracts';
import type { AttemptBatches, AttemptRecord } from '../store/runJournal';
import type { ActivityDependencies, RunCodeFailureDetails, RunCodeResult } from './index';
import { LiveLogPublisher } from './liveLogs';

/**
 * The trigger as the node sees it (`context.trigger`): a payload too large for Temporal travels as a reference to the
 * store (temporal/runStart.ts), read back here; so is one a subflow's input carried.
 */
export async function resolveTrigger(
  deps: Pick<ActivityDependencies, 'outputs'>,
  trigger: TriggerInfo,
): Promise<TriggerInfo> {
  return { ...trigger, payload: await deps.outputs.resolve(trigger.payload) };
}

/** How often a running code node tells Temporal it is alive (and learns whether the run was cancelled). */
const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * Runs `work` (a regular activity's reads before its code runs) while telling Temporal the activity is alive: reading
 * a payload of megabytes from the store, with others doing the same, can take longer than the heartbeat timeout. No
 * heartbeat at once: the SDK sends the first at once and throttles the next to 80 % of the timeout, so an early one
 * would delay hearing of a cancel made while the code runs.
 */
export async function whileAlive<T>(activity: Context, work: Promise<T>): Promise<T> {
  if (activity.info.isLocal) return work;
  const heartbeat = setInterval(() => activity.heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    return await work;
  } finally {
    clearInterval(heartbeat);
  }
}

export type Settled<T> = Promise<{ ok: true; value: T } | { ok: false; error: unknown }>;

/** A promise that never rejects, so it can be left unawaited for a while without an unhandled rejection. */
export function settled<T>(promise: Promise<T> | undefined): Settled<T | undefined> {
  return Promise.resolve(promise).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** One execution counted against the workspace's quota: while the node runs when far from it, before it when near. */
export interface ExecutionCount {
  counting: Settled<string | undefined>;
  alongside: boolean;
}

export function countExecution(deps: ActivityDependencies, flowId: string): ExecutionCount {
  return {
    counting: settled(deps.workspace?.countExecution(flowId)),
    alongside: deps.workspace?.canCountAlongside(flowId) ?? false,
  };
}

/** An execution its caller counts itself, with others (a fused chain counts its nodes together). */
export const COUNTED_BY_CALLER: ExecutionCount = {
  counting: Promise.resolve({ ok: true, value: undefined }),
  alongside: true,
};

/** The quota's refusal (its message), if the count was refused; a failure to count throws. */
export async function refusalOf(count: ExecutionCount): Promise<string | undefined> {
  const counted = await count.counting;
  if (!counted.ok) throw counted.error;
  return counted.value;
}

export interface CodeCall {
  flowId: string;
  flowVersion: number;
  draft?: number;
  node: CodeNode;
  /** The node's input and `context.steps`, references resolved. */
  input: unknown;
  steps: Record<string, unknown>;
  trigger: TriggerInfo;
  env: Record<string, string>;
  inlineLimitBytes?: number;
  count: ExecutionCount;
  /** Which start of the node in its run this is (loops start a node again). */
  execution?: number;
  /** When the activity started, for the attempt's queue wait (a node of a fused chain has none of its own). */
  startedMs?: number;
  /** The input as the workflow passed it (references unresolved), kept with the attempt's record. */
  carriedInput?: unknown;
  /**
   * Where the attempt's record is left being written, for a caller that runs more nodes meanwhile and waits for them
   * all at its end (a fused chain); without it, the node waits for its record.
   */
  journalWrites?: Promise<unknown>[];
  /**
   * A node of a fused chain (its first node's id): the workflow learns of it only when the chain ends, so the run
   * journal is told it is running once it has run a while, and its attempt is marked as the chain's.
   */
  chain?: string;
  /** Where the attempt's record goes instead of the run journal itself (a fused chain writes its nodes' in batches). */
  attempts?: Pick<AttemptBatches, 'recordAttempt'>;
  /** The sandbox series the chain's nodes share (one isolate, a fresh context each): the chain's alone. */
  series?: string;
  /** The node's execution, asked for already (a fused chain asks for the next node before the one before answers). */
  requested?: StartedExecution;
}

/** An execution asked of the sandbox, its outcome to come. */
export interface StartedExecution {
  outcome: Promise<ExecutionOutcome>;
  live?: LiveLogPublisher;
  /** Its log lines go live from now on (held until then, as it may yet be abandoned). */
  adopt(): void;
  /** Not wanted after all (the chain ended before it): stopped, its outcome and logs never read. */
  abandon(): void;
}

function attemptKeyOf(activity: Context, call: CodeCall) {
  const info = activity.info;
  return {
    runId: info.workflowExecution?.workflowId ?? '',
    nodeId: call.node.id,
    execution: call.execution ?? 1,
    attempt: info.attempt,
  };
}

/**
 * Asks the sandbox for the node's execution now. `afterPrevious`: it runs after the series' execution asked for just
 * before, with that one's output (sandbox/contract.ts); its logs are then held until it is adopted.
 */
export function startExecution(
  deps: ActivityDependencies,
  activity: Context,
  call: CodeCall,
  afterPrevious?: ExecutionRequest['afterPrevious'],
): StartedExecution {
  const { node } = call;
  const info = activity.info;
  const live = deps.journal && new LiveLogPublisher(deps.journal, attemptKeyOf(activity, call));
  let held: LogEntry[] | undefined = afterPrevious ? [] : undefined;
  const own = new AbortController();
  const outcome = deps.sandbox.execute(
    {
      nodeId: node.id,
      code: node.code,
      input: call.input,
      context: {
        trigger: call.trigger,
        workflowContext: {
          workflowId: info.workflowExecution?.workflowId ?? '',
          runId: info.workflowExecution?.runId,
          nodeId: node.id,
          flowId: call.flowId,
          flowVersion: call.flowVersion,
          ...(call.draft === undefined ? {} : { draft: call.draft }),
          attempt: info.attempt,
        },
        steps: call.steps,
        env: call.env,
      },
      egress: deps.egress,
      ...(call.series === undefined ? {} : { series: call.series }),
      ...(afterPrevious === undefined ? {} : { afterPrevious }),
      limits: {
        memoryMb: node.memoryMb ?? NODE_LIMITS.memoryMb.default,
        timeoutMs: node.timeoutMs ?? NODE_LIMITS.timeoutMs.default,
      },
    },
    AbortSignal.any([activity.cancellationSignal, own.signal]),
    live && { onLogs: (entries) => (held ? held.push(...entries) : live.add(entries)) },
  );
  return {
    outcome,
    live,
    adopt() {
      if (held?.length) live?.add(held);
      held = undefined;
    },
    abandon: () => own.abort(),
  };
}

/** A chain node running this long is said to be running (a fast one's outcome is all there is to see). */
export const CHAIN_NODE_RUNNING_AFTER_MS = 250;

/** When this attempt was scheduled (after its retry backoff) and started, and how long it waited for a worker. */
function attemptStartOf(
  startedMs: number | undefined,
  scheduledMs: number | undefined,
): Pick<AttemptRecord, 'scheduledAt' | 'startedAt' | 'queueWaitMs'> {
  const startedAt = new Date(startedMs ?? Date.now()).toISOString();
  if (startedMs === undefined || !scheduledMs) return { startedAt };
  return {
    scheduledAt: new Date(scheduledMs).toISOString(),
    startedAt,
    queueWaitMs: Math.max(0, startedMs - scheduledMs),
  };
}

export type CodeRun =
  { ok: true; result: RunCodeResult } | { ok: false; error: ExecutionError; details?: RunCodeFailureDetails };

/**
 * Runs the node's code once. Its failures (the code's, the limits', a refused quota) are answered, not thrown;
 * cancellation of the activity and failures of the store throw. Each run is told to `deps.recordExecution`.
 */
export async function runCodeCall(deps: ActivityDependencies, activity: Context, call: CodeCall): Promise<CodeRun> {
  const record = deps.recordExecution;
  if (!record) return runCodeOnce(deps, activity, call);
  const startedAt = performance.now();
  try {
    const run = await runCodeOnce(deps, activity, call);
    const figures = run.ok ? run.result : run.details;
    record(
      execution(activity, call, run.ok ? 'succeeded' : 'failed', {
        durationMs: figures?.durationMs ?? 0,
        memoryBytes: figures?.memoryBytes ?? 0,
        ...(run.ok ? {} : { error: { type: run.error.type, message: run.error.message } }),
      }),
    );
    return run;
  } catch (error) {
    const status = error instanceof CancelledFailure ? 'cancelled' : 'failed';
    const { name, message } = error as Error;
    record(
      execution(activity, call, status, {
        durationMs: performance.now() - startedAt,
        memoryBytes: 0,
        error: { type: status === 'cancelled' ? 'Cancelled' : name || 'Error', message },
      }),
    );
    throw error;
  }
}

function execution(
  activity: Context,
  call: CodeCall,
  status: NodeExecution['status'],
  outcome: { durationMs: number; memoryBytes: number; error?: NodeExecution['error'] },
): NodeExecution {
  const info = activity.info;
  return {
    flowId: call.flowId,
    flowVersion: call.flowVersion,
    ...(call.draft === undefined ? {} : { draft: call.draft }),
    nodeId: call.node.id,
    runId: info.workflowExecution?.workflowId ?? '',
    executionId: info.workflowExecution?.runId ?? '',
    activityId: info.activityId,
    attempt: info.attempt,
    trigger: call.trigger.type,
    status,
    ...outcome,
    at: Date.now(),
  };
}

async function runCodeOnce(deps: ActivityDependencies, activity: Context, call: CodeCall): Promise<CodeRun> {
  const { node, count } = call;
  const refused = (message: string): CodeRun => ({
    ok: false,
    error: { type: 'QuotaExceeded', name: 'QuotaExceeded', message },
  });
  if (!count.alongside) {
    const refusal = await refusalOf(count);
    if (refusal) return refused(refusal);
  }
  const info = activity.info;
  const workflowId = info.workflowExecution?.workflowId ?? '';
  const attemptKey = attemptKeyOf(activity, call);
  const attemptStart = attemptStartOf(call.startedMs, info.currentAttemptScheduledTimestampMs);
  const { chain } = call;
  const journal = deps.journal;
  let running: Promise<void> | undefined;
  const runningTimer =
    chain !== undefined && journal
      ? setTimeout(() => {
          running = journal
            .recordRunning({ ...attemptKey, startedAt: attemptStart.startedAt, chain })
            .catch(() => undefined);
        }, CHAIN_NODE_RUNNING_AFTER_MS)
      : undefined;
  // One attempt's record for the run debugger (after the word that it runs); losing one never fails the node.
  const recordAttempt = async (record: Pick<AttemptRecord, 'status' | 'durationMs' | 'memoryBytes' | 'error'>) => {
    clearTimeout(runningTimer);
    await running;
    await (journal && (call.attempts ?? journal))
      ?.recordAttempt({
        ...attemptKey,
        ...attemptStart,
        ...record,
        endedAt: new Date().toISOString(),
        ...(call.carriedInput === undefined ? {} : { input: call.carriedInput }),
        ...(chain === undefined ? {} : { chain }),
      })
      .catch(() => undefined);
  };
  const heartbeat = info.isLocal ? undefined : setInterval(() => activity.heartbeat(), HEARTBEAT_INTERVAL_MS);
  const started = call.requested ?? startExecution(deps, activity, call);
  started.adopt();
  let outcome: ExecutionOutcome;
  try {
    // A cancelled run gets its answer at once (the workflow does not wait for the sandbox to notice).
    outcome = await Promise.race([activity.cancelled, started.outcome]);
  } catch (error) {
    void recordAttempt({ status: 'cancelled' });
    throw error;
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    clearTimeout(runningTimer);
    await started.live?.settled();
  }
  // Counted too late only in a race at the quota's edge: the node ran, but its result is refused like the next one.
  if (count.alongside) {
    const refusal = await refusalOf(count);
    if (refusal) return refused(refusal);
  }
  const { memoryBytes, durationMs } = outcome;
  if (outcome.cpuMs !== undefined) await deps.costs.note(call.flowId, node, outcome.cpuMs);
  const logs = await deps.outputs.boundLogs(outcome.logs, { workflowId, nodeId: node.id }, call.inlineLimitBytes);
  const recorded = recordAttempt({
    status: outcome.ok ? 'succeeded' : 'failed',
    durationMs,
    memoryBytes,
    ...(outcome.ok ? {} : { error: outcome.error }),
  });
  if (call.journalWrites) call.journalWrites.push(recorded ?? Promise.resolve());
  else await recorded;
  if (!outcome.ok) {
    return {
      ok: false,
      error: outcome.error,
      details: { error: outcome.error, attempt: info.attempt, logs, memoryBytes, durationMs },
    };
  }
  const output = await deps.outputs.offload(outcome.output, { workflowId, nodeId: node.id }, call.inlineLimitBytes);
  return {
    ok: true,
    result: {
      output,
      attempt: info.attempt,
      logs,
      memoryBytes,
      durationMs,
      ...(outcome.emitted ? { emitted: outcome.emitted } : {}),
    },
  };
}
