/**
 * The sandbox's contract: what an execution is asked (code, input, context, limits, egress), what it answers, the
 * executor interface both executors implement (in this process: inProcess.ts; in supervised sandbox processes:
 * supervisor.ts), and the messages between the worker and a sandbox process, parsed with these schemas on arrival.
 * Knows nothing of Temporal, and imports nothing else of the sandbox.
 */
import { z } from 'zod';
import type { LogEntry } from '../flow/contracts';
import { NODE_ERROR_TYPES } from '../flow/errors';

export const ExecutionLimits = z.object({
  memoryMb: z.number(),
  /** Wall-clock time, async waits included. */
  timeoutMs: z.number(),
  /** CPU time the isolate may use; at most the wall-clock time unless set lower. */
  cpuTimeMs: z.number(),
  maxResultBytes: z.number(),
  maxLogEntries: z.number(),
  maxLogChars: z.number(),
  /** Timers (setTimeout/setInterval) pending at once. */
  maxTimers: z.number(),
});
export type ExecutionLimits = z.infer<typeof ExecutionLimits>;

export const DEFAULT_LIMITS: ExecutionLimits = {
  memoryMb: 64,
  timeoutMs: 30_000,
  cpuTimeMs: 30_000,
  maxResultBytes: 1024 * 1024,
  maxLogEntries: 1_000,
  maxLogChars: 1024 * 1024,
  maxTimers: 100,
};

/** Where function code may connect to (sandbox/egress.ts enforces it). */
export const EgressPolicy = z.object({
  /** Host names (exact, or `*.domain` for its subdomains), IP addresses and CIDR ranges that are always allowed. */
  allow: z.array(z.string()),
  /**
   * The platform's own services as `host:port` (its store, Temporal, the gateway): refused even where the allow-list
   * opens their address, so opening 127.0.0.1 for a test API never opens the platform's database with it.
   */
  platform: z.array(z.string()).optional(),
});
export type EgressPolicy = z.infer<typeof EgressPolicy>;

/** The function's second argument, `context` (its `env` also the global `env`). */
export const FunctionContext = z.object({
  trigger: z.object({ type: z.string(), source: z.string().optional(), payload: z.unknown() }),
  workflowContext: z.record(z.string(), z.unknown()),
  steps: z.record(z.string(), z.unknown()),
  env: z.record(z.string(), z.string()),
});
export type FunctionContext = z.infer<typeof FunctionContext>;

export const ExecutionRequest = z.object({
  nodeId: z.string(),
  code: z.string(),
  input: z.unknown(),
  context: FunctionContext,
  limits: ExecutionLimits.partial().optional(),
  /** Where axios, nodemailer and MongoClient may connect; by default no internal addresses. */
  egress: EgressPolicy.optional(),
  /**
   * Executions naming the same series run one after the other in one isolate, each in a fresh context of it
   * (sandbox/series.ts), until `endSeries`. Only one owner's code may share a series: one run's fused chain.
   */
  series: z.string().max(100).optional(),
  /**
   * Runs once the series' execution requested just before it has ended, and only if that one succeeded: its output
   * then stands in `context.steps[nodeId]` (left out when undefined) and, with `asInput`, is the input (null when
   * undefined). A caller can so ask for a chain's next function before the one before it answers, and the two never
   * wait for a round trip between them. Its time limit starts when it does.
   */
  afterPrevious: z.object({ nodeId: z.string(), asInput: z.boolean() }).optional(),
});
export type ExecutionRequest = z.infer<typeof ExecutionRequest>;

const LogEntrySchema = z.object({
  level: z.enum(['log', 'info', 'warn', 'error', 'debug']),
  timestamp: z.string(),
  nodeId: z.string(),
  args: z.array(z.unknown()),
}) satisfies z.ZodType<LogEntry>;

const ExecutionReport = z.object({
  logs: z.array(LogEntrySchema),
  /** Wall time from the request to the outcome, waits included. */
  durationMs: z.number(),
  /** CPU time the function itself used in its isolate (none for a failure before it ran). */
  cpuMs: z.number().optional(),
  memoryBytes: z.number(),
});
export type ExecutionReport = z.infer<typeof ExecutionReport>;

/** A failed execution's error: its kind (flow/errors.ts decides what each means) and the error as plain data. */
export const ExecutionError = z.object({
  type: z.enum(NODE_ERROR_TYPES),
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
});
export type ExecutionError = z.infer<typeof ExecutionError>;

/** Events a node emitted with `context.emit`, published on the workspace's bus once it has succeeded. */
export const EmittedEvents = z.array(z.object({ type: z.string().min(1).max(200), payload: z.unknown() })).max(100);
export type EmittedEvents = z.infer<typeof EmittedEvents>;

export const ExecutionOutcome = z.discriminatedUnion('ok', [
  ExecutionReport.extend({ ok: z.literal(true), output: z.unknown(), emitted: EmittedEvents.optional() }),
  ExecutionReport.extend({ ok: z.literal(false), error: ExecutionError }),
]);
export type ExecutionOutcome = z.infer<typeof ExecutionOutcome>;

/** A failure found before or around the code (no logs, no usage). */
export function failedOutcome(type: ExecutionError['type'], message: string, durationMs = 0): ExecutionOutcome {
  return { ok: false, error: { type, name: type, message }, logs: [], durationMs, memoryBytes: 0 };
}

/**
 * What the caller hears while a function runs. `onLogs` gets the log entries as they are written, in order, in small
 * batches (at most every LIVE_LOG_BATCH_MS); the outcome's `logs` still holds all of them.
 */
export interface ExecutionHooks {
  onLogs?(entries: LogEntry[]): void;
}

/** How long a sandbox process gathers log entries before handing them out (one message per batch). */
export const LIVE_LOG_BATCH_MS = 100;

/** Runs functions. Both executors answer every failure as an outcome: `execute` never rejects. */
export interface Executor {
  /**
   * Runs one function; `signal` aborts it (the run was cancelled): it ends at once, its isolate disposed. `hooks`
   * hears its logs live; every batch is handed out before the outcome is answered.
   */
  execute(request: ExecutionRequest, signal?: AbortSignal, hooks?: ExecutionHooks): Promise<ExecutionOutcome>;
  /** The series' executions are over: its isolate is disposed (now, or when the one running ends). */
  endSeries(id: string): void;
  /** Stops whatever the executor holds (sandbox processes, isolates kept ready). */
  close(): void;
}

/**
 * Messages between the worker and its sandbox processes (Node IPC, JSON). Versioned: a worker and a sandbox
 * process of different builds refuse each other instead of misreading.
 */
export const PROTOCOL_VERSION = 1;

/** Worker → sandbox process. */
export const ToSandbox = z.discriminatedUnion('type', [
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal('execute'),
    id: z.number().int(),
    request: ExecutionRequest,
  }),
  /** The run was cancelled: stop that execution now (its isolate is disposed). */
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal('cancel'), id: z.number().int() }),
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal('endSeries'), series: z.string().max(100) }),
]);
export type ToSandbox = z.infer<typeof ToSandbox>;

/** Sandbox process → worker. */
export const FromSandbox = z.discriminatedUnion('type', [
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal('ready') }),
  /** Log entries an execution wrote since the last batch (sent before its outcome). */
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal('logs'),
    id: z.number().int(),
    entries: z.array(LogEntrySchema).max(1_000),
  }),
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal('outcome'),
    id: z.number().int(),
    outcome: ExecutionOutcome,
  }),
]);
export type FromSandbox = z.infer<typeof FromSandbox>;

/** The execution a message that is not a valid FromSandbox names, if it names one: that execution must still end. */
export function answeredId(raw: unknown): number | undefined {
  const parsed = z.object({ id: z.number().int() }).safeParse(raw);
  return parsed.success ? parsed.data.id : undefined;
}
