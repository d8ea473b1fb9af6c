/**
 * Runs one user function in a fresh isolated-vm isolate with memory and time limits, capturing its logs.
 * Knows nothing of Temporal: it takes code, input and context, and answers an outcome.
 */
import ivm from 'isolated-vm';
import { analyzeCode, entryScript } from '../flow/code';
import type { LogEntry, NodeError } from '../flow/graph';
import { InvokeOutcome, installRuntime, RuntimeSettings } from './runtime';

export interface ExecutionLimits {
  memoryMb: number;
  timeoutMs: number;
  maxResultBytes: number;
  maxLogEntries: number;
  maxLogChars: number;
}

export const DEFAULT_LIMITS: ExecutionLimits = {
  memoryMb: 64,
  timeoutMs: 30_000,
  maxResultBytes: 1024 * 1024,
  maxLogEntries: 1_000,
  maxLogChars: 1024 * 1024,
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
}

export interface ExecutionReport {
  logs: LogEntry[];
  durationMs: number;
  memoryBytes: number;
}

export type ExecutionOutcome =
  | ({ ok: true; output: unknown } & ExecutionReport)
  | ({ ok: false; error: Omit<NodeError, 'nodeId'> & { type: ExecutionErrorType } } & ExecutionReport);

export type ExecutionErrorType = 'CodeError' | 'ValidationError' | 'TimeoutError' | 'MemoryLimitError' | 'ResultError' | 'InternalError';

const ENTRY_GLOBAL = '__nectarEntry';
const LOG_LEVELS = new Set<LogEntry['level']>(['log', 'info', 'warn', 'error', 'debug']);
const RUNTIME_SOURCE = installRuntime.toString();

class UserCodeError extends Error {
  constructor(readonly thrown: Error) {
    super(thrown.message);
  }
}

class LimitBreach extends Error {
  constructor(
    readonly type: ExecutionErrorType,
    message: string,
  ) {
    super(message);
  }
}

function classifyHostError(error: unknown, limits: ExecutionLimits, deadlineHit: boolean): LimitBreach | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (deadlineHit || message.includes('Script execution timed out')) {
    return new LimitBreach('TimeoutError', `the function ran longer than its ${limits.timeoutMs} ms time limit`);
  }
  if (message.includes('memory limit')) {
    return new LimitBreach('MemoryLimitError', `the function used more than its ${limits.memoryMb} MB memory limit`);
  }
  return undefined;
}

export async function executeFunction(request: ExecutionRequest): Promise<ExecutionOutcome> {
  const limits: ExecutionLimits = { ...DEFAULT_LIMITS, ...request.limits };
  const started = performance.now();
  const logs: LogEntry[] = [];
  const report = (memoryBytes: number): ExecutionReport => ({
    logs,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    memoryBytes,
  });

  const analysis = analyzeCode(request.code);
  if (!analysis.ok) {
    const [first] = analysis.problems;
    return {
      ok: false,
      error: { type: 'ValidationError', name: 'ValidationError', message: `${first.message} (line ${first.line}, column ${first.column})` },
      ...report(0),
    };
  }

  const isolate = new ivm.Isolate({ memoryLimit: limits.memoryMb });
  let deadlineHit = false;
  let memoryBytes = 0;
  const deadline = setTimeout(() => {
    deadlineHit = true;
    if (!isolate.isDisposed) isolate.dispose();
  }, limits.timeoutMs);
  try {
    const context = await isolate.createContext();
    const sendLog = new ivm.Callback((level: string, argsJson: string) => {
      const args = JSON.parse(argsJson) as unknown[];
      logs.push({
        level: LOG_LEVELS.has(level as LogEntry['level']) ? (level as LogEntry['level']) : 'log',
        timestamp: new Date().toISOString(),
        nodeId: request.nodeId,
        args,
      });
    });
    const settings: RuntimeSettings = { entryName: ENTRY_GLOBAL, maxLogEntries: limits.maxLogEntries, maxLogChars: limits.maxLogChars };
    await context.evalClosure(`(${RUNTIME_SOURCE})($0, $1)`, [sendLog, settings], { arguments: { copy: true } });

    const script = await isolate.compileScript(entryScript(request.code, analysis.entry, ENTRY_GLOBAL), {
      filename: `${request.nodeId}.js`,
    });
    const remaining = () => Math.max(1, Math.ceil(limits.timeoutMs - (performance.now() - started)));
    try {
      await script.run(context, { timeout: remaining() });
    } catch (error) {
      // The user's top-level code threw while defining its function: their error, not ours.
      throw classifyHostError(error, limits, deadlineHit) ?? new UserCodeError(error as Error);
    }
    script.release();

    const resultJson: string = await context.evalClosure(
      'return __nectarInvoke($0, $1)',
      [JSON.stringify(request.input ?? null), JSON.stringify(request.context)],
      { arguments: { copy: true }, result: { promise: true, copy: true }, timeout: remaining() },
    );
    memoryBytes = isolate.getHeapStatisticsSync().used_heap_size;
    if (Buffer.byteLength(resultJson) > limits.maxResultBytes + 64) {
      throw new LimitBreach('ResultError', `the result is larger than the ${limits.maxResultBytes}-byte limit`);
    }
    const outcome = JSON.parse(resultJson) as InvokeOutcome;
    if (outcome.ok) return { ok: true, output: outcome.output, ...report(memoryBytes) };
    const type: ExecutionErrorType = outcome.error.name === 'ResultError' ? 'ResultError' : 'CodeError';
    return { ok: false, error: { type, ...outcome.error }, ...report(memoryBytes) };
  } catch (error) {
    const breach = error instanceof LimitBreach ? error : classifyHostError(error, limits, deadlineHit);
    if (breach) {
      return { ok: false, error: { type: breach.type, name: breach.type, message: breach.message }, ...report(memoryBytes) };
    }
    if (error instanceof UserCodeError) {
      const { name, message, stack } = error.thrown;
      return { ok: false, error: { type: 'CodeError', name, message, stack }, ...report(memoryBytes) };
    }
    // Anything else is the platform's fault: retryable, and without host stack frames in what the user sees.
    return { ok: false, error: { type: 'InternalError', name: 'InternalError', message: (error as Error).message }, ...report(memoryBytes) };
  } finally {
    clearTimeout(deadline);
    if (!isolate.isDisposed) isolate.dispose();
  }
}
