/**
 * A running run's nodes while its workflow is busy with local activities. A run of light nodes runs them as local
 * activities (fused chains among them) inside one long workflow task: the workflow records a chain's nodes only when
 * the whole chain has ended, and Temporal holds every query of the run until that task completes. So while a
 * workflow task has been running a while, the view is not asked of the workflow: it is the run's last state this
 * gateway read, with what workers told the run journal (store/runJournal.ts) as each code node ran a while and as it
 * ended laid over it (activities/codeRun.ts) — as an unfused node's would read, its output and logs excepted, which
 * come with the workflow's record.
 */
import { temporal } from '@temporalio/proto';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { nodeErrorTypeOf } from '../flow/errors';
import type { AttemptRecord } from '../store/runJournal';
import type { NodeViewAnswer } from './runAnswers';

/** A workflow task started this long ago is running local activities: a query would wait for its end. */
export const BUSY_TASK_MS = 300;
/** A run's history while its first workflow task runs: started, its task scheduled, its task started. */
const FIRST_TASK_STARTED_EVENTS = 3;
/** The run journal is read back this far before the run's start: the workers' clocks may differ a little. */
const CLOCK_SKEW_MS = 60_000;
/** Runs whose last state this gateway keeps, and for how long. */
const KEPT_RUNS = 100;
const KEPT_MS = 10 * 60_000;

export interface RunJournalReader {
  /** The run's newest attempts written since `since` (the writer's clock), without inputs. */
  attemptsSince(runId: string, since: Date): Promise<AttemptRecord[]>;
}

/**
 * Whether the run's workflow task has been running a while, or is its first (whose plan may run the run's entry
 * chain, flow/entryChain.ts): a query of the run would wait for its end.
 */
export function workflowTaskBusy(description: WorkflowExecutionDescription, now = Date.now()): boolean {
  const task = description.raw.pendingWorkflowTask;
  if (task?.state !== temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED) return false;
  if (description.historyLength <= FIRST_TASK_STARTED_EVENTS) return true;
  const started = task.startedTime?.seconds;
  if (!started) return false;
  const startedMs = Number(started) * 1000 + Math.floor((task.startedTime?.nanos ?? 0) / 1e6);
  return now - startedMs >= BUSY_TASK_MS;
}

const keyOf = (nodeId: string, execution: number) => `${nodeId}:${execution}`;

/**
 * The newest attempt of each node execution; of a fused chain, only those of its newest attempt (a chain that
 * crashed runs again from its first node, as a new attempt).
 */
function latestAttempts(attempts: AttemptRecord[]): Map<string, AttemptRecord> {
  const chainAttempt = new Map<string, number>();
  for (const attempt of attempts) {
    if (attempt.chain !== undefined)
      chainAttempt.set(attempt.chain, Math.max(chainAttempt.get(attempt.chain) ?? 0, attempt.attempt));
  }
  const latest = new Map<string, AttemptRecord>();
  for (const attempt of attempts) {
    if (attempt.chain !== undefined && attempt.attempt < (chainAttempt.get(attempt.chain) ?? 0)) continue;
    const key = keyOf(attempt.nodeId, attempt.execution);
    const seen = latest.get(key);
    if (!seen || attempt.attempt > seen.attempt) latest.set(key, attempt);
  }
  return latest;
}

/** A node as a journal attempt tells it: running, or ended with its times, usage and error. */
function fromAttempt(node: NodeViewAnswer, attempt: AttemptRecord): NodeViewAnswer {
  const {
    output: _output,
    error: _error,
    logs: _logs,
    durationMs: _durationMs,
    memoryBytes: _memoryBytes,
    endedAt: _endedAt,
    unmatchedPath: _unmatchedPath,
    lastFailure: _lastFailure,
    ...record
  } = node;
  const base = {
    ...record,
    attempt: attempt.attempt,
    runs: attempt.execution,
    startedAt: attempt.startedAt,
    pendingRecord: true as const,
  };
  if (attempt.status === 'running') return { ...base, status: 'running', state: 'running' };
  return {
    ...base,
    status: attempt.status,
    state: attempt.status,
    ...(attempt.endedAt ? { endedAt: attempt.endedAt } : {}),
    ...(attempt.durationMs !== undefined ? { durationMs: attempt.durationMs } : {}),
    ...(attempt.memoryBytes !== undefined ? { memoryBytes: attempt.memoryBytes } : {}),
    ...(attempt.error
      ? { error: { ...attempt.error, nodeId: node.id, type: nodeErrorTypeOf(attempt.error.type) } }
      : {}),
  };
}

/**
 * The nodes with what the journal knows of executions the workflow has not recorded yet. Only nodes without a
 * Temporal activity of their own (`withActivity`: those Temporal tracks, retries and all) take it: the one the
 * workflow says runs (its execution `runs`), or one not started since (its next execution); and, while the
 * workflow answers (not `stale`), only a fused chain's, which it learns of at the chain's end — any other node's
 * record follows its end at once, with its logs. A node the journal knows and the list does not (no state of the
 * run was read yet) is added as the journal tells it.
 */
export function withJournalProgress(
  nodes: NodeViewAnswer[],
  attempts: AttemptRecord[],
  withActivity: ReadonlySet<string>,
  stale: boolean,
): NodeViewAnswer[] {
  const latest = latestAttempts(attempts);
  if (latest.size === 0) return nodes;
  const listed = new Set(nodes.map((node) => node.id));
  const laid = nodes.map((node) => {
    if (node.reusedFrom || withActivity.has(node.id)) return node;
    const execution = node.status === 'running' ? (node.runs ?? 1) : (node.runs ?? 0) + 1;
    const attempt = latest.get(keyOf(node.id, execution));
    return attempt && (stale || attempt.chain !== undefined) ? fromAttempt(node, attempt) : node;
  });
  const unlisted = new Map<string, AttemptRecord>();
  for (const attempt of latest.values()) {
    if (listed.has(attempt.nodeId)) continue;
    const seen = unlisted.get(attempt.nodeId);
    if (!seen || attempt.execution > seen.execution) unlisted.set(attempt.nodeId, attempt);
  }
  for (const attempt of unlisted.values())
    laid.push(fromAttempt({ id: attempt.nodeId, status: 'pending', state: 'pending' }, attempt));
  return laid;
}

/** The last state of runs this gateway read, for the moments their workflow cannot be asked. */
export class RecentRunStates<T> {
  private readonly kept = new Map<string, { at: number; state: T }>();

  keep(runId: string, state: T, now = Date.now()): void {
    this.kept.delete(runId);
    this.kept.set(runId, { at: now, state });
    while (this.kept.size > KEPT_RUNS) this.kept.delete(this.kept.keys().next().value!);
  }

  get(runId: string, now = Date.now()): T | undefined {
    const kept = this.kept.get(runId);
    if (kept && now - kept.at <= KEPT_MS) return kept.state;
    this.kept.delete(runId);
    return undefined;
  }

  forget(runId: string): void {
    this.kept.delete(runId);
  }
}

/** Where the journal is read from for a run started at `startedAt`. */
export function journalSince(startedAt: string): Date {
  return new Date((Date.parse(startedAt) || Date.now()) - CLOCK_SKEW_MS);
}
