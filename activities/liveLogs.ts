/**
 * Publishes a running node's log lines for the run debugger while the node runs: gathered for LIVE_LOG_FLUSH_MS, then
 * written as one batch to the run journal, which every gateway's run stream reads. Bounded per attempt: past
 * LIVE_LOG_MAX_ENTRIES entries or LIVE_LOG_MAX_BYTES of JSON, one batch marked `truncated` and nothing more (the
 * node's final record still holds its logs). Publishing never fails the node: a write that fails is dropped.
 */
import type { LogEntry } from '../flow/contracts';
import type { AttemptKey, LiveLogBatch } from '../store/runJournal';

export const LIVE_LOG_FLUSH_MS = 250;
export const LIVE_LOG_MAX_ENTRIES = 1_000;
export const LIVE_LOG_MAX_BYTES = 256 * 1024;

export interface LiveLogSink {
  appendLogs(batch: LiveLogBatch): Promise<void>;
}

export class LiveLogPublisher {
  private pending: LogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writes: Promise<void> = Promise.resolve();
  private seq = 0;
  private entries = 0;
  private bytes = 0;
  private truncated = false;
  private markedTruncated = false;

  constructor(
    private readonly sink: LiveLogSink,
    private readonly key: AttemptKey,
  ) {}

  add(entries: LogEntry[]): void {
    for (const entry of entries) {
      if (this.truncated) return;
      const size = JSON.stringify(entry).length;
      if (this.entries + 1 > LIVE_LOG_MAX_ENTRIES || this.bytes + size > LIVE_LOG_MAX_BYTES) {
        this.truncated = true;
        break;
      }
      this.entries += 1;
      this.bytes += size;
      this.pending.push(entry);
    }
    if (this.truncated && !this.markedTruncated) this.flush();
    else if (!this.truncated) this.timer ??= setTimeout(() => this.flush(), LIVE_LOG_FLUSH_MS);
  }

  /** Writes what is gathered; `settled` waits for every write so far (the node has ended). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 && (!this.truncated || this.markedTruncated)) return;
    const batch: LiveLogBatch = { ...this.key, seq: ++this.seq, entries: this.pending, at: new Date() };
    if (this.truncated) {
      batch.truncated = true;
      this.markedTruncated = true;
    }
    this.pending = [];
    this.writes = this.writes.then(() => this.sink.appendLogs(batch)).catch(() => undefined);
  }

  async settled(): Promise<void> {
    this.flush();
    await this.writes;
  }
}
