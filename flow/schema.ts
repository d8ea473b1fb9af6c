import { z } from 'zod';
import { NODE_LIMITS } from './limits';
import { FlowTriggers } from './triggers';

/** The flow definition format: the single source of truth for its types, validation and API docs. */

export const Identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, "-" or "_", starting with a letter or digit');
export type Identifier = z.infer<typeof Identifier>;

export { NODE_LIMITS };

export const RetrySettings = z
  .object({
    maximumAttempts: z.number().int().min(NODE_LIMITS.maximumAttempts.min).max(NODE_LIMITS.maximumAttempts.max),
    initialIntervalMs: z.number().int().min(10).max(3_600_000).optional(),
    backoffCoefficient: z.number().min(1).max(10).optional(),
    maximumIntervalMs: z.number().int().min(10).max(86_400_000).optional(),
  })
  .strict();
export type RetrySettings = z.infer<typeof RetrySettings>;

export const CodeNode = z
  .object({
    id: Identifier,
    type: z.literal('code'),
    name: z.string().min(1).max(200).optional(),
    code: z.string().min(1, 'code is empty').max(NODE_LIMITS.codeChars),
    timeoutMs: z.number().int().min(NODE_LIMITS.timeoutMs.min).max(NODE_LIMITS.timeoutMs.max).optional(),
    memoryMb: z.number().int().min(NODE_LIMITS.memoryMb.min).max(NODE_LIMITS.memoryMb.max).optional(),
    retry: RetrySettings.optional(),
  })
  .strict();
export type CodeNode = z.infer<typeof CodeNode>;

export const FlowNode = z.discriminatedUnion('type', [CodeNode]);
export type FlowNode = z.infer<typeof FlowNode>;

export const Edge = z
  .object({
    from: Identifier,
    to: Identifier,
    path: z.string().min(1).max(100).optional(),
    on: z.literal('error').optional(),
  })
  .strict()
  .refine((edge) => !(edge.path !== undefined && edge.on !== undefined), {
    message: 'an edge is either an error edge (on: "error") or a path edge, not both',
  });
export type Edge = z.infer<typeof Edge>;

export const FlowDefinition = z
  .object({
    id: Identifier,
    name: z.string().min(1).max(200),
    description: z.string().max(5_000).optional(),
    nodes: z.array(FlowNode).min(1, 'a flow needs at least one node').max(500),
    edges: z.array(Edge).max(5_000).default([]),
    triggers: FlowTriggers.optional(),
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
