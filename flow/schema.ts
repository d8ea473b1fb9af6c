import { z } from 'zod';
import { IDENTIFIER_PATTERN, IDENTIFIER_RULE } from './ids';
import { NODE_LIMITS } from './limits';
import { EventType } from './eventTriggers';
import { FlowTriggers } from './triggers';

/** The flow definition format: the single source of truth for its types, validation and API docs. */

export const Identifier = z.string().regex(IDENTIFIER_PATTERN, IDENTIFIER_RULE);
export type Identifier = z.infer<typeof Identifier>;

export { NODE_LIMITS };

const MAX_NODES = 500;

export const RetrySettings = z
  .object({
    maximumAttempts: z.number().int().min(NODE_LIMITS.maximumAttempts.min).max(NODE_LIMITS.maximumAttempts.max),
    initialIntervalMs: z.number().int().min(10).max(3_600_000).optional(),
    backoffCoefficient: z.number().min(1).max(10).optional(),
    maximumIntervalMs: z.number().int().min(10).max(86_400_000).optional(),
  })
  .strict();
export type RetrySettings = z.infer<typeof RetrySettings>;

/** A path into what a node can see: `trigger` (type, source, payload) or `steps.<nodeId>`, then fields or indexes. */
export const InputPath = z
  .string()
  .max(300)
  .regex(
    /^(trigger|steps)(\.[A-Za-z0-9_$-]+)*$/,
    'must start with "trigger" or "steps" and continue with ".field" parts',
  );

/** Where one input value comes from: a path (no code), or a literal value. */
export const InputSource = z.union([z.object({ path: InputPath }).strict(), z.object({ value: z.json() }).strict()]);
export type InputSource = z.infer<typeof InputSource>;

/** A node's `input`: one source, or an object whose fields each come from a source. Without it, predecessors' outputs. */
export const InputMapping = z.union([InputSource, z.record(z.string().min(1).max(100), InputSource)]);
export type InputMapping = z.infer<typeof InputMapping>;

/** What a failure does: stop the run, continue along the node's ordinary edges, or take its error edges. */
export const OnError = z.enum(['stop', 'continue', 'error-edge']);
export type OnError = z.infer<typeof OnError>;

const nodeBase = {
  id: Identifier,
  name: z.string().min(1).max(200).optional(),
  input: InputMapping.optional(),
  onError: OnError.optional(),
};

export const CodeNode = z
  .object({
    ...nodeBase,
    type: z.literal('code'),
    code: z.string().min(1, 'code is empty').max(NODE_LIMITS.codeChars),
    timeoutMs: z.number().int().min(NODE_LIMITS.timeoutMs.min).max(NODE_LIMITS.timeoutMs.max).optional(),
    memoryMb: z.number().int().min(NODE_LIMITS.memoryMb.min).max(NODE_LIMITS.memoryMb.max).optional(),
    retry: RetrySettings.optional(),
  })
  .strict();
export type CodeNode = z.infer<typeof CodeNode>;

/** A durable timer: passes its input on after `durationMs`, surviving restarts. */
export const DelayNode = z
  .object({
    ...nodeBase,
    type: z.literal('delay'),
    durationMs: z.number().int().min(NODE_LIMITS.delayMs.min).max(NODE_LIMITS.delayMs.max),
  })
  .strict();
export type DelayNode = z.infer<typeof DelayNode>;

/** A JSON scalar, or where the run's own data holds the value (`{ "path": "trigger.payload.orderId" }`, `{ "value": … }`). */
const CorrelationValue = z.union([z.string().max(1_000), z.number(), z.boolean(), z.null(), InputSource]);

/**
 * A correlation key: the wait takes only an event whose payload holds, at `path` (dotted), the value `equals` names.
 * With one, the event bus (`POST /api/events`, `context.emit`) delivers matching events of that type to the waiting run.
 */
export const WaitMatch = z
  .object({
    path: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^.]+(\.[^.]+)*$/, 'must be a dotted path like "order.id"'),
    equals: CorrelationValue,
  })
  .strict();
export type WaitMatch = z.infer<typeof WaitMatch>;

/**
 * Pauses until `event` is signalled to the run (an approval, a webhook callback, an event on the bus); outputs
 * `{ event, payload }`. After `timeoutMs` with none, outputs `{ event, timedOut: true }` and follows its edges labelled
 * "timeout"; with none, its branch ends there.
 */
export const WaitNode = z
  .object({
    ...nodeBase,
    type: z.literal('wait'),
    event: EventType,
    match: WaitMatch.optional(),
    timeoutMs: z.number().int().min(NODE_LIMITS.waitTimeoutMs.min).max(NODE_LIMITS.waitTimeoutMs.max),
  })
  .strict();
export type WaitNode = z.infer<typeof WaitNode>;

/** Runs another flow (its newest version when the node starts, or `version`) as a child run; outputs its output. */
export const SubflowNode = z
  .object({
    ...nodeBase,
    type: z.literal('subflow'),
    flowId: Identifier,
    version: z.number().int().min(1).optional(),
  })
  .strict();
export type SubflowNode = z.infer<typeof SubflowNode>;

export const FlowNode = z.discriminatedUnion('type', [CodeNode, DelayNode, WaitNode, SubflowNode]);
export type FlowNode = z.infer<typeof FlowNode>;

export const Edge = z
  .object({
    from: Identifier,
    to: Identifier,
    path: z.string().min(1).max(100).optional(),
    on: z.literal('error').optional(),
    /** Marks an edge back to an earlier node: the loop's target runs at most this many times per run. */
    maxIterations: z.number().int().min(1).max(NODE_LIMITS.loopIterations.max).optional(),
  })
  .strict()
  .refine((edge) => !(edge.path !== undefined && edge.on !== undefined), {
    message: 'an edge is either an error edge (on: "error") or a path edge, not both',
  });
export type Edge = z.infer<typeof Edge>;

/**
 * How the interpreter runs the flow's code nodes (those with the default time limit or less; longer ones always run as
 * regular activities, with heartbeats). Unset (the default): light nodes — nodes that cannot affect anything outside
 * their isolate (flow/effects.ts: no axios, nodemailer, MongoClient, timers or global object), without retries of the
 * user's, whose last run on the worker took under 100 ms — run as Temporal local activities, in the worker that runs
 * the workflow, with no task-queue round trip; a worker dying mid-run computes such a node again, which nobody outside
 * can tell. Every other node is a regular activity, recorded as it finishes and never run twice.
 * `true`: every node runs locally (a worker that dies re-runs the nodes it finished since the run's last checkpoint,
 * side effects included). `false`: every node is a regular activity.
 */
export const FlowExecution = z
  .object({
    localActivities: z.boolean().optional(),
    /** `false`: light nodes in a row run one local activity each, not fused into one (flow/chains.ts). */
    fuseChains: z.boolean().optional(),
  })
  .strict();
export type FlowExecution = z.infer<typeof FlowExecution>;

/** Where the studio draws a node: canvas coordinates, kept with the flow and never read when it runs. */
export const NodePosition = z.object({ x: z.number().min(-1e7).max(1e7), y: z.number().min(-1e7).max(1e7) }).strict();
export type NodePosition = z.infer<typeof NodePosition>;

/** The canvas layout: a position per node id (each must name a node of the flow; flow/validate.ts checks it). */
export const FlowLayout = z
  .object({
    nodes: z
      .record(z.string().min(1).max(64), NodePosition)
      .refine((nodes) => Object.keys(nodes).length <= MAX_NODES, `at most ${MAX_NODES} node positions`),
  })
  .strict();
export type FlowLayout = z.infer<typeof FlowLayout>;

/**
 * The flow started when a run of this flow fails (as n8n's error workflows): `{ flowId }` names a flow of the same
 * workspace, whose newest version runs with the failure as its input; `false` starts none, not even the workspace's
 * default handler. Unset: the workspace's default, if it names one.
 */
export const ErrorHandlerRef = z
  .object({ flowId: Identifier.describe('a flow of the same workspace, with a saved version') })
  .strict();
export const ErrorHandlerSetting = z.union([ErrorHandlerRef, z.literal(false)], {
  error: 'must be { "flowId": "<a flow of this workspace>" }, or false for no error handler',
});
export type ErrorHandlerSetting = z.infer<typeof ErrorHandlerSetting>;

export const FlowDefinition = z
  .object({
    id: Identifier,
    name: z.string().min(1).max(200),
    description: z.string().max(5_000).optional(),
    nodes: z.array(FlowNode).min(1, 'a flow needs at least one node').max(MAX_NODES),
    edges: z.array(Edge).max(5_000).default([]),
    triggers: FlowTriggers.optional(),
    execution: FlowExecution.optional(),
    errorHandler: ErrorHandlerSetting.optional(),
    /** The studio's canvas positions: validated, kept with every version and draft, ignored by the interpreter. */
    layout: FlowLayout.optional(),
  })
  .strict();
export type FlowDefinition = z.infer<typeof FlowDefinition>;

/** A saved, immutable version of a flow: what a run pins. */
export const FlowVersion = z.object({
  flowId: Identifier,
  version: z.number().int().min(1),
  definition: FlowDefinition,
  createdAt: z.string(),
});
export type FlowVersion = z.infer<typeof FlowVersion>;
