/**
 * What the studio's routes answer, as zod schemas: the one definition of their shapes, typed into the handlers,
 * described in the OpenAPI document, and importable (types only; zod and the flow schema are its only imports) by
 * the studio's API client.
 */
import { z } from 'zod';
import type { LogEntry, NodeError } from '../flow/contracts';
import { ErrorHandlerRef } from '../flow/schema';
import { FlowTrigger } from '../flow/triggers';
import { PlanLimits, PlanName } from '../store/plans';

/** A problem a check found, with its place: `nodes[0].code` (line and column for code), `layout.nodes.<id>`, `(root)`. */
export const ProblemAnswer = z
  .object({
    path: z.string(),
    message: z.string(),
    rule: z.string().optional(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
  })
  .strict();

/** `POST /api/validate/code` and `/api/validate/flow`: empty when fine. */
export const ProblemsAnswer = z.object({ problems: z.array(ProblemAnswer) }).strict();
export type ProblemsAnswer = z.infer<typeof ProblemsAnswer>;

/** One flow in `GET /api/flows`. */
export const FlowListItem = z
  .object({
    id: z.string(),
    name: z.string(),
    /** The newest version; 0 for a flow that exists only as a draft (kept for older clients; see latestVersion). */
    version: z.number().int(),
    latestVersion: z.number().int().nullable(),
    hasDraft: z.boolean(),
    draftRevision: z.number().int().nullable(),
    /** The newest version's triggers (the draft's when there is no version), webhook credentials redacted. */
    triggers: z.array(FlowTrigger),
    /** The newest run of a saved version; null when there is none, or visibility did not answer in time. */
    lastRun: z.object({ runId: z.string(), status: z.string(), startedAt: z.string().optional() }).nullable(),
    /** Of the newest 100 runs of saved versions: those that ended, and those that completed; null when not known in time. */
    successRate: z.object({ runs: z.number().int(), succeeded: z.number().int() }).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .strict();
export type FlowListItem = z.infer<typeof FlowListItem>;
export const FlowListAnswer = z.object({ flows: z.array(FlowListItem) }).strict();

/** `POST /api/flows/:id/steps/test`: the node's outcome (200), or the run still going past the wait (202). */
export const StepTestAnswer = z.union([
  z
    .object({
      runId: z.string(),
      status: z.enum(['succeeded', 'failed']),
      output: z.unknown(),
      /** flow/contracts.ts NodeError (a failed workflow without a node error: name and message only). */
      error: z.custom<NodeError | { name: string; message: string }>().nullable(),
      logs: z.array(z.custom<LogEntry>()),
      durationMs: z.number().nullable(),
      memoryBytes: z.number().nullable(),
    })
    .strict(),
  z.object({ runId: z.string(), status: z.literal('running') }).strict(),
]);
export type StepTestAnswer = z.infer<typeof StepTestAnswer>;

/** `PUT /api/flows/:id/draft?baseRevision=N` refused: the `error` of a 409. */
export const DraftConflictError = z
  .object({
    code: z.literal('draft_conflict'),
    message: z.string(),
    /** The draft's revision now; null when it was discarded. */
    currentRevision: z.number().int().nullable(),
    savedAt: z.string().nullable(),
  })
  .strict();
export type DraftConflictError = z.infer<typeof DraftConflictError>;

/** `GET /api/workspace`: the caller's workspace, with a node's ceilings under its plan. */
export const WorkspaceAnswer = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: PlanName,
    limits: PlanLimits,
    maxMemoryMb: z.number().int(),
    maxTimeoutMs: z.number().int(),
    usage: z.object({ period: z.string(), executions: z.number().int(), remaining: z.number().int() }).strict(),
    /** The flow started when a run fails whose flow names no handler of its own (`errorHandler` of a definition). */
    errorHandler: ErrorHandlerRef.optional(),
    createdAt: z.string(),
  })
  .strict();
export type WorkspaceAnswer = z.infer<typeof WorkspaceAnswer>;

/** `POST /api/cron/preview`. */
export const CronPreviewAnswer = z
  .object({
    cron: z.string(),
    timezone: z.string(),
    description: z.string(),
    /** The next 5 run times, ISO 8601 in UTC. */
    next: z.array(z.string()),
  })
  .strict();
export type CronPreviewAnswer = z.infer<typeof CronPreviewAnswer>;

const Percentiles = z
  .object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() })
  .strict();
/** What every metrics panel starts with: the window it covers (aligned to its buckets) and the flow, or null. */
const MetricsHeader = {
  window: z.enum(['1h', '24h', '7d', '30d']),
  flowId: z.string().nullable(),
  from: z.string(),
  to: z.string(),
  bucketMs: z.number().int(),
};

/** `GET /api/metrics/summary`: runs of saved versions and their code-node executions in the window. */
export const MetricsSummaryAnswer = z
  .object({
    ...MetricsHeader,
    runs: z
      .object({
        total: z.number().int(),
        completed: z.number().int(),
        failed: z.number().int(),
        cancelled: z.number().int(),
        /** completed / total; null when no run closed. */
        successRate: z.number().nullable(),
      })
      .strict(),
    executions: z
      .object({
        total: z.number().int(),
        succeeded: z.number().int(),
        failed: z.number().int(),
        cancelled: z.number().int(),
        successRate: z.number().nullable(),
      })
      .strict(),
    runDurationMs: Percentiles.nullable(),
  })
  .strict();
export type MetricsSummaryAnswer = z.infer<typeof MetricsSummaryAnswer>;

/** `GET /api/metrics/timeseries`: every bucket of the window, oldest first, zeros included. */
export const MetricsTimeseriesAnswer = z
  .object({
    ...MetricsHeader,
    buckets: z.array(
      z
        .object({
          at: z.string(),
          runs: z
            .object({ completed: z.number().int(), failed: z.number().int(), cancelled: z.number().int() })
            .strict(),
          executions: z
            .object({ succeeded: z.number().int(), failed: z.number().int(), cancelled: z.number().int() })
            .strict(),
          runDurationMsP95: z.number().nullable(),
        })
        .strict(),
    ),
  })
  .strict();
export type MetricsTimeseriesAnswer = z.infer<typeof MetricsTimeseriesAnswer>;

/** `GET /api/metrics/nodes`: per code node, most executed first (at most 200). */
export const MetricsNodesAnswer = z
  .object({
    ...MetricsHeader,
    nodes: z.array(
      z
        .object({
          flowId: z.string(),
          nodeId: z.string(),
          executions: z.number().int(),
          succeeded: z.number().int(),
          failed: z.number().int(),
          cancelled: z.number().int(),
          durationMs: Percentiles,
          memoryBytes: z.object({ p95: z.number().nullable() }).strict(),
        })
        .strict(),
    ),
  })
  .strict();
export type MetricsNodesAnswer = z.infer<typeof MetricsNodesAnswer>;

/** `GET /api/metrics/errors`: failed node attempts grouped by flow, node, error type and message, most frequent first. */
export const MetricsErrorsAnswer = z
  .object({
    ...MetricsHeader,
    errors: z.array(
      z
        .object({
          message: z.string(),
          type: z.string(),
          flowId: z.string(),
          nodeId: z.string(),
          count: z.number().int(),
          lastAt: z.string(),
          /** Up to 5 recent runs with this error, newest first. */
          runIds: z.array(z.string()),
          /** The query for `GET /api/runs` that lists the failed runs of this flow in the window. */
          runsFilter: z.object({ flowId: z.string(), status: z.literal('failed'), startedAfter: z.string() }).strict(),
        })
        .strict(),
    ),
  })
  .strict();
export type MetricsErrorsAnswer = z.infer<typeof MetricsErrorsAnswer>;

/** `GET /api/metrics/usage`: the workspace's month of executions against its plan, and where it is heading. */
export const MetricsUsageAnswer = z
  .object({
    period: z.string(),
    plan: PlanName,
    limit: z.number().int(),
    used: z.number().int(),
    /** `used` at this pace until the month's end. */
    projected: z.number().int(),
    projectedExceedsLimit: z.boolean(),
    daysInMonth: z.number().int(),
    elapsedDays: z.number(),
    daily: z.array(z.object({ day: z.string(), executions: z.number().int() }).strict()),
  })
  .strict();
export type MetricsUsageAnswer = z.infer<typeof MetricsUsageAnswer>;
