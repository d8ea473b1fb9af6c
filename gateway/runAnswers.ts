/**
 * What the run routes answer (a run, its nodes, attempts and values, the runs list, reruns, the run and runs-list
 * streams), as zod schemas: the one definition of those shapes. The gateway's run views are typed from them, the
 * OpenAPI document describes them, and the studio's API client imports their types (zod and flow/ are the only
 * imports here, so the studio's build reads this file as it is).
 */
import { z } from 'zod';
import { NODE_ERROR_TYPES } from '../flow/errors';

/** A run's statuses as the runs list filters them (Temporal's execution statuses, named for people). */
export const RUN_STATUSES = [
  'running',
  'completed',
  'failed',
  'cancelled',
  'terminated',
  'timed_out',
  'continued_as_new',
] as const;
/** A run's status; `pending` while an accepted webhook's run waits to start. */
export const RunStatusAnswer = z.enum(['pending', ...RUN_STATUSES]);
export type RunStatusAnswer = z.infer<typeof RunStatusAnswer>;

export const EdgeStatusAnswer = z.enum(['pending', 'taken', 'dead']);
export type EdgeStatusAnswer = z.infer<typeof EdgeStatusAnswer>;

/** What the debugger colours a node by: its record's status, refined while it runs. */
export const NodeStateAnswer = z.enum([
  'pending',
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
]);
export type NodeStateAnswer = z.infer<typeof NodeStateAnswer>;

/** One `console.*` call of a node's code. */
export const LogEntryAnswer = z
  .object({
    level: z.enum(['log', 'info', 'warn', 'error', 'debug']),
    timestamp: z.string(),
    nodeId: z.string(),
    args: z.array(z.unknown()),
  })
  .strict();
export type LogEntryAnswer = z.infer<typeof LogEntryAnswer>;

/** A node's failure (flow/errors.ts says what each `type` means). */
export const NodeErrorAnswer = z
  .object({
    name: z.string(),
    message: z.string(),
    stack: z.string().optional(),
    nodeId: z.string(),
    type: z.enum(NODE_ERROR_TYPES),
  })
  .strict();

export const RerunOfAnswer = z.object({ runId: z.string(), fromNode: z.string().optional() }).strict();
export type RerunOfAnswer = z.infer<typeof RerunOfAnswer>;

/** One node of a run view: its record in the run (flow/contracts.ts NodeRecord) and the state it is shown in. */
export const NodeViewAnswer = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    type: z.enum(['code', 'delay', 'wait', 'subflow']).optional(),
    status: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled']),
    state: NodeStateAnswer,
    /** The attempt that produced the outcome, or the one running. */
    attempt: z.number().int().optional(),
    /** When the workflow started the node. */
    startedAt: z.string().optional(),
    /** When the node's outcome was recorded. */
    endedAt: z.string().optional(),
    /** Code nodes: the sandbox time of the last attempt; other kinds: endedAt - startedAt. */
    durationMs: z.number().optional(),
    memoryBytes: z.number().optional(),
    /** May be a stored reference (`{ $nectarRef: 1, id, bytes }`): `GET …/nodes/{nodeId}/data` resolves it. */
    output: z.unknown().optional(),
    error: NodeErrorAnswer.optional(),
    /** Every log line of the last attempt, once the node ended. */
    logs: z.array(LogEntryAnswer).optional(),
    unmatchedPath: z.string().optional(),
    /** While retrying: the previous attempt's message. */
    lastFailure: z.string().optional(),
    /** A subflow node's child run. */
    childRunId: z.string().optional(),
    /** Executions of the node in this run (more than 1 in loops). */
    runs: z.number().int().optional(),
    /** Index of the loop edge the node was last re-entered by. */
    loopEntry: z.number().int().optional(),
    /** Rerun from a node: this node did not execute; its outcome is that run's. */
    reusedFrom: z.string().optional(),
    /**
     * The run has not recorded this node's outcome yet: it runs (or ran) as a local activity, in a fused chain, that
     * is still going. Its state, times, usage and error are the worker's word; its output and logs come with the
     * run's record, when that activity ends.
     */
    pendingRecord: z.literal(true).optional(),
  })
  .strict();
export type NodeViewAnswer = z.infer<typeof NodeViewAnswer>;

const RunError = z.union([NodeErrorAnswer, z.object({ name: z.string(), message: z.string() }).strict()]);

/** `GET /api/runs/{runId}`: a run with its nodes, live while it runs. */
export const RunViewAnswer = z
  .object({
    runId: z.string(),
    status: RunStatusAnswer,
    flowId: z.string().optional(),
    flowVersion: z.number().int().optional(),
    /** A run of the flow's draft: the revision it pinned (and no flowVersion). */
    draft: z.number().int().optional(),
    trigger: z.string().optional(),
    startedAt: z.string(),
    closedAt: z.string().optional(),
    durationMs: z.number().optional(),
    output: z.unknown(),
    error: RunError.optional(),
    /** In start order, then the nodes never started. */
    nodes: z.array(NodeViewAnswer),
    /** In the order of the pinned definition's `edges`; absent for runs recorded before edge statuses. */
    edges: z.array(EdgeStatusAnswer).optional(),
    /** The node whose failure failed the run. */
    failedNode: z.string().optional(),
    rerunOf: RerunOfAnswer.optional(),
    /** The run in the Temporal Web UI. */
    temporalUrl: z.string().optional(),
    /** A failed run's error handler flow (flow/errorHandler.ts): the run it started, or why none started. */
    errorHandler: z
      .object({ flowId: z.string().optional(), runId: z.string().optional(), problem: z.string().optional() })
      .strict()
      .optional(),
    /** An error handler run: the failed run it handles. */
    errorOf: z.string().optional(),
  })
  .strict();
export type RunViewAnswer = z.infer<typeof RunViewAnswer>;

/** One try of one execution of a code node (retries are attempts of their own). */
export const AttemptAnswer = z
  .object({
    nodeId: z.string(),
    /** Which execution of the node in the run (loops run a node again), from 1. */
    execution: z.number().int(),
    attempt: z.number().int(),
    status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
    /** When this attempt was scheduled (after its retry backoff); absent for nodes of a fused chain. */
    scheduledAt: z.string().optional(),
    /** When a worker started it (empty for an attempt still queued). */
    startedAt: z.string(),
    /** On a running attempt: the previous attempt's message. */
    lastFailure: z.string().optional(),
    /** startedAt - scheduledAt. */
    queueWaitMs: z.number().optional(),
    endedAt: z.string().optional(),
    /** Sandbox time. */
    durationMs: z.number().optional(),
    memoryBytes: z.number().optional(),
    error: z
      .object({ name: z.string(), message: z.string(), stack: z.string().optional(), type: z.string() })
      .strict()
      .optional(),
    /** A node of a fused chain: the chain's first node (the chain is one local activity, its nodes run in turn). */
    chain: z.string().optional(),
  })
  .strict();
export type AttemptAnswer = z.infer<typeof AttemptAnswer>;

/** `GET /api/runs/{runId}/nodes/{nodeId}`: the node and every attempt of it, oldest first. */
export const NodeDetailAnswer = z.object({ node: NodeViewAnswer, attempts: z.array(AttemptAnswer) }).strict();
export type NodeDetailAnswer = z.infer<typeof NodeDetailAnswer>;

/** `GET /api/runs/{runId}/attempts`: every attempt of every node, a page at a time. */
export const RunAttemptsAnswer = z
  .object({
    /** By node (in the order nodes first started), then execution and attempt. */
    attempts: z.array(AttemptAnswer),
    /** Present when more attempts follow: pass it as `pageToken`. */
    nextPageToken: z.string().optional(),
  })
  .strict();
export type RunAttemptsAnswer = z.infer<typeof RunAttemptsAnswer>;

/** `GET /api/runs/{runId}/nodes/{nodeId}/data`: one node's output or input, an array paged. */
export const NodeDataAnswer = z
  .object({
    nodeId: z.string(),
    which: z.enum(['output', 'input']),
    path: z.string().optional(),
    value: z.unknown(),
    /** JSON size of the whole selected value. */
    bytes: z.number().int(),
    /** For an array: its length, and the page given. */
    total: z.number().int().optional(),
    offset: z.number().int().optional(),
    limit: z.number().int().optional(),
  })
  .strict();
export type NodeDataAnswer = z.infer<typeof NodeDataAnswer>;

/** `GET /api/runs/{runId}/inputs`: what to pin as test data to debug the run in the editor. */
export const RunInputsAnswer = z
  .object({
    runId: z.string(),
    flowId: z.string(),
    flowVersion: z.number().int().optional(),
    draft: z.number().int().optional(),
    trigger: z.object({ type: z.string(), source: z.string().optional(), payload: z.unknown() }).strict(),
    /** Each executed node's input (references up to 1 MB resolved). */
    nodes: z.record(z.string(), z.unknown()),
  })
  .strict();
export type RunInputsAnswer = z.infer<typeof RunInputsAnswer>;

/** One run in `GET /api/runs`. */
export const RunSummaryAnswer = z
  .object({
    runId: z.string(),
    status: z.string(),
    flowId: z.string().optional(),
    flowVersion: z.number().int().optional(),
    draft: z.number().int().optional(),
    trigger: z.string().optional(),
    startedAt: z.string().optional(),
    closedAt: z.string().optional(),
    durationMs: z.number().optional(),
    /** The node whose failure failed the run. */
    failedNode: z.string().optional(),
    rerunOf: RerunOfAnswer.optional(),
  })
  .strict();
export type RunSummaryAnswer = z.infer<typeof RunSummaryAnswer>;

export const RunListAnswer = z
  .object({ runs: z.array(RunSummaryAnswer), nextPageToken: z.string().optional() })
  .strict();
export type RunListAnswer = z.infer<typeof RunListAnswer>;

/** `POST /api/runs/{runId}/rerun` (202). */
export const RerunAnswer = z
  .object({
    runId: z.string(),
    rerunOf: RerunOfAnswer,
    flowVersion: z.number().int().optional(),
    draft: z.number().int().optional(),
    /** Rerun from a node: the upstream nodes whose outcomes were reused. */
    reused: z.array(z.string()).optional(),
  })
  .strict();
export type RerunAnswer = z.infer<typeof RerunAnswer>;

/** The run stream's `status` event: on open and whenever the run's status changes. */
export const RunStreamStatus = z
  .object({
    runId: z.string(),
    status: RunStatusAnswer,
    flowId: z.string().optional(),
    flowVersion: z.number().int().optional(),
    startedAt: z.string(),
    rerunOf: RerunOfAnswer.optional(),
    temporalUrl: z.string().optional(),
  })
  .strict();
export type RunStreamStatus = z.infer<typeof RunStreamStatus>;

/** The run stream's `log` event: a running node's new lines, or once `truncated` when its live bound is reached. */
export const RunStreamLog = z
  .object({
    nodeId: z.string(),
    execution: z.number().int(),
    attempt: z.number().int(),
    entries: z.array(LogEntryAnswer).optional(),
    truncated: z.literal(true).optional(),
  })
  .strict();
export type RunStreamLog = z.infer<typeof RunStreamLog>;

/** The run stream's `end` event, after which the stream closes. */
export const RunStreamEnd = z
  .object({
    runId: z.string(),
    status: RunStatusAnswer,
    output: z.unknown(),
    error: RunError.optional(),
    closedAt: z.string().optional(),
  })
  .strict();
export type RunStreamEnd = z.infer<typeof RunStreamEnd>;
