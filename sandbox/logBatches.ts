/** Gathers an execution's log entries as they are written and hands them out in batches, so a chatty function costs one message per batch. */
import type { LogEntry } from '../flow/contracts';
import { LIVE_LOG_BATCH_MS } from './contract';

export class LogBatches {
  private batch: LogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deliver: (entries: LogEntry[]) => void) {}

  add(entry: LogEntry): void {
    this.batch.push(entry);
    this.timer ??= setTimeout(() => this.flush(), LIVE_LOG_BATCH_MS);
  }

  /** Hands out what is gathered now (the execution ended: its last lines go out before its outcome). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const entries = this.batch;
    this.batch = [];
    try {
      this.deliver(entries);
    } catch {
      // A listener's failure is not the function's: the entries stay in the outcome's logs.
    }
  }
}
