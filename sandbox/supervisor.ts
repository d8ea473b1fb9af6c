/**
 * The executor that runs functions in sandbox processes (the worker's side of them). isolated-vm's limits are soft
 * and some operations cannot be interrupted (a huge allocation can even abort the process), so isolates run in child
 * processes this supervisor can kill and replace: when a process overruns an execution's hard deadline it is killed,
 * and when it dies it is replaced; either way only the executions it held fail.
 */
import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import {
  answeredId,
  DEFAULT_LIMITS,
  ExecutionOutcome,
  ExecutionHooks,
  ExecutionRequest,
  Executor,
  failedOutcome as failure,
  FromSandbox,
  PROTOCOL_VERSION,
  ToSandbox,
} from './contract';

/** The compiled sandbox process entry, next to this file once built. */
export const SANDBOX_PROCESS_PATH = path.join(__dirname, 'child.js');

export interface SupervisorOptions {
  /** The compiled sandbox process entry (SANDBOX_PROCESS_PATH; tests name the built one). */
  childPath: string;
  processes: number;
  /** Time past an execution's own time limit before its process is presumed stuck and killed. */
  graceMs: number;
}

interface Pending {
  resolve(outcome: ExecutionOutcome): void;
  message: Extract<ToSandbox, { type: 'execute' }>;
  timeoutMs: number;
  /** Unset while an `afterPrevious` execution waits for the one before it. */
  deadline?: NodeJS.Timeout;
  /** Sent to the current process; unsent ones wait for a process that is ready. */
  sent: boolean;
  hooks?: ExecutionHooks;
}

/** One sandbox process position: its process is replaced when it dies, its waiting executions carry over. */
interface Slot {
  index: number;
  child: ChildProcess | undefined;
  ready: boolean;
  pending: Map<number, Pending>;
  startedAt: number;
}

/** A process that dies this soon after starting is failing at start: wait before replacing it again. */
const CRASH_LOOP_MS = 2_000;
const RESPAWN_DELAY_MS = 1_000;

export class SandboxSupervisor implements Executor {
  private readonly slots: Slot[];
  private nextId = 1;
  private closed = false;
  private spawned = 0;
  /** Each open series' process position: its isolate lives there (a replacement process starts a new one). */
  private readonly seriesSlots = new Map<string, Slot>();
  /** Each open series' execution requested last: an `afterPrevious` one's clock starts when it has ended. */
  private readonly lastInSeries = new Map<string, Promise<ExecutionOutcome>>();

  constructor(private readonly options: SupervisorOptions) {
    this.slots = Array.from({ length: options.processes }, (_, index) => ({
      index,
      child: undefined,
      ready: false,
      pending: new Map(),
      startedAt: 0,
    }));
    for (const slot of this.slots) this.spawn(slot);
  }

  /** For the worker's metrics: live processes, how many replaced one that ended, and how many positions there are. */
  stats(): { processes: number; restarts: number; poolSize: number } {
    return {
      processes: this.pids().length,
      restarts: Math.max(0, this.spawned - this.slots.length),
      poolSize: this.slots.length,
    };
  }

  /** Process ids of the live sandbox processes (for tests and diagnostics). */
  pids(): number[] {
    return this.slots.flatMap((slot) => (slot.child?.pid === undefined ? [] : [slot.child.pid]));
  }

  execute(request: ExecutionRequest, signal?: AbortSignal, hooks?: ExecutionHooks): Promise<ExecutionOutcome> {
    if (this.closed || this.slots.length === 0)
      return Promise.resolve(failure('InternalError', 'the sandbox is shut down'));
    const series = request.series;
    let slot = series === undefined ? undefined : this.seriesSlots.get(series);
    if (!slot) {
      slot = this.slots.reduce((best, candidate) => (this.load(candidate) < this.load(best) ? candidate : best));
      if (series !== undefined) this.seriesSlots.set(series, slot);
    }
    const id = this.nextId++;
    const timeoutMs = request.limits?.timeoutMs ?? DEFAULT_LIMITS.timeoutMs;
    const previous = series === undefined ? undefined : this.lastInSeries.get(series);
    const outcome = new Promise<ExecutionOutcome>((resolve) => {
      const message: Pending['message'] = { v: PROTOCOL_VERSION, type: 'execute', id, request };
      const onAbort = () => this.cancel(slot, id);
      // The signal is the activity's: a fused chain runs many executions under it, each listening only while it runs.
      const settled = (outcome: ExecutionOutcome) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const pending: Pending = { resolve: settled, message, timeoutMs, sent: false, hooks };
      // Waiting for a process counts against the deadline too: a function never waits longer than its limit.
      const startClock = () => {
        if (slot.pending.get(id) === pending)
          pending.deadline = setTimeout(() => this.killStuck(slot, id), timeoutMs + this.options.graceMs);
      };
      slot.pending.set(id, pending);
      if (request.afterPrevious && previous) void previous.then(startClock);
      else startClock();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (slot.ready) this.send(slot, pending);
    });
    if (series !== undefined) this.lastInSeries.set(series, outcome);
    return outcome;
  }

  endSeries(id: string): void {
    const slot = this.seriesSlots.get(id);
    this.lastInSeries.delete(id);
    if (!slot) return;
    this.seriesSlots.delete(id);
    const message: ToSandbox = { v: PROTOCOL_VERSION, type: 'endSeries', series: id };
    if (slot.ready) slot.child?.send(message, () => undefined);
  }

  /** The run was cancelled: a waiting execution never starts, a running one is stopped by its process. */
  private cancel(slot: Slot, id: number): void {
    const pending = slot.pending.get(id);
    if (!pending) return;
    if (!pending.sent) {
      this.settle(slot, id, failure('InternalError', 'the run was cancelled before this function started'));
      return;
    }
    const message: ToSandbox = { v: PROTOCOL_VERSION, type: 'cancel', id };
    slot.child?.send(message, () => undefined);
  }

  /** Stops every sandbox process; executions still running fail. */
  close(): void {
    this.closed = true;
    for (const slot of this.slots) this.stop(slot, 'the sandbox is shutting down');
  }

  /** Executions held, with a process that is not ready yet counted as busy. */
  private load(slot: Slot): number {
    return slot.pending.size + (slot.ready ? 0 : 1);
  }

  private send(slot: Slot, pending: Pending): void {
    pending.sent = true;
    slot.child?.send(pending.message, (error) => {
      if (error)
        this.settle(
          slot,
          pending.message.id,
          failure('InternalError', `could not reach the sandbox process: ${error.message}`),
        );
    });
  }

  private spawn(slot: Slot): void {
    if (this.closed) return;
    const child = fork(this.options.childPath, [], {
      execArgv: ['--no-node-snapshot'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    // Sandbox processes never keep the worker alive: it ends when its own work is done, and they follow.
    child.unref();
    child.channel?.unref();
    slot.child = child;
    slot.ready = false;
    slot.startedAt = Date.now();
    this.spawned++;
    child.on('message', (raw: unknown) => {
      if (slot.child === child) this.receive(slot, raw);
    });
    child.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      if (slot.child !== child) return;
      slot.child = undefined;
      slot.ready = false;
      const sent = [...slot.pending.values()].filter((pending) => pending.sent);
      if (sent.length === 1 && (signal === 'SIGABRT' || code === 134)) {
        // V8 aborts the whole process when one allocation cannot fit even past the heap limit; with a single
        // execution in the process, that execution is the one that asked for it.
        this.settle(
          slot,
          sent[0].message.id,
          failure(
            'MemoryLimitError',
            'the function used more memory than its sandbox could contain; its sandbox process was stopped',
          ),
        );
      }
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      this.failSent(slot, `the sandbox process running the function ended abruptly (${how}); retrying may succeed`);
      if (this.closed) return;
      const crashLooping = Date.now() - slot.startedAt < CRASH_LOOP_MS;
      setTimeout(() => this.spawn(slot), crashLooping ? RESPAWN_DELAY_MS : 0).unref();
    });
  }

  private receive(slot: Slot, raw: unknown): void {
    const parsed = FromSandbox.safeParse(raw);
    if (!parsed.success) {
      // An answer to an execution that does not read as an outcome still ends that execution, now.
      const id = answeredId(raw);
      if (id !== undefined)
        this.settle(slot, id, failure('InternalError', 'the sandbox process answered an unreadable outcome'));
      return;
    }
    const message = parsed.data;
    if (message.type === 'ready') {
      slot.ready = true;
      for (const pending of slot.pending.values()) if (!pending.sent) this.send(slot, pending);
      return;
    }
    if (message.type === 'logs') {
      try {
        slot.pending.get(message.id)?.hooks?.onLogs?.(message.entries);
      } catch {
        // A listener's failure is not the function's: the entries stay in the outcome's logs.
      }
      return;
    }
    this.settle(slot, message.id, message.outcome);
  }

  private settle(slot: Slot, id: number, outcome: ExecutionOutcome): void {
    const pending = slot.pending.get(id);
    if (!pending) return;
    slot.pending.delete(id);
    clearTimeout(pending.deadline);
    pending.resolve(outcome);
  }

  /** The execution's process did not answer in time: something in it cannot be interrupted. Kill and replace it. */
  private killStuck(slot: Slot, id: number): void {
    const pending = slot.pending.get(id);
    if (!pending) return;
    if (!pending.sent) {
      this.settle(
        slot,
        id,
        failure(
          'TimeoutError',
          `the function waited longer than its ${pending.timeoutMs} ms time limit for a sandbox process`,
        ),
      );
      return;
    }
    this.settle(
      slot,
      id,
      failure(
        'TimeoutError',
        `the function ran longer than its ${pending.timeoutMs} ms time limit; its sandbox process was stopped`,
      ),
    );
    this.stop(
      slot,
      'the sandbox process was stopped while running the function (another function in it overran its time limit); retrying may succeed',
    );
  }

  private stop(slot: Slot, reason: string): void {
    this.failSent(slot, reason);
    if (this.closed) for (const id of [...slot.pending.keys()]) this.settle(slot, id, failure('InternalError', reason));
    // Executions arriving from now on wait for the replacement, which is started when this process has exited.
    slot.ready = false;
    const child = slot.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private failSent(slot: Slot, reason: string): void {
    for (const [id, pending] of [...slot.pending])
      if (pending.sent) this.settle(slot, id, failure('InternalError', reason));
  }
}
