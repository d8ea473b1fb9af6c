import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { RunRequest, TriggerInfo } from '../../flow/run';
import { startInterpreterRun, TriggerPayloadKeeper } from '../../temporal/runStart';
import { log } from '../logging';
import { DurableLineFile } from './journalFile';

/** A delivery accepted but maybe not yet started as a run: enough to start it, with the run id already chosen. */
export interface AcceptedRun {
  runId: string;
  flowId: string;
  flowVersion: number;
  workspace: string;
  trigger: TriggerInfo;
  acceptedAt: string;
}

type Line = { t: 'A'; run: AcceptedRun } | { t: 'S'; runId: string };

const COMPACT_BYTES = 4 * 1024 * 1024;
/** Accepted runs not yet started past which deliveries are refused (503) rather than let the backlog grow without end. */
export const MAX_BACKLOG = 100_000;

export class BacklogFullError extends Error {}

/**
 * How the journal starts an accepted run: with the id chosen at accept time (so a second start is refused, and a
 * replay after a crash is still one run) and the quota already checked when the delivery was accepted.
 */
export function acceptedRunStarter(
  client: Client,
  taskQueue: string,
  payloads: TriggerPayloadKeeper,
): (run: AcceptedRun) => Promise<void> {
  return async (run) => {
    const request: RunRequest = { v: 1, flowId: run.flowId, flowVersion: run.flowVersion, trigger: run.trigger };
    const start = { workspace: run.workspace, runId: run.runId, request, exact: true };
    await startInterpreterRun(client, taskQueue, start, payloads);
  };
}

/** The journal could not write a delivery (a full disk, a failing device): nothing was accepted. */
export class JournalWriteError extends Error {
  override name = 'JournalWriteError';
}

/**
 * How often the gateway's thread is checked for being saturated, and runs are started. Deliveries do not start runs as
 * they arrive: the first tick of a burst would otherwise have started dozens, whose database writes then compete with
 * the journal's synced writes for the disk for seconds. An accepted run waits at most this long to be started.
 */
const LOAD_SAMPLE_MS = 25;
/** Share of a sample the thread was busy from which starting runs yields to answering deliveries. */
const BUSY_UTILIZATION = 0.6;
/** How long starting runs keeps yielding after the last busy sample (so it does not flood the thread every other sample). */
const BUSY_HOLD_MS = 1_000;
/** While yielding, one run starts at a time and at most one per this interval: a backlog still drains, slowly. */
const BUSY_START_INTERVAL_MS = 200;

/**
 * Async webhooks answer 202 once the delivery is on disk, not once Temporal has the run: appends are group-committed
 * (one synced write for every delivery that arrived meanwhile) and a pump starts the runs behind the answers. The run id
 * is chosen at accept time and Temporal refuses a second workflow with it, so a delivery replayed after a crash (its
 * start may or may not have happened) still becomes exactly one run.
 */
export class AcceptJournal {
  private readonly pending = new Map<string, AcceptedRun>();
  private readonly queue: AcceptedRun[] = [];
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  /** Until when runs start one at a time: this process's thread was busy answering deliveries. */
  private busyUntil = 0;
  private lastStartAt = 0;
  /** A write failed (a full disk): once every accepted run has started, the file starts over, freeing its space. */
  private writeFailed = false;

  private constructor(
    private readonly file: DurableLineFile,
    private readonly start: (run: AcceptedRun) => Promise<void>,
    private readonly concurrency: number,
  ) {
    let previous = performance.eventLoopUtilization();
    setInterval(() => {
      const current = performance.eventLoopUtilization();
      if (performance.eventLoopUtilization(current, previous).utilization >= BUSY_UTILIZATION)
        this.busyUntil = performance.now() + BUSY_HOLD_MS;
      previous = current;
      this.pump();
    }, LOAD_SAMPLE_MS).unref();
  }

  /** Opens the journal, keeping only the deliveries not known to be started, and starts those. */
  static open(dir: string, start: (run: AcceptedRun) => Promise<void>, concurrency = 16): AcceptJournal {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'accepted.jsonl');
    const unstarted = new Map<string, AcceptedRun>();
    for (const text of DurableLineFile.readLines(file)) {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue; // a torn write: its deliveries were never answered
      }
      if (line.t === 'A') unstarted.set(line.run.runId, line.run);
      else unstarted.delete(line.runId);
    }
    let journal: AcceptJournal | undefined;
    const lines = DurableLineFile.rewrite(
      file,
      [...unstarted.values()].map((run) => JSON.stringify({ t: 'A', run })),
      () => journal?.settled(),
    );
    journal = new AcceptJournal(lines, start, concurrency);
    if (unstarted.size > 0) log.info({ runs: unstarted.size }, 'starting runs accepted before the last stop');
    for (const run of unstarted.values()) journal.enqueue(run);
    return journal;
  }

  /** Resolves once the delivery is durable: from then on it will become a run even if this process dies. */
  accept(run: AcceptedRun): Promise<void> {
    if (this.pending.size >= MAX_BACKLOG) {
      return Promise.reject(
        new BacklogFullError(`${this.pending.size} accepted deliveries are waiting to start; try again shortly`),
      );
    }
    return new Promise((resolve, reject) => {
      this.file.append(JSON.stringify({ t: 'A', run }), (error) => {
        if (!error) {
          this.enqueue(run);
          resolve();
          return;
        }
        this.writeFailed = true;
        log.error(
          { runId: run.runId, err: error },
          'the webhook journal cannot write; refusing deliveries until it can',
        );
        reject(
          new JournalWriteError(
            `the delivery could not be recorded (${(error as NodeJS.ErrnoException).code ?? error.message}); try again shortly`,
          ),
        );
      });
    });
  }

  /** An accepted run Temporal does not know yet. */
  pendingRun(runId: string): AcceptedRun | undefined {
    return this.pending.get(runId);
  }

  /** Resolves when every accepted run has been started, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Accepted deliveries whose runs have not started yet. */
  backlog(): number {
    return this.pending.size;
  }

  private idle(): boolean {
    return this.pending.size === 0 && this.file.idle;
  }

  private enqueue(run: AcceptedRun): void {
    this.pending.set(run.runId, run);
    this.queue.push(run);
  }

  private pump(): void {
    // Starting a run takes the thread longer than accepting a delivery; while the thread is saturated (a burst of
    // deliveries) runs start one at a time, at a bounded pace, so deliveries are answered first and the journal holds
    // the difference until the burst is over.
    const now = performance.now();
    const busy = now < this.busyUntil;
    if (busy && now - this.lastStartAt < BUSY_START_INTERVAL_MS) return;
    const limit = busy ? 1 : this.concurrency;
    while (this.active < limit && this.queue.length > 0) {
      const run = this.queue.shift()!;
      this.active += 1;
      this.lastStartAt = now;
      this.start(run).then(
        () => {
          this.active -= 1;
          this.pending.delete(run.runId);
          // Nobody waits for it: if it is lost, the replay's start is refused as a duplicate, which counts as started.
          this.file.append(JSON.stringify({ t: 'S', runId: run.runId }));
          this.pump();
        },
        (error: unknown) => {
          this.active -= 1;
          log.warn({ runId: run.runId, err: error }, 'could not start an accepted run yet; retrying');
          setTimeout(() => {
            this.queue.push(run);
            this.pump();
          }, 1_000).unref();
        },
      );
    }
  }

  /** Every write so far is on disk: once nothing is pending either, the file can start over. */
  private settled(): void {
    if (!this.idle()) return;
    if (this.file.size > COMPACT_BYTES || this.writeFailed) {
      this.file.empty();
      this.writeFailed = false;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
