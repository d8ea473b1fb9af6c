import { z } from 'zod';
import { EventType } from '../flow/eventTriggers';
import { CodeNode, ErrorHandlerRef, Identifier, NODE_LIMITS } from '../flow/schema';
import { RUN_TRIGGER_TYPES } from '../flow/run';
import { CronTrigger, OVERLAP_POLICIES } from '../flow/triggers';
import { METRICS_WINDOWS } from '../store/metricsModel';
import { PlanLimits, PlanName } from '../store/plans';
import { RUN_STATUSES } from './runAnswers';

/** Request shapes of the HTTP API, beside the flow definition itself. */
export const FlowIdParams = z.object({ id: Identifier });
export const RunIdParams = z.object({ runId: z.string().min(1).max(200) });
/**
 * `GET /api/flows?runFigures=false`: the list without each flow's last run and success rate (no visibility query per
 * flow), for a client that needs only what exists, as the studio's editor opening one flow.
 */
export const FlowListQuery = z
  .object({
    runFigures: z
      .enum(['true', 'false'])
      .optional()
      .transform((value) => value !== 'false'),
  })
  .strict();
export const FlowReadQuery = z.object({ version: z.coerce.number().int().min(1).optional() }).strict();
/** `PUT /api/flows/:id/draft?baseRevision=N`: the draft revision the edit started from (0: there was none). */
export const DraftSaveQuery = z.object({ baseRevision: z.coerce.number().int().min(0).optional() }).strict();
export const StartRunBody = z.object({ input: z.unknown().optional() }).strict();
export const StartRunQuery = z
  .object({
    wait: z
      .enum(['true', 'false'])
      .optional()
      .transform((value) => value === 'true'),
    timeoutMs: z.coerce.number().int().min(100).max(600_000).optional(),
  })
  .strict();

/**
 * `Idempotency-Key` on run starts (the API's and webhooks'): the run id derives from it, so a client that retries a
 * start (after a 503, a timeout or a cut connection) with the same key gets the first run, never a second.
 */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters (no spaces or control characters)')
  .describe(
    'retrying with the same key answers the run the first request started (1–200 visible ASCII characters, e.g. a UUID)',
  );
export const IdempotencyHeaders = z.object({ 'idempotency-key': IdempotencyKey.optional() });

export const ScheduleParams = z.object({
  id: Identifier,
  triggerId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be a cron trigger id'),
});
export const NoteBody = z.object({ note: z.string().max(500).optional() }).strict();
export const TriggerNowBody = z.object({ overlap: z.enum(OVERLAP_POLICIES).optional() }).strict();
export const BackfillBody = z
  .object({
    start: z.iso.datetime({ offset: true }).transform((text) => new Date(text)),
    end: z.iso.datetime({ offset: true }).transform((text) => new Date(text)),
    overlap: z.enum(OVERLAP_POLICIES).optional(),
  })
  .strict()
  .refine((range) => range.start < range.end, { message: 'start must be before end', path: ['end'] });

export const RunListQuery = z
  .object({
    flowId: Identifier.optional(),
    status: z.enum(RUN_STATUSES).optional(),
    trigger: z.enum(RUN_TRIGGER_TYPES).optional(),
    startedAfter: z.iso.datetime({ offset: true }).optional(),
    startedBefore: z.iso.datetime({ offset: true }).optional(),
    pageSize: z.coerce.number().int().min(1).max(1_000).default(50),
    pageToken: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,4000}$/, 'must be a nextPageToken from an earlier page')
      .optional(),
  })
  .strict();
export type RunListQuery = z.infer<typeof RunListQuery>;
/** `POST /api/runs/:runId/events`: an event or approval for the run's `wait` nodes. */
export const RunEventBody = z.object({ event: EventType, payload: z.json().optional() }).strict();
export const RerunBody = z
  .object({
    version: z.enum(['latest', 'same']).default('latest'),
    /** Rerun from this node: the nodes upstream of it reuse their recorded outcomes and do not execute again. */
    fromNode: Identifier.optional(),
  })
  .strict();
export const RunNodeParams = z.object({ runId: z.string().min(1).max(200), nodeId: Identifier });
/** `GET /api/runs/:runId/nodes/:nodeId/data`: one node's value, part by part. */
export const NodeValueQuery = z
  .object({
    which: z.enum(['output', 'input']).default('output'),
    path: z
      .string()
      .regex(/^[^.]{1,200}(\.[^.]{1,200}){0,31}$/, 'must be dot-separated keys or array indexes, such as items.0.name')
      .optional(),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1_000).default(100),
  })
  .strict();

/** `GET /api/runs/:runId/attempts`: every node's attempts, a page at a time. */
export const RunAttemptsQuery = z
  .object({
    pageSize: z.coerce.number().int().min(1).max(1_000).default(500),
    pageToken: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,1000}$/, 'must be a nextPageToken from an earlier page')
      .optional(),
  })
  .strict();
export type RunAttemptsQuery = z.infer<typeof RunAttemptsQuery>;

export const WorkspaceParams = z.object({ workspaceId: Identifier });
export const CreateWorkspaceBody = z
  .object({
    id: Identifier,
    name: z.string().min(1).max(200),
    plan: PlanName.default('starter'),
    limits: PlanLimits.partial().optional(),
  })
  .strict()
  .refine((body) => body.limits === undefined || body.plan === 'enterprise', {
    message: 'custom limits are for the enterprise plan',
    path: ['limits'],
  });
export const UpdateWorkspaceBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    plan: PlanName.optional(),
    limits: PlanLimits.partial().optional(),
  })
  .strict();
/** `PATCH /api/workspace`: the calling key's workspace's settings; `errorHandler: null` removes the default handler. */
export const UpdateCurrentWorkspaceBody = z.object({ errorHandler: ErrorHandlerRef.nullable() }).strict();
export type UpdateCurrentWorkspaceBody = z.infer<typeof UpdateCurrentWorkspaceBody>;
export const CreateKeyBody = z.object({ name: z.string().min(1).max(200) }).strict();
export const KeyParams = z.object({
  workspaceId: Identifier,
  keyId: z.string().regex(/^key_[a-f0-9]{16}$/, 'must be a key id'),
});
export const VariableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be letters, digits and "_", not starting with a digit');
export const VariableParams = z.object({ name: VariableName });
export const SetVariableBody = z.object({ value: z.string().max(32_768) }).strict();

/** `POST /api/validate/code`: one code node's source, checked as it is typed. */
export const ValidateCodeBody = z.object({ code: z.string().max(NODE_LIMITS.codeChars) }).strict();

/** `POST /api/flows/:id/steps/test`: a code node (as in a definition) and the input it runs with. */
export const StepTestBody = z.object({ node: CodeNode, input: z.json().optional() }).strict();

/** `POST /api/cron/preview`: a cron trigger's expression and time zone, checked as in a flow definition. */
export const CronPreviewBody = CronTrigger.pick({ cron: true, timezone: true }).strict();

/** `GET /api/metrics/{summary,timeseries,nodes}`: the window, and one flow or (absent) the whole workspace. */
export const MetricsQuery = z
  .object({
    window: z.enum(METRICS_WINDOWS).default('24h'),
    flowId: Identifier.optional(),
  })
  .strict();
/** `GET /api/metrics/errors`: as MetricsQuery, and how many error groups. */
export const MetricsErrorsQuery = MetricsQuery.extend({
  limit: z.coerce.number().int().min(1).max(100).default(10),
}).strict();
