/**
 * The executor that runs functions in this process: each in a fresh isolated-vm isolate (taken from a pool of
 * isolates prepared ahead of use, each used once) with memory, time, CPU, log, timer and result limits, capturing its
 * logs. A sandbox process runs its executions with it; so does a worker configured with no sandbox processes (there
 * a crash inside isolated-vm takes the worker down with it).
 */
import { analyzeCode, CodeAnalysis } from '../flow/code';
import { Bridges, installBridges } from './bridges';
import {
  DEFAULT_LIMITS,
  ExecutionLimits,
  ExecutionOutcome,
  ExecutionRequest,
  ExecutionHooks,
  Executor,
  failedOutcome,
} from './contract';
import { DEFAULT_EGRESS_POLICY } from './egress';
import { Execution } from './execution';
import { NO_LIBRARIES, planLibraries } from './libraries';
import { LogBatches } from './logBatches';
import { IsolatePool } from './pool';

/** How long after the node's deadline a host call may still run if the execution somehow has not ended it. */
const BRIDGE_DEADLINE_GRACE_MS = 1_000;
/** The same node's code runs again and again: parse it once. Analyses are pure data, safe to share. */
const MAX_CACHED_ANALYSES = 500;

export class InProcessExecutor implements Executor {
  private readonly isolates = new IsolatePool();
  private readonly analyses = new Map<string, CodeAnalysis>();

  /** With `prewarm`, isolates for plain functions are prepared now, so the first executions are warm. */
  constructor(options: { prewarm?: boolean } = {}) {
    if (options.prewarm) this.isolates.warm({ memoryMb: DEFAULT_LIMITS.memoryMb, libraries: NO_LIBRARIES });
  }

  /** Disposes the isolates kept ready (at shutdown, and at the end of tests). */
  close(): void {
    this.isolates.close();
  }

  async execute(request: ExecutionRequest, signal?: AbortSignal, hooks?: ExecutionHooks): Promise<ExecutionOutcome> {
    const requestedAt = performance.now();
    const limits: ExecutionLimits = { ...DEFAULT_LIMITS, ...request.limits };
    limits.cpuTimeMs = Math.min(limits.cpuTimeMs, limits.timeoutMs);
    const failure = (type: 'ValidationError' | 'InternalError', message: string) =>
      failedOutcome(type, message, Math.round((performance.now() - requestedAt) * 1000) / 1000);

    const analysis = this.analyzedCode(request.code);
    if (!analysis.ok) {
      const details = analysis.problems.map(
        (problem) => `${problem.message} (${problem.rule}, line ${problem.line}, column ${problem.column})`,
      );
      return failure('ValidationError', details.join('; '));
    }

    let prepared;
    try {
      prepared = await this.isolates.take({ memoryMb: limits.memoryMb, libraries: planLibraries(analysis) });
    } catch (error) {
      this.isolates.refill();
      return failure('InternalError', `could not prepare an isolate: ${(error as Error).message}`);
    }
    const onLogs = hooks?.onLogs?.bind(hooks);
    const live = onLogs ? new LogBatches(onLogs) : undefined;
    const execution = new Execution({
      request,
      entry: analysis.entry,
      limits,
      prepared,
      requestedAt,
      onLog: live && ((entry) => live.add(entry)),
    });
    // Disposing the isolate stops whatever the code is doing; the execution then ends (as stopped by the platform).
    const onAbort = () => prepared.dispose();
    // The signal is the activity's: a fused chain runs many executions under it, each listening only while it runs.
    signal?.addEventListener('abort', onAbort, { once: true });
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
      signal?.removeEventListener('abort', onAbort);
      prepared.dispose();
      this.isolates.refill();
      return failure('InternalError', `could not install the libraries: ${(error as Error).message}`);
    }
    try {
      return await execution.run();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      live?.flush();
      // Replacements are prepared once the execution is over, not while it waits for the thread they would hold.
      this.isolates.refill();
      await bridges.dispose();
    }
  }

  private analyzedCode(code: string): CodeAnalysis {
    let analysis = this.analyses.get(code);
    if (!analysis) {
      analysis = analyzeCode(code);
      if (this.analyses.size >= MAX_CACHED_ANALYSES) this.analyses.delete(this.analyses.keys().next().value as string);
      this.analyses.set(code, analysis);
    }
    return analysis;
  }
}
