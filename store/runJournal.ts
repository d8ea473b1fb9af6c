/**
 * What the worker tells the run debugger beside the run's history: log lines while a node runs (live logs) and each
 * attempt of a code node (its times, usage and error). Written by the worker, read by any gateway, so several of
 * each can run apart. The retention job removes what is older than its period (`pruneBefore`; FerretDB has no TTL
 * indexes); a node's final record keeps its logs in the run.
 */
import { Collection, Db, MongoBulkWriteError, MongoServerError } from 'mongodb';
import type { LogEntry } from '../flow/contracts';

/** Which try of which execution of a node (an execution is one start of the node; loops start it again). */
export interface AttemptKey {
  runId: string;
  nodeId: string;
  execution: number;
  attempt: number;
}

export interface LiveLogBatch extends AttemptKey {
  seq: number;
  entries: LogEntry[];
  /** The live bound was reached: the attempt's later lines are only in the node's final record. */
  truncated?: boolean;
  at: Date;
}

export interface AttemptRecord extends AttemptKey {
  /** `running`: a node of a fused chain said it started (the workflow learns of it when the chain ends). */
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  scheduledAt?: string;
  startedAt: string;
  queueWaitMs?: number;
  /** Unset while running. */
  endedAt?: string;
  durationMs?: number;
  memoryBytes?: number;
  error?: { name: string; message: string; stack?: string; type: string };
  /** The input as the node received it (large values as references). */
  input?: unknown;
  /** A node of a fused chain: the chain's first node. */
  chain?: string;
}

// Values are kept as JSON text: a user's keys (`$nectarRef`, `a.b`) are not all valid field names in the store.
type LogDocument = Omit<LiveLogBatch, 'entries'> & { _id: string; entriesJson: string };
type AttemptDocument = Omit<AttemptRecord, 'input'> & { _id: string; at: Date; inputJson?: string };

const keyOf = (key: AttemptKey) => `${key.runId}:${key.nodeId}:${key.execution}:${key.attempt}`;

function attemptDocument(record: AttemptRecord): AttemptDocument {
  const { input, ...rest } = record;
  return {
    _id: keyOf(record),
    ...rest,
    at: new Date(),
    ...(input === undefined ? {} : { inputJson: JSON.stringify(input) }),
  };
}

function attemptUpsert({ _id, ...fields }: AttemptDocument) {
  return { filter: { _id }, update: { $set: fields }, upsert: true };
}

/** The store's code for an insert refused because a document with that `_id` exists. */
const DUPLICATE_KEY = 11000;

/** How long a record waits for others before a write (the run view sees a running chain's nodes this much later). */
const LINGER_MS = 50;

/**
 * Attempt records written in batches, for a caller that records many in a row (a fused chain): the records of a short
 * while go together (`LINGER_MS`), one write in flight at a time, and once the caller has `finish`ed, each goes at once.
 * A chain of fast nodes costs a few writes rather than one a node.
 */
export class AttemptBatches {
  private queue: Array<{ record: AttemptRecord; settle: (error?: Error) => void }> = [];
  private writing = false;
  private lingering: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(private readonly journal: Pick<RunJournal, 'recordAttempts'>) {}

  recordAttempt(record: AttemptRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (this.finished) this.write();
      else this.lingering ??= setTimeout(() => this.write(), LINGER_MS);
    });
  }

  /** The caller records nothing more (or little, and wants it written): what waits is written now, the rest at once. */
  finish(): void {
    this.finished = true;
    this.write();
  }

  /** Writes the records waiting now (after the write in flight, if any). */
  private write(): void {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    const batch = this.queue.splice(0);
    const settleAll = (error?: Error) => {
      for (const { settle } of batch) settle(error);
      this.writing = false;
      this.write();
    };
    this.journal.recordAttempts(batch.map(({ record }) => record)).then(
      () => settleAll(),
      (error: unknown) => settleAll(error instanceof Error ? error : new Error('the attempt records were not written')),
    );
  }
}

export class RunJournal {
  private readonly logs: Collection<LogDocument>;
  private readonly attempts: Collection<AttemptDocument>;

  constructor(db: Db) {
    this.logs = db.collection<LogDocument>('run_live_logs');
    this.attempts = db.collection<AttemptDocument>('node_attempts');
  }

  async ensureIndexes(): Promise<void> {
    await this.logs.createIndex({ runId: 1, at: 1 });
    await this.logs.createIndex({ at: 1 });
    await this.attempts.createIndex({ runId: 1, nodeId: 1 });
    await this.attempts.createIndex({ at: 1 });
  }

  /** Removes live log batches and attempt records written before `cutoff` (for the retention job). */
  async pruneBefore(cutoff: Date): Promise<number> {
    const [logs, attempts] = await Promise.all([
      this.logs.deleteMany({ at: { $lt: cutoff } }),
      this.attempts.deleteMany({ at: { $lt: cutoff } }),
    ]);
    return logs.deletedCount + attempts.deletedCount;
  }

  async appendLogs(batch: LiveLogBatch): Promise<void> {
    const { entries, ...rest } = batch;
    // Keyed by attempt and sequence: a batch written twice (a retried write) is stored once.
    await this.logs.updateOne(
      { _id: `${keyOf(batch)}:${batch.seq}` },
      { $setOnInsert: { ...rest, entriesJson: JSON.stringify(entries) } },
      { upsert: true },
    );
  }

  /** The run's live log batches written since `since` (the writer's clock), oldest first. */
  async logsSince(runId: string, since: Date): Promise<LiveLogBatch[]> {
    const docs = await this.logs
      .find({ runId, at: { $gte: since } }, { projection: { _id: 0 } })
      .sort({ at: 1 })
      .limit(1_000)
      .toArray();
    return docs.map(({ entriesJson, ...rest }) => ({ ...rest, entries: JSON.parse(entriesJson) as LogEntry[] }));
  }

  /**
   * Inserted, not upserted: FerretDB spends 7–8 times the CPU on an upsert. A record whose key is there already (a
   * chain node said it was running; an attempt run again after a crash) is then updated.
   */
  async recordAttempt(record: AttemptRecord): Promise<void> {
    const document = attemptDocument(record);
    try {
      await this.attempts.insertOne(document);
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
      const { filter, update, upsert } = attemptUpsert(document);
      await this.attempts.updateOne(filter, update, { upsert });
    }
  }

  /** Several attempts' records in one round trip (a fused chain's nodes), inserted as `recordAttempt` does. */
  async recordAttempts(records: AttemptRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (records.length === 1) return this.recordAttempt(records[0]);
    const documents = records.map(attemptDocument);
    try {
      await this.attempts.insertMany(documents, { ordered: false });
    } catch (error) {
      const refused = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [];
      if (refused.length === 0 || refused.some((write) => write.code !== DUPLICATE_KEY)) throw error;
      await this.attempts.bulkWrite(
        refused.map((write) => ({ updateOne: attemptUpsert(documents[write.index]) })),
        { ordered: false },
      );
    }
  }

  /**
   * A node of a fused chain has been running a while (the workflow knows of it only when the chain ends): recorded
   * for the run view unless the attempt's outcome is there already.
   */
  async recordRunning(record: AttemptKey & { startedAt: string; chain: string }): Promise<void> {
    await this.attempts.updateOne(
      { _id: keyOf(record) },
      { $setOnInsert: { ...record, status: 'running', at: new Date() } },
      { upsert: true },
    );
  }

  /** The run's newest attempts written since `since` (the writer's clock), without inputs. */
  async attemptsSince(runId: string, since: Date): Promise<AttemptRecord[]> {
    return this.attempts
      .find({ runId, at: { $gte: since } }, { projection: { _id: 0, at: 0, inputJson: 0 } })
      .sort({ at: -1 })
      .limit(1_000)
      .toArray();
  }

  /**
   * A page of every node's attempts of a run, without inputs, after the attempt `after` names (a page's `last`), in
   * the order of their keys (by node id; the caller sorts each node's by execution and attempt).
   */
  async attemptsPage(
    runId: string,
    after: string | undefined,
    limit: number,
  ): Promise<{ attempts: AttemptRecord[]; last?: string }> {
    const docs = await this.attempts
      .find(
        { runId, ...(after === undefined ? {} : { _id: { $gt: `${runId}:${after}` } }) },
        { projection: { at: 0, inputJson: 0 } },
      )
      .sort({ _id: 1 })
      .limit(limit + 1)
      .toArray();
    const page = docs.slice(0, limit);
    const more = docs.length > limit;
    return {
      attempts: page.map(({ _id, ...rest }) => rest),
      ...(more ? { last: page[page.length - 1]._id.slice(runId.length + 1) } : {}),
    };
  }

  /** Every recorded attempt of one node of a run, by execution then attempt. */
  async attemptsOf(runId: string, nodeId: string): Promise<AttemptRecord[]> {
    const docs = await this.attempts.find({ runId, nodeId }, { projection: { _id: 0, at: 0 } }).toArray();
    return docs
      .map(({ inputJson, ...rest }): AttemptRecord =>
        inputJson === undefined ? rest : { ...rest, input: JSON.parse(inputJson) as unknown },
      )
      .sort((a, b) => a.execution - b.execution || a.attempt - b.attempt);
  }
}
