/**
 * The host side of one execution's runtime callbacks: it records logs and arms timers, and is where the log and
 * timer limits are enforced. A breach is reported once through `onBreach` (the execution then ends with an error
 * naming the limit) and answered to the isolate as a refusal, so the user's code stops at the offending call.
 */
import type { LogEntry } from '../flow/contracts';
import type { NodeErrorType } from '../flow/errors';
import type { RuntimeHost } from './runtime';

type LimitErrorType = Extract<NodeErrorType, 'LogLimitError' | 'TimerLimitError'>;

export interface LimitBreach {
  type: LimitErrorType;
  message: string;
}

export interface ExecutionHostOptions {
  nodeId: string;
  maxLogEntries: number;
  maxLogChars: number;
  maxTimers: number;
  /** Milliseconds the execution has left; a timer may not be set to fire after that. */
  remainingMs(): number;
  fire(timerId: number): void;
  onBreach(breach: LimitBreach): void;
  /** Hears each entry as it is recorded (the entries stay in `logs` too). */
  onLog?(entry: LogEntry): void;
}

const LOG_LEVELS: ReadonlySet<string> = new Set<LogEntry['level']>(['log', 'info', 'warn', 'error', 'debug']);

export class ExecutionHost implements RuntimeHost {
  readonly logs: LogEntry[] = [];
  private logChars = 0;
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private breach: LimitBreach | undefined;
  private closed = false;

  constructor(private readonly options: ExecutionHostOptions) {}

  log(level: string, argsJson: string): string | undefined {
    if (this.breach) return this.breach.message;
    if (this.closed) return undefined;
    const { maxLogEntries, maxLogChars } = this.options;
    if (this.logs.length + 1 > maxLogEntries || this.logChars + argsJson.length > maxLogChars) {
      return this.refuse({
        type: 'LogLimitError',
        message: `the function logged more than its log limit (${maxLogEntries} entries or ${maxLogChars} characters)`,
      });
    }
    let args: unknown[];
    try {
      const parsed: unknown = JSON.parse(argsJson);
      args = Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      args = ['[unreadable log entry]'];
    }
    this.logChars += argsJson.length;
    const entry: LogEntry = {
      level: (LOG_LEVELS.has(level) ? level : 'log') as LogEntry['level'],
      timestamp: new Date().toISOString(),
      nodeId: this.options.nodeId,
      args,
    };
    this.logs.push(entry);
    this.options.onLog?.(entry);
    return undefined;
  }

  setTimer(id: number, delayMs: number, repeat: boolean): string | undefined {
    if (this.breach) return this.breach.message;
    if (this.closed) return 'the function has already finished';
    const { maxTimers } = this.options;
    if (!Number.isSafeInteger(id) || this.timers.has(id) || !Number.isFinite(delayMs) || delayMs < 1) {
      return this.refuse({ type: 'TimerLimitError', message: 'invalid timer request' });
    }
    if (this.timers.size >= maxTimers) {
      return this.refuse({
        type: 'TimerLimitError',
        message: `the function set more than its limit of ${maxTimers} pending timers`,
      });
    }
    const remaining = Math.floor(this.options.remainingMs());
    if (delayMs > remaining) {
      const kind = repeat ? 'setInterval' : 'setTimeout';
      return this.refuse({
        type: 'TimerLimitError',
        message: `${kind} delay of ${delayMs} ms is longer than the ${Math.max(0, remaining)} ms the function has left (its time limit)`,
      });
    }
    const fire = () => {
      if (!repeat) this.timers.delete(id);
      this.options.fire(id);
    };
    this.timers.set(id, repeat ? setInterval(fire, delayMs) : setTimeout(fire, delayMs));
    return undefined;
  }

  clearTimer(id: number): void {
    const timer = this.timers.get(id);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(id);
  }

  /** Clears every timer still pending: nothing the function left behind runs after it ends. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private refuse(breach: LimitBreach): string {
    if (!this.breach) {
      this.breach = breach;
      this.options.onBreach(breach);
    }
    return breach.message;
  }
}
