/**
 * Runs one user function in a fresh isolated-vm isolate (taken from a pool of isolates prepared ahead of use, each
 * used once) with memory, time, CPU, log, timer and result limits, capturing its logs.
 * Knows nothing of Temporal: it takes code, input and context, and answers an outcome.
 */
import os from 'node:os';
import path from 'node:path';
import { analyzeCode, CodeAnalysis } from '../flow/code';
import type { LogEntry, NodeError } from '../flow/contracts';
import { Bridges, installBridges } from './bridges';
import { DEFAULT_EGRESS_POLICY, EgressPolicy } from './egress';
import { Execution } from './execution';
import { NO_LIBRARIES, planLibraries } from './libraries';
import { IsolatePool } from './pool';
import { SandboxSupervisor } from './supervisor';

export interface ExecutionLimits {
  memoryMb: number;
  /** Wall-clock time, async waits included. */
  timeoutMs: number;
  /** CPU time the isolate may use; at most the wall-clock time unless set lower. */
  cpuTimeMs: number;
  maxResultBytes: number;
  maxLogEntries: number;
  maxLogChars: number;
  /** Timers (setTimeout/setInterval) pending at once. */
  maxTimers: number;
}

export const DEFAULT_LIMITS: ExecutionLimits = {
  memoryMb: 64,
  timeoutMs: 30_000,
  cpuTimeMs: 30_000,
  maxResultBytes: 1024 * 1024,
  maxLogEntries: 1_000,
  maxLogChars: 1024 * 1024,
  maxTimers: 100,
};

export interface FunctionContext {
  trigger: { type: string; source?: string; payload: unknown };
  workflowContext: Record<string, unknown>;
  steps: Record<string, unknown>;
  env: Record<string, string>;
}

export interface ExecutionRequest {
  nodeId: string;
  code: string;
  input: unknown;
  context: FunctionContext;
  limits?: Partial<ExecutionLimits>;
  /** Where axios, nodemailer and MongoClient may connect; by default no internal addresses. */
  egress?: EgressPolicy;
  /** Aborted when the run is cancelled: the execution ends at once and its isolate is disposed. */
  signal?: AbortSignal;
}

export interface ExecutionReport {
  logs: LogEntry[];
  durationMs: number;
  memoryBytes: number;
}

export type ExecutionOutcome =
  | ({ ok: true; output: unknown } & ExecutionReport)
  | ({ ok: false; error: Omit<NodeError, 'nodeId'> & { type: ExecutionErrorType } } & ExecutionReport);

export type ExecutionErrorType =
  | 'CodeError'
  | 'ValidationError'
  | 'TimeoutError'
  | 'CpuLimitError'
  | 'MemoryLimitError'
  | 'ResultError'
  | 'LogLimitError'
  | 'TimerLimitError'
  | 'InternalError';

/** Breaches of a limit: the same code and input would breach it again, so retrying cannot help. */
export const LIMIT_ERROR_TYPES: ReadonlySet<ExecutionErrorType> = new Set([
  'TimeoutError',
  'CpuLimitError',
  'MemoryLimitError',
  'ResultError',
  'LogLimitError',
  'TimerLimitError',
]);

/** How long after the node's deadline a host call may still run if the execution somehow has not ended it. */
const BRIDGE_DEADLINE_GRACE_MS = 1_000;

let pool: IsolatePool | undefined;

function sandboxPool(): IsolatePool {
  pool ??= new IsolatePool();
  return pool;
}

export interface SandboxConfiguration {
  /** Sandbox processes to run isolates in; 0 runs them in this process (no protection from a crash in isolated-vm). */
  processes: number;
}

/** Past an execution's time limit, how long its sandbox process may stay silent before it is killed as stuck. */
const PROCESS_GRACE_MS = 2_000;

let configured: SandboxConfiguration | undefined;
let supervisor: SandboxSupervisor | undefined;

/**
 * The default when nothing is configured: compiled, as the worker runs, isolates live in supervised sandbox
 * processes (DESIGN.md); run from the TypeScript sources, as unit tests do, there is no compiled process to fork,
 * so they run in this process.
 */
function defaultConfiguration(): SandboxConfiguration {
  return { processes: __filename.endsWith('.js') ? Math.min(2, os.availableParallelism()) : 0 };
}

export function configureSandbox(configuration: SandboxConfiguration): void {
  closeSandbox();
  configured = configuration;
}

function sandboxSupervisor(): SandboxSupervisor | undefined {
  const { processes } = configured ?? defaultConfiguration();
  if (processes <= 0) return undefined;
  supervisor ??= new SandboxSupervisor({ childPath: path.join(__dirname, 'child.js'), processes, graceMs: PROCESS_GRACE_MS });
  return supervisor;
}

/** Starts the sandbox processes, or prepares isolates for plain functions here, so the first executions are warm. */
export function prewarmSandbox(): void {
  if (sandboxSupervisor()) return;
  sandboxPool().warm({ memoryMb: DEFAULT_LIMITS.memoryMb, libraries: NO_LIBRARIES });
}

/** Stops the sandbox processes and disposes the isolates kept ready (at shutdown, and at the end of tests). */
export function closeSandbox(): void {
  supervisor?.close();
  supervisor = undefined;
  pool?.close();
  pool = undefined;
}

/** Runs one function: in a sandbox process when there are any (see `configureSandbox`), else in this process. */
export function executeFunction(request: ExecutionRequest): Promise<ExecutionOutcome> {
  const processes = sandboxSupervisor();
  if (!processes) return executeInThisProcess(request);
  const { signal, ...sendable } = request;
  return processes.execute(sendable, request.limits?.timeoutMs ?? DEFAULT_LIMITS.timeoutMs, signal);
}

/** The same node's code runs again and again: parse it once. Analyses are pure data, safe to share. */
const analyses = new Map<string, CodeAnalysis>();
const MAX_CACHED_ANALYSES = 500;

function analyzedCode(code: string): CodeAnalysis {
  let analysis = analyses.get(code);
  if (!analysis) {
    analysis = analyzeCode(code);
    if (analyses.size >= MAX_CACHED_ANALYSES) analyses.delete(analyses.keys().next().value as string);
    analyses.set(code, analysis);
  }
  return analysis;
}

async function executeInThisProcess(request: ExecutionRequest): Promise<ExecutionOutcome> {
  const requestedAt = performance.now();
  const limits: ExecutionLimits = { ...DEFAULT_LIMITS, ...request.limits };
  limits.cpuTimeMs = Math.min(limits.cpuTimeMs, limits.timeoutMs);
  const failure = (type: ExecutionErrorType, message: string): ExecutionOutcome => ({
    ok: false,
    error: { type, name: type, message },
    logs: [],
    durationMs: Math.round((performance.now() - requestedAt) * 1000) / 1000,
    memoryBytes: 0,
  });

  const analysis = analyzedCode(request.code);
  if (!analysis.ok) {
    const details = analysis.problems.map((problem) => `${problem.message} (${problem.rule}, line ${problem.line}, column ${problem.column})`);
    return failure('ValidationError', details.join('; '));
  }

  const isolates = sandboxPool();
  let prepared;
  try {
    prepared = await isolates.take({ memoryMb: limits.memoryMb, libraries: planLibraries(analysis) });
  } catch (error) {
    isolates.refill();
    return failure('InternalError', `could not prepare an isolate: ${(error as Error).message}`);
  }
  const execution = new Execution({ request, entry: analysis.entry, limits, prepared, requestedAt });
  // Disposing the isolate stops whatever the code is doing; the execution then ends (as stopped by the platform).
  request.signal?.addEventListener('abort', () => prepared.dispose(), { once: true });
  let bridges: Bridges;
  try {
    bridges = installBridges(execution.isolate, execution.context, {
      // A backstop: the execution's own clock ends the node first (a TimeoutError, not an error the code could catch),
      // and disposing the bridges then aborts whatever host call is still in flight.
      deadline: Date.now() + limits.timeoutMs + BRIDGE_DEADLINE_GRACE_MS,
      egress: request.egress ?? DEFAULT_EGRESS_POLICY,
      referencedGlobals: new Set(Object.keys(analysis.globals)),
    });
  } catch (error) {
    prepared.dispose();
    isolates.refill();
    return failure('InternalError', `could not install the libraries: ${(error as Error).message}`);
  }
  try {
    return await execution.run();
  } finally {
    // Replacements are prepared once the execution is over, not while it waits for the thread they would hold.
    isolates.refill();
    await bridges.dispose();
  }
}
