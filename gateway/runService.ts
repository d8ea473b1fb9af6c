import { temporal } from '@temporalio/proto';
import { Client, WorkflowExecutionDescription, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { EdgeStatus, NodeError, NodeRecord } from '../flow/contracts';
import type { RerunOrigin } from '../flow/rerun';
import type { FlowDefinition } from '../flow/schema';
import { EntryProposals } from './entryProposals';
import type { ErrorHandlerOutcome } from '../flow/errorHandler';
import {
  ERROR_HANDLER_MEMO,
  ERROR_OF_MEMO,
  FAILED_NODE_MEMO,
  NODE_FAILED,
  RERUN_OF_MEMO,
  RUN_EVENT_SIGNAL,
  RUN_STATE_QUERY,
  RunEvent,
  RunFailureDetails,
  RunRequest,
  RunSnapshot,
  TriggerInfo,
} from '../flow/run';
import { DEFAULT_WORKSPACE, isRunId } from '../flow/ids';
import { idempotentRunId, newRunId, startInterpreterRun, TriggerPayloadKeeper } from '../temporal/runStart';
import { startTriggerRun, TriggerEvent, TriggerTarget } from '../temporal/triggerRuns';
import { readRunSearchAttributes } from '../temporal/searchAttributes';
import { HttpError, notFound } from './errors';
import { log } from './logging';
import type { NodeStateAnswer, NodeViewAnswer, RunStatusAnswer, RunViewAnswer } from './runAnswers';
import type { AcceptedRun } from './webhooks/journal';
import { journalSince, RecentRunStates, RunJournalReader, withJournalProgress, workflowTaskBusy } from './runProgress';
import { within } from './unavailable';

/** What the run debugger colours a node by: its record's status, refined while it runs. */
export type NodeState = NodeStateAnswer;
export type NodeView = NodeViewAnswer;

/** A run as the debugger reads it: the RunView with each node's state, the edges taken and where it came from. */
export type RunDebugView = RunViewAnswer;
export { idempotentRunId, newRunId };

export interface StartOptions {
  workspace?: string;
  idempotencyKey?: string;
  /** A run id chosen earlier (an accepted webhook's): like a key, a second start with it is refused. */
  runId?: string;
  /** The caller checked the quota when it accepted the run. */
  quotaChecked?: boolean;
  /** Run this draft revision of the flow (a test run) instead of a saved version. */
  draft?: number;
  /** The caller waits for the run's result: start it eagerly in this process's worker when there is one. */
  awaited?: boolean;
  /** A rerun: the run it came from (kept in the memo), and the seeds of a rerun from a node. */
  rerunOf?: RunRequest['rerunOf'];
  /** The pinned definition, when the caller has it at hand: the run's entry chain is proposed from it (RunRequest.entry). */
  definition?: FlowDefinition;
}

export type RunOutcome =
  | { status: 'completed'; output: unknown }
  | { status: 'failed'; error: NodeError | { name: string; message: string } }
  | { status: 'running' };

/**
 * A closed run's failure as plain data: the failed node's error and every node's state when a node failed, the
 * workflow's error otherwise.
 */
function runFailureOf(error: unknown): {
  error: NodeError | { name: string; message: string };
  nodes?: NodeRecord[];
  edges?: EdgeStatus[];
} {
  const failure = error instanceof WorkflowFailedError ? error.cause : undefined;
  if (failure instanceof ApplicationFailure && failure.type === NODE_FAILED) {
    const details = failure.details?.[0] as RunFailureDetails;
    return { error: details.error, nodes: details.nodes, edges: details.edges };
  }
  return { error: { name: failure?.name ?? 'Error', message: failure?.message ?? String(error) } };
}

/**
 * A running node's current attempt and last failure come from Temporal's pending activity (the workflow learns them
 * only when the node finishes). Code node activity IDs are `<nodeId>.<run>`.
 */
function withPendingAttempts(nodes: NodeRecord[], description: WorkflowExecutionDescription): NodeView[] {
  const pending = pendingAttempts(description);
  return nodes.map((node) => {
    const live = node.status === 'running' ? pending.get(node.id) : undefined;
    if (!live) return withState(node);
    const state: NodeState = live.attempt > 1 ? 'retrying' : live.started ? 'running' : 'queued';
    return {
      ...node,
      state,
      attempt: live.attempt,
      ...(live.lastFailure ? { lastFailure: live.lastFailure } : {}),
    };
  });
}

/** A running node's attempt as Temporal's pending activity tells it (the workflow learns of it only at the end). */
export interface PendingAttempt {
  attempt: number;
  started: boolean;
  scheduledAt?: string;
  startedAt?: string;
  lastFailure?: string;
}

function isoOf(time: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (!time?.seconds) return undefined;
  return new Date(Number(time.seconds) * 1000 + Math.floor((time.nanos ?? 0) / 1e6)).toISOString();
}

export function pendingAttempts(description: WorkflowExecutionDescription): Map<string, PendingAttempt> {
  const pending = new Map<string, PendingAttempt>();
  for (const activity of description.raw.pendingActivities ?? []) {
    const nodeId = activity.activityId?.split('.')[0];
    if (!nodeId) continue;
    pending.set(nodeId, {
      attempt: activity.attempt ?? 1,
      started: activity.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
      scheduledAt: isoOf(activity.scheduledTime),
      startedAt: isoOf(activity.lastStartedTime),
      lastFailure: activity.lastFailure?.message ?? undefined,
    });
  }
  return pending;
}

/** The state the debugger shows for a node whose record says it all (not a running one Temporal knows more of). */
function withState(node: NodeRecord): NodeView {
  const state: NodeState = node.status === 'pending' ? 'pending' : node.status;
  return { ...node, state };
}

/** Where values too large for a Temporal history go (the store that holds large node outputs, store/outputs.ts). */
export interface PayloadOffloader extends TriggerPayloadKeeper {
  /** Stores a value and answers a reference to it (or the value, when small). */
  offload(value: unknown, owner: { workflowId: string; nodeId: string }): Promise<unknown>;
  /** Replaces every reference inside a value with what it points at. */
  resolve(value: unknown): Promise<unknown>;
}

export interface RunServiceOptions {
  /** Refuses (429) a new run of a workspace that has used its month's executions. */
  quota?: { assertAvailable(workspace: string): Promise<void> };
  /** Accepted runs not started yet (async webhooks behind the journal): read as `pending` until Temporal has them. */
  pendingRuns?: { pendingRun(runId: string): AcceptedRun | undefined };
  /** This process runs a worker on the client's connection: awaited runs are started eagerly in it. */
  eagerStart?: boolean;
  /** The Temporal Web UI's address, so each run links to itself there. */
  temporalUiUrl?: string;
  /**
   * Where workers tell how code nodes run (store/runJournal.ts): read while the workflow is busy with local
   * activities (gateway/runProgress.ts).
   */
  journal?: RunJournalReader;
}

/**
 * How long the run's state is asked of the workflow before the last one read stands in: a bound on the whole call,
 * the client's own retries included. The native client retries some refusals (RESOURCE_EXHAUSTED among them) past the
 * call's deadline: a second query of a run whose workflow task was busy took 4.9 s with a 2 s deadline.
 */
const QUERY_MS = 2_000;

/** Starts runs of the interpreter workflow and reads them back from Temporal. */
export class RunService {
  private readonly quota: RunServiceOptions['quota'];
  private readonly pendingRuns: RunServiceOptions['pendingRuns'];
  private readonly eagerStart: boolean;
  private readonly temporalUiUrl: string | undefined;
  private readonly journal: RunJournalReader | undefined;
  private readonly recent = new RecentRunStates<RunSnapshot>();
  /** The state query of each run in flight: readers of one run (a view and its stream) share it. */
  private readonly queries = new Map<string, Promise<RunSnapshot | undefined>>();

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    /** Large run inputs and event payloads are kept here, and runs carry references to them. */
    private readonly payloads: PayloadOffloader,
    options: RunServiceOptions = {},
  ) {
    this.quota = options.quota;
    this.pendingRuns = options.pendingRuns;
    this.eagerStart = options.eagerStart ?? false;
    this.temporalUiUrl = options.temporalUiUrl?.replace(/\/+$/, '');
    this.journal = options.journal;
  }

  private readonly entries = new EntryProposals();

  /** 404 unless the run exists and belongs to `workspace`: a key never learns of another workspace's runs. */
  async assertInWorkspace(runId: string, workspace: string): Promise<void> {
    await this.describeIn(runId, workspace);
  }

  /** The run's description from Temporal (404 unless it is the workspace's). */
  async describe(runId: string, workspace: string): Promise<WorkflowExecutionDescription> {
    return this.describeIn(runId, workspace);
  }

  private async describeIn(runId: string, workspace: string | undefined): Promise<WorkflowExecutionDescription> {
    if (!isRunId(runId)) throw notFound(`run "${runId}"`);
    let description: WorkflowExecutionDescription;
    try {
      description = await this.client.workflow.getHandle(runId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw notFound(`run "${runId}"`);
      throw error;
    }
    if (workspace !== undefined && readRunSearchAttributes(description.typedSearchAttributes).workspace !== workspace) {
      throw notFound(`run "${runId}"`);
    }
    return description;
  }

  async start(flowId: string, flowVersion: number, trigger: TriggerInfo, options: StartOptions = {}): Promise<string> {
    return (await this.startOnce(flowId, flowVersion, trigger, options)).runId;
  }

  /**
   * Starts a run. With an idempotency key the workflow ID derives from it and Temporal refuses a second workflow with
   * that ID (open or closed), so a redelivery answers the first run: `started` is false then.
   */
  async startOnce(
    flowId: string,
    flowVersion: number,
    trigger: TriggerInfo,
    options: StartOptions = {},
  ): Promise<{ runId: string; started: boolean }> {
    const workspace = options.workspace ?? DEFAULT_WORKSPACE;
    if (!options.quotaChecked) await this.quota?.assertAvailable(workspace);
    const exact = Boolean(options.idempotencyKey || options.runId);
    const runId =
      options.runId ??
      (options.idempotencyKey ? idempotentRunId(workspace, flowId, options.idempotencyKey) : newRunId(flowId));
    const request: RunRequest = { v: 1, flowId, flowVersion, draft: options.draft, trigger };
    if (options.rerunOf) request.rerunOf = options.rerunOf;
    else if (options.definition) request.entry = this.entries.of(request, options.definition);
    const eager = this.eagerStart && options.awaited === true;
    const started = await startInterpreterRun(
      this.client,
      this.taskQueue,
      { workspace, runId, request, exact, eager },
      this.payloads,
    );
    if (eager) log.debug({ runId, eagerlyStarted: started.eagerlyStarted ?? false }, 'awaited run started');
    return started;
  }

  /** Starts the one run of a trigger's event (the run id derives from the event's own identity); quota checked by the caller. */
  startEvent(target: TriggerTarget, event: TriggerEvent): Promise<{ runId: string; started: boolean }> {
    return startTriggerRun(this.client, this.taskQueue, target, event, this.payloads);
  }

  /** The run's result once it closes (its output read back from the store where kept there), or `running` when `timeoutMs` passes first. */
  async waitForOutcome(runId: string, timeoutMs: number): Promise<RunOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<RunOutcome>(
      (resolve) => (timer = setTimeout(() => resolve({ status: 'running' }), timeoutMs)),
    );
    const closed = this.resultWithin(runId, timeoutMs).then(
      (snapshot: RunSnapshot): RunOutcome => ({ status: 'completed', output: snapshot.output }),
      // Only a run that closed otherwise than completed failed; a wait cut by Temporal going away (the run goes on)
      // answers as a run still running, with its link, never as a failure the caller would retry into a second run.
      (error: unknown): RunOutcome =>
        error instanceof WorkflowFailedError
          ? { status: 'failed', error: runFailureOf(error).error }
          : { status: 'running' },
    );
    let outcome: RunOutcome;
    try {
      outcome = await Promise.race([closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (outcome.status !== 'completed') return outcome;
    // The caller wants the run's result itself: an output past 64 KiB is kept in the store, by reference in the run.
    try {
      return { status: 'completed', output: await this.payloads.resolve(outcome.output) };
    } catch (error) {
      // The run completed: answering its reference beats an error its caller would retry into a second run.
      log.warn({ runId, err: error }, 'could not read the stored output of a completed run; answering its reference');
      return outcome;
    }
  }

  /** Waits until the run closes or `timeoutMs` passes; either way the caller then reads the run. */
  async waitForClose(runId: string, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const closed = this.resultWithin(runId, timeoutMs).then(
      () => undefined,
      () => undefined,
    );
    await Promise.race([closed, timeout]);
    clearTimeout(timer);
  }

  /** The run's result, long-polled for up to `timeoutMs` (past the short deadline the gateway gives other calls). */
  private resultWithin(runId: string, timeoutMs: number): Promise<RunSnapshot> {
    return this.client.withDeadline(Date.now() + timeoutMs + 1_000, () =>
      this.client.workflow.getHandle(runId).result(),
    );
  }

  async assertQuota(workspace: string): Promise<void> {
    await this.quota?.assertAvailable(workspace);
  }

  async read(runId: string, workspace?: string): Promise<RunDebugView> {
    const pending = this.pendingRuns?.pendingRun(runId);
    if (pending && (workspace === undefined || pending.workspace === workspace)) {
      const { flowId, flowVersion, trigger, acceptedAt } = pending;
      return {
        runId,
        status: 'pending',
        flowId,
        flowVersion,
        trigger: trigger.type,
        startedAt: acceptedAt,
        output: null,
        nodes: [],
      };
    }
    const description = await this.describeIn(runId, workspace);
    const handle = this.client.workflow.getHandle(runId);
    const status = description.status.name.toLowerCase() as RunStatusAnswer;
    if (status !== 'running') this.recent.forget(runId);
    const { workspace: _workspace, ...labels } = readRunSearchAttributes(description.typedSearchAttributes);
    const memo = description.memo ?? {};
    const rerunOf = memo[RERUN_OF_MEMO] as RerunOrigin | undefined;
    const failedNode = memo[FAILED_NODE_MEMO] as string | undefined;
    const errorHandler = memo[ERROR_HANDLER_MEMO] as ErrorHandlerOutcome | undefined;
    const errorOf = memo[ERROR_OF_MEMO] as string | undefined;
    const startedAt = description.startTime;
    const closedAt = description.closeTime;
    const view: RunDebugView = {
      runId,
      status,
      ...labels,
      startedAt: startedAt.toISOString(),
      closedAt: closedAt?.toISOString(),
      ...(closedAt ? { durationMs: closedAt.getTime() - startedAt.getTime() } : {}),
      ...(rerunOf ? { rerunOf } : {}),
      ...(failedNode ? { failedNode } : {}),
      ...(errorHandler ? { errorHandler } : {}),
      ...(errorOf ? { errorOf } : {}),
      ...(this.temporalUiUrl ? { temporalUrl: this.temporalUrlOf(runId, description.runId) } : {}),
      output: null,
      nodes: [],
    };
    if (status === 'completed') {
      const snapshot = (await handle.result()) as RunSnapshot;
      return { ...view, output: snapshot.output, nodes: snapshot.nodes.map(withState), edges: snapshot.edges };
    }
    if (status === 'failed') {
      try {
        await handle.result();
      } catch (error) {
        const { error: runError, nodes, edges } = runFailureOf(error);
        const failed = (runError as Partial<NodeError>).nodeId;
        return {
          ...view,
          ...(failed ? { failedNode: failed } : {}),
          error: runError,
          nodes: (nodes ?? []).map(withState),
          edges,
        };
      }
    }
    // A workflow task running a while is running local activities: a query would wait for its end.
    const running = status === 'running';
    const live = running && workflowTaskBusy(description) ? undefined : await this.liveSnapshot(runId);
    if (live && running) this.recent.keep(runId, live);
    const snapshot = live ?? (running ? this.recent.get(runId) : undefined);
    const nodes = withPendingAttempts(snapshot?.nodes ?? [], description);
    const progressed = running ? await this.withProgress(view, nodes, description, !live) : nodes;
    return { ...view, nodes: progressed, edges: snapshot?.edges };
  }

  /**
   * The nodes with what workers told the run journal of the code nodes the workflow has not recorded yet: those
   * running as local activities (a fused chain's), or all of them when the workflow could not be asked (`stale`).
   */
  private async withProgress(
    view: RunDebugView,
    nodes: NodeView[],
    description: WorkflowExecutionDescription,
    stale: boolean,
  ): Promise<NodeView[]> {
    if (!this.journal) return nodes;
    const withActivity = new Set(pendingAttempts(description).keys());
    const runningLocally = (node: NodeView) =>
      node.type !== 'delay' && node.type !== 'wait' && node.type !== 'subflow' && node.status === 'running';
    if (!stale && !nodes.some((node) => runningLocally(node) && !withActivity.has(node.id))) return nodes;
    try {
      const attempts = await this.journal.attemptsSince(view.runId, journalSince(view.startedAt));
      return withJournalProgress(nodes, attempts, withActivity, stale);
    } catch {
      return nodes; // the store is away: those nodes show when the workflow records them
    }
  }

  private temporalUrlOf(workflowId: string, temporalRunId: string): string {
    const namespace = encodeURIComponent(this.client.options.namespace);
    return `${this.temporalUiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}/${temporalRunId}/history`;
  }

  /** Asks a running run to stop: its running node is cancelled (the isolate disposed) and the run closes as cancelled. */
  async cancel(runId: string): Promise<void> {
    await this.onOpenRun(runId, async (handle) => void (await handle.cancel()));
  }

  /**
   * Delivers an event (an approval, a callback) to a run; a `wait` node on that event resumes with its payload. A
   * payload above the output threshold is stored first and signalled as a reference, like a large node output: the
   * signal, the wait node's output and later activity inputs stay small, and code nodes read the payload resolved.
   */
  async sendEvent(runId: string, event: string, payload: unknown): Promise<void> {
    const value = payload ?? null;
    const carried = await this.payloads.offload(value, { workflowId: runId, nodeId: `event:${event}` });
    const message: RunEvent = { v: 1, event, payload: carried };
    await this.onOpenRun(runId, (handle) => handle.signal(RUN_EVENT_SIGNAL, message));
  }

  private async onOpenRun(
    runId: string,
    action: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>,
  ): Promise<void> {
    if (!isRunId(runId)) throw notFound(`run "${runId}"`);
    try {
      await action(this.client.workflow.getHandle(runId));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError)
        throw new HttpError(409, 'run_not_running', `run "${runId}" is not running`);
      throw error;
    }
  }

  /** What a running (or otherwise closed) run reports through its query; nothing when no worker answers. */
  private liveSnapshot(runId: string): Promise<RunSnapshot | undefined> {
    const asked = this.queries.get(runId);
    if (asked) return asked;
    const asking = this.client.withDeadline(Date.now() + QUERY_MS, () =>
      this.client.workflow.getHandle(runId).query<RunSnapshot>(RUN_STATE_QUERY),
    );
    asking.catch(() => undefined); // outlived by the bound below, never an unhandled rejection
    const query = within('temporal', QUERY_MS, asking)
      .catch(() => undefined)
      .finally(() => this.queries.delete(runId));
    this.queries.set(runId, query);
    return query;
  }
}
