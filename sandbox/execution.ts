/**
 * One execution in one prepared context, from the user's script to the result. It ends exactly once — with the
 * result, the user's error, or a breached limit — and then clears the function's timers and releases the context;
 * the isolate is disposed, so nothing the function started (timers, pending promises, loops) outlives it, unless the
 * runtime answered with nothing left running and an isolate series keeps the isolate for its next context.
 */
import { checkPayloadShape } from '../common/payloadShape';
import type ivm from 'isolated-vm';
import type { EntryForm } from '../flow/code';
import type { LogEntry } from '../flow/contracts';
import { entryScript } from '../flow/code';
import type { ExecutionError, ExecutionLimits, ExecutionOutcome, ExecutionRequest } from './contract';
import { ExecutionHost, LimitBreach } from './executionHost';
import { InvokeOutcomeData, isolateStopOf, userStack } from './outcome';
import type { PreparedIsolate } from './prepare';
import { RUN_GLOBAL } from './runtime';

const ENTRY_GLOBAL = '__nectarEntry';

type Failure = ExecutionError;

export interface ExecutionOptions {
  request: ExecutionRequest;
  entry: EntryForm;
  limits: ExecutionLimits;
  prepared: PreparedIsolate;
  /** `performance.now()` when the execution was asked for: durationMs counts from there. */
  requestedAt: number;
  /** Hears each log entry as it is written. */
  onLog?(entry: LogEntry): void;
}

export class Execution {
  private readonly request: ExecutionRequest;
  private readonly limits: ExecutionLimits;
  private readonly prepared: PreparedIsolate;
  private readonly host: ExecutionHost;
  private readonly filename: string;
  private startedAt = 0;
  /** The isolate's CPU time when the execution began (preparing it used some already). */
  private cpuAtStart = 0;
  private ended = false;
  private breach: Failure | undefined;
  private endTimers: NodeJS.Timeout[] = [];
  private resolveOutcome!: (outcome: ExecutionOutcome) => void;
  readonly outcome: Promise<ExecutionOutcome>;

  constructor(private readonly options: ExecutionOptions) {
    this.request = options.request;
    this.limits = options.limits;
    this.prepared = options.prepared;
    this.filename = `${this.request.nodeId}.js`;
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
    this.host = new ExecutionHost({
      nodeId: this.request.nodeId,
      maxLogEntries: this.limits.maxLogEntries,
      maxLogChars: this.limits.maxLogChars,
      maxTimers: this.limits.maxTimers,
      remainingMs: () => this.remainingWallMs(),
      fire: (timerId) => void this.fireTimer(timerId),
      onBreach: (breach) => this.onBreach(breach),
      onLog: (entry) => options.onLog?.(entry),
    });
  }

  get isolate(): ivm.Isolate {
    return this.prepared.isolate;
  }

  get context(): ivm.Context {
    return this.prepared.context;
  }

  /** Milliseconds left before the node's wall-clock deadline (for bridges that bound host calls by it). */
  remainingWallMs(): number {
    return this.limits.timeoutMs - (performance.now() - this.startedAt);
  }

  /** Starts the clocks and runs the user's script, then its function; resolves once, when the execution ends. */
  async run(): Promise<ExecutionOutcome> {
    this.startedAt = performance.now();
    this.cpuAtStart = this.isolateCpuMs();
    this.prepared.attach(this.host);
    this.endTimers.push(setTimeout(() => this.end(this.timeLimitFailure('wall')), this.limits.timeoutMs));
    if (this.limits.cpuTimeMs < this.limits.timeoutMs) {
      // The per-call timeouts bound CPU only while the host is calling in; this also catches async continuations.
      const every = Math.max(10, Math.min(100, Math.floor(this.limits.cpuTimeMs / 4)));
      this.endTimers.push(
        setInterval(() => this.cpuUsedMs() >= this.limits.cpuTimeMs && this.end(this.timeLimitFailure('cpu')), every),
      );
    }
    try {
      // The isolate is idle: handing it the request synchronously costs less than a trip to its thread.
      this.prepared.begin.applySync(
        undefined,
        [
          ENTRY_GLOBAL,
          JSON.stringify(this.request.input ?? null),
          JSON.stringify(this.request.context),
          this.limits.maxResultBytes,
        ],
        { arguments: { copy: true } },
      );
      // The runtime answered: the function's promise settled, so nothing of it is left running but its timers.
      this.end(this.resultOutcome(await this.runUserScript()), true);
    } catch (error) {
      this.end(this.failureOf(error));
    }
    return this.outcome;
  }

  /**
   * Compiles and runs the user's script, which defines the entry function and ends by calling the runtime's run
   * global: one trip to the isolate's thread, answering the InvokeOutcome JSON.
   */
  private async runUserScript(): Promise<unknown> {
    return this.context.eval(`${entryScript(this.request.code, this.options.entry, ENTRY_GLOBAL)}\n;${RUN_GLOBAL}();`, {
      filename: this.filename,
      timeout: this.callTimeoutMs(),
      promise: true,
      copy: true,
    });
  }

  private async fireTimer(timerId: number): Promise<void> {
    if (this.ended) return;
    try {
      const thrown: unknown = await this.prepared.fire.apply(undefined, [timerId], {
        arguments: { copy: true },
        result: { copy: true },
        timeout: this.callTimeoutMs(),
      });
      // A callback that throws ends the function, as an uncaught exception in a timer would end a Node process.
      if (typeof thrown === 'string' && thrown !== '') this.end(this.resultOutcome(thrown));
    } catch (error) {
      this.end(this.failureOf(error));
    }
  }

  /** The isolate's CPU time so far (earlier executions' too, in an isolate a series reuses). */
  private isolateCpuMs(): number {
    try {
      return Number(this.isolate.cpuTime) / 1e6;
    } catch {
      return 0;
    }
  }

  /** CPU this execution has used: what its CPU limit bounds. */
  private cpuUsedMs(): number {
    return this.isolateCpuMs() - this.cpuAtStart;
  }

  /** A synchronous stretch of the user's code may run no longer than the time or CPU it has left. */
  private callTimeoutMs(): number {
    const cpuLeft = this.limits.cpuTimeMs - this.cpuUsedMs();
    return Math.max(1, Math.ceil(Math.min(this.remainingWallMs(), cpuLeft)));
  }

  private timeLimitFailure(clock: 'wall' | 'cpu'): Failure {
    return clock === 'cpu'
      ? {
          type: 'CpuLimitError',
          name: 'CpuLimitError',
          message: `the function used more than its ${this.limits.cpuTimeMs} ms CPU time limit`,
        }
      : {
          type: 'TimeoutError',
          name: 'TimeoutError',
          message: `the function ran longer than its ${this.limits.timeoutMs} ms time limit`,
        };
  }

  private onBreach(breach: LimitBreach): void {
    this.breach = { type: breach.type, name: breach.type, message: breach.message };
    // Reported from a callback the isolate is blocked on: let the callback return before the isolate is disposed.
    // Whatever the function does next (even returning normally), the breach is its outcome.
    setImmediate(() => this.end(this.breach!));
  }

  private failureOf(error: unknown): Failure {
    switch (isolateStopOf(error)) {
      case 'timeout':
        // With no CPU limit of its own (the default: the time limit), an endless loop is a time limit breach.
        return this.timeLimitFailure(
          this.limits.cpuTimeMs < this.limits.timeoutMs && this.cpuUsedMs() >= this.limits.cpuTimeMs - 1
            ? 'cpu'
            : 'wall',
        );
      case 'memory':
        return {
          type: 'MemoryLimitError',
          name: 'MemoryLimitError',
          message: `the function used more than its ${this.limits.memoryMb} MB memory limit`,
        };
      case 'disposed':
        // Only the platform disposes an isolate mid-run (shutdown); the limits that do so end the execution first.
        return {
          type: 'InternalError',
          name: 'InternalError',
          message: 'the sandbox was stopped during the execution',
        };
    }
    // The user's top-level code threw (a copy of their error), or the platform failed.
    if (error instanceof Error && error.stack?.includes(this.filename)) {
      return {
        type: 'CodeError',
        name: error.name,
        message: error.message,
        stack: userStack(error.stack, this.filename),
      };
    }
    return {
      type: 'InternalError',
      name: 'InternalError',
      message: error instanceof Error ? error.message : String(error),
    };
  }

  private resultOutcome(resultJson: unknown): ExecutionOutcome | Failure {
    if (typeof resultJson !== 'string')
      return { type: 'InternalError', name: 'InternalError', message: 'the runtime answered no result' };
    if (Buffer.byteLength(resultJson) > this.limits.maxResultBytes + 64) {
      return {
        type: 'ResultError',
        name: 'ResultError',
        message: `the result is larger than the ${this.limits.maxResultBytes}-byte result size limit`,
      };
    }
    let parsed: InvokeOutcomeData;
    try {
      parsed = InvokeOutcomeData.parse(JSON.parse(resultJson));
    } catch {
      return { type: 'InternalError', name: 'InternalError', message: 'the runtime answered an unreadable result' };
    }
    if (parsed.ok) {
      // A result within the size limit may still be nested deep enough to overflow whoever recurses over it next;
      // so may an event it emitted, which starts other flows' runs.
      const violation = checkPayloadShape(parsed.output, 'result');
      if (violation)
        return {
          type: 'ResultError',
          name: 'ResultError',
          message: `the result is ${violation.message} (at ${violation.path})`,
        };
      for (const [index, event] of (parsed.emitted ?? []).entries()) {
        const refused = checkPayloadShape(event.payload, `emitted[${index}].payload`);
        if (refused)
          return {
            type: 'ResultError',
            name: 'ResultError',
            message: `the payload of context.emit("${event.type}") is ${refused.message} (at ${refused.path})`,
          };
      }
      return {
        ok: true,
        output: parsed.output,
        ...(parsed.emitted ? { emitted: parsed.emitted } : {}),
        ...this.report(),
      };
    }
    const { name, message, stack } = parsed.error;
    return {
      type: name === 'ResultError' ? 'ResultError' : 'CodeError',
      name,
      message,
      stack: userStack(stack, this.filename),
    };
  }

  private report() {
    const cpuMs = this.cpuSinceStart();
    return {
      logs: this.host.logs,
      durationMs: Math.round((performance.now() - this.options.requestedAt) * 1000) / 1000,
      ...(cpuMs === undefined ? {} : { cpuMs: Math.round(cpuMs * 1000) / 1000 }),
      memoryBytes: this.memoryBytes(),
    };
  }

  /** CPU the function used in its isolate; unknown once the isolate is gone (disposed by its memory limit). */
  private cpuSinceStart(): number | undefined {
    try {
      return Number(this.isolate.cpuTime) / 1e6 - this.cpuAtStart;
    } catch {
      return undefined;
    }
  }

  private memoryBytes(): number {
    try {
      // In an isolate that served earlier contexts (a series), what they left is not this function's.
      return Math.max(0, this.isolate.getHeapStatisticsSync().used_heap_size - this.prepared.heapOffsetBytes);
    } catch {
      // Disposed by its memory limit: it used at least that much.
      return this.limits.memoryMb * 1024 * 1024;
    }
  }

  private end(result: ExecutionOutcome | Failure, answered = false): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.endTimers) clearTimeout(timer);
    // Timers still pending are cleared here, before the context is released: none can fire into a later context.
    const clean = answered && !this.breach;
    this.host.close();
    if (this.breach) result = this.breach;
    const outcome: ExecutionOutcome =
      'ok' in result
        ? result
        : {
            ok: false,
            error: { type: result.type, name: result.name, message: result.message, stack: result.stack },
            ...this.report(),
          };
    this.resolveOutcome(outcome);
    // Before the caller continues (a series' next execution finds the isolate free); disposing one comes later.
    this.prepared.end(clean);
  }
}
