/**
 * The executor that runs functions in this process: each in a fresh isolated-vm isolate (taken from a pool of
 * isolates prepared ahead of use, each used once) — or, for the executions of one series, in a fresh context of the
 * series' isolate (series.ts) — with memory, time, CPU, log, timer and result limits, capturing its logs. A sandbox process runs its executions with it; so does a worker configured with no sandbox processes (there
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
import { AlternatingSeries } from './series';

/** How long after the node's deadline a host call may still run if the execution somehow has not ended it. */
const BRIDGE_DEADLINE_GRACE_MS = 1_000;
/** The same node's code runs again and again: parse it once. Analyses are pure data, safe to share. */
const MAX_CACHED_ANALYSES = 500;
/** A series nobody ended (its caller died) lets its isolate go after this long without an execution. */
const SERIES_IDLE_MS = 60_000;
/** The host bridges' globals: an execution using one may have host calls in flight when it ends. */
const BRIDGE_GLOBALS = ['axios', 'nodemailer', 'MongoClient', 'ObjectId'];

interface OpenSeries {
  series: AlternatingSeries;
  idle: NodeJS.Timeout;
}

export class InProcessExecutor implements Executor {
  private readonly isolates = new IsolatePool();
  private readonly analyses = new Map<string, CodeAnalysis>();
  private readonly series = new Map<string, OpenSeries>();
  /** Each open series' execution requested last: the one an `afterPrevious` request waits for. */
  private readonly lastInSeries = new Map<string, Promise<ExecutionOutcome>>();

  /** With `prewarm`, isolates for plain functions are prepared now, so the first executions are warm. */
  constructor(options: { prewarm?: boolean } = {}) {
    if (options.prewarm) this.isolates.warm({ memoryMb: DEFAULT_LIMITS.memoryMb, libraries: NO_LIBRARIES });
  }

  /** Disposes the isolates kept ready (at shutdown, and at the end of tests). */
  close(): void {
    for (const id of [...this.series.keys()]) this.endSeries(id);
    this.isolates.close();
  }

  endSeries(id: string): void {
    const open = this.series.get(id);
    if (!open) return;
    this.series.delete(id);
    this.lastInSeries.delete(id);
    clearTimeout(open.idle);
    open.series.end();
  }

  private seriesOf(id: string): AlternatingSeries {
    const open = this.series.get(id);
    if (open) clearTimeout(open.idle);
    const series = open?.series ?? new AlternatingSeries((spec) => this.isolates.take(spec));
    const idle = setTimeout(() => this.endSeries(id), SERIES_IDLE_MS);
    idle.unref();
    this.series.set(id, { series, idle });
    return series;
  }

  execute(request: ExecutionRequest, signal?: AbortSignal, hooks?: ExecutionHooks): Promise<ExecutionOutcome> {
    const { series, afterPrevious } = request;
    if (series === undefined) return this.run(request, signal, hooks);
    const previous = this.lastInSeries.get(series);
    const outcome = afterPrevious
      ? this.runAfter(previous, { ...request, afterPrevious }, signal, hooks)
      : this.run(request, signal, hooks);
    this.lastInSeries.set(series, outcome);
    return outcome;
  }

  /** An `afterPrevious` execution: waits for the one before it, then runs with its output (or not at all). */
  private async runAfter(
    previous: Promise<ExecutionOutcome> | undefined,
    request: ExecutionRequest & Required<Pick<ExecutionRequest, 'afterPrevious'>>,
    signal?: AbortSignal,
    hooks?: ExecutionHooks,
  ): Promise<ExecutionOutcome> {
    const { nodeId, asInput } = request.afterPrevious;
    let onAbort = () => undefined as void;
    const cancelled = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const before = previous && (await Promise.race([previous, cancelled]));
    signal?.removeEventListener('abort', onAbort);
    if (signal?.aborted) return failedOutcome('InternalError', 'the run was cancelled before this function started');
    if (!before?.ok) {
      return failedOutcome(
        'InternalError',
        `not run: the function before it in its series (${nodeId}) ${before ? 'did not succeed' : 'is unknown here'}`,
      );
    }
    const steps = { ...request.context.steps };
    if (before.output === undefined) delete steps[nodeId];
    else steps[nodeId] = before.output;
    return this.run(
      { ...request, ...(asInput ? { input: before.output ?? null } : {}), context: { ...request.context, steps } },
      signal,
      hooks,
    );
  }

  private async run(
    request: ExecutionRequest,
    signal?: AbortSignal,
    hooks?: ExecutionHooks,
  ): Promise<ExecutionOutcome> {
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
      const spec = { memoryMb: limits.memoryMb, libraries: planLibraries(analysis) };
      const reusable = !BRIDGE_GLOBALS.some((name) => Object.hasOwn(analysis.globals, name));
      prepared = await (request.series === undefined
        ? this.isolates.take(spec)
        : this.seriesOf(request.series).take(spec, reusable));
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
