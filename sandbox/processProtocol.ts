/**
 * Messages between the worker and its sandbox processes (Node IPC, JSON). Versioned: a worker and a sandbox
 * process of different builds refuse each other instead of misreading.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

/** Worker → sandbox process. The request is an ExecutionRequest (without its signal), JSON-able by design. */
export const ToSandbox = z.discriminatedUnion('type', [
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal('execute'),
    id: z.number().int(),
    request: z.record(z.string(), z.unknown()),
  }),
  /** The run was cancelled: stop that execution now (its isolate is disposed). */
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal('cancel'), id: z.number().int() }),
]);
export type ToSandbox = z.infer<typeof ToSandbox>;

/** Sandbox process → worker. */
export const FromSandbox = z.discriminatedUnion('type', [
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal('ready') }),
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal('outcome'),
    id: z.number().int(),
    outcome: z.object({ ok: z.boolean(), logs: z.array(z.unknown()), durationMs: z.number(), memoryBytes: z.number() }).passthrough(),
  }),
]);
export type FromSandbox = z.infer<typeof FromSandbox>;
