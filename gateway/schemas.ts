import { z } from 'zod';
import { Identifier } from '../flow/schema';

/** Request shapes of the HTTP API, beside the flow definition itself. */
export const FlowIdParams = z.object({ id: Identifier });
export const RunIdParams = z.object({ runId: z.string().min(1).max(200) });
export const FlowReadQuery = z.object({ version: z.coerce.number().int().min(1).optional() }).strict();
export const StartRunBody = z.object({ input: z.unknown().optional() }).strict();
export const StartRunQuery = z
  .object({
    wait: z.enum(['true', 'false']).optional().transform((value) => value === 'true'),
    timeoutMs: z.coerce.number().int().min(100).max(600_000).optional(),
  })
  .strict();
