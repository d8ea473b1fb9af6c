/**
 * The worker's record of what ran: every code-node execution and every run's start and close, kept as raw records
 * (one collection per day) and as rollups per minute, hour and day (store/metricsModel.ts). Recording is a
 * synchronous push into memory; a flush every second (and on close) writes the batch, so a node waits for no write.
 */
import crypto from 'node:crypto';
import { type Db, MongoBulkWriteError } from 'mongodb';
import {
  addError,
  addNode,
  addRun,
  bucketStart,
  BucketFigures,
  dailyCollection,
  emptyBucket,
  EXECUTIONS_PREFIX,
  ExecutionStatus,
  Resolution,
  RESOLUTION_MS,
  RESOLUTIONS,
  rollupCollection,
  RollupDocument,
  ROLLUP_PREFIX,
  RUNS_PREFIX,
  SERIES_PREFIX,
  SeriesDocument,
  seriesOf,
} from './metricsModel';

export interface NodeExecution {
  flowId: string;
  flowVersion: number;
  draft?: number;
  nodeId: string;
  /** The run's id (its workflow id), and Temporal's id of the execution within it. */
  runId: string;
  executionId: string;
  activityId: string;
  attempt: number;
  trigger: string;
  status: ExecutionStatus;
  durationMs: number;
  memoryBytes: number;
  error?: { type: string; message: string };
  /** When it ended (ms). */
  at: number;
}

export interface RunStarted {
  flowId: string;
  flowVersion: number;
  draft?: number;
  runId: string;
  trigger: string;
  workspace?: string;
  at: number;
}

export interface RunClosed extends RunStarted {
  status: 'completed' | 'failed' | 'cancelled';
  startedAt: number;
  failedNode?: string;
  error?: { type: string; message: string };
}

type Pending =
  | { kind: 'node'; event: NodeExecution }
  | { kind: 'started'; event: RunStarted }
  | { kind: 'closed'; event: RunClosed };

export const RUN_TOTALS = 'metrics_run_totals';

/** Per writer: `workspace|flow|trigger` → [started, completed, failed, cancelled], since the writer started. */
export interface RunTotalsDocument {
  _id: string;
  updatedAt: Date;
  totals: string;
}

interface OpenBucket {
  workspace: string;
  resolution: Resolution;
  at: number;
  id: string;
  figures: BucketFigures;
  dirty: boolean;
}

/** How long a bucket stays in memory after its end, for records that arrive late (flushed a moment after). */
const BUCKET_GRACE_MS = 5 * 60_000;
/** Raw records held while the store does not answer; past this the oldest are dropped (the rollups keep counting). */
const MAX_PENDING_RECORDS = 100_000;

export interface RecorderOptions {
  /** The workspace owning a flow (cached by the caller). */
  workspaceOf: (flowId: string) => Promise<string>;
  flushMs?: number;
  now?: () => number;
}

export class MetricsRecorder {
  /** This process: the only writer of the documents named after it. */
  readonly writer = crypto.randomBytes(6).toString('hex');
  private pending: Pending[] = [];
  private records: Array<{ collection: string; doc: Record<string, unknown> }> = [];
  private readonly buckets = new Map<string, OpenBucket>();
  /** Buckets written and let go: one seen again is written under a new document, never over the old one. */
  private readonly released = new Map<string, number>();
  private readonly totals = new Map<string, number[]>();
  /** Rollup collections whose series collection holds every rollup's (see completeSeries). */
  private readonly seriesComplete = new Set<string>();
  private totalsDirty = false;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly options: RecorderOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.flush().catch(logFlushError), options.flushMs ?? 1_000);
    this.timer.unref();
  }

  node(event: NodeExecution): void {
    this.pending.push({ kind: 'node', event });
  }

  runStarted(event: RunStarted): void {
    this.pending.push({ kind: 'started', event });
  }

  runClosed(event: RunClosed): void {
    this.pending.push({ kind: 'closed', event });
  }

  /** Writes what was recorded so far; one flush at a time. */
  flush(): Promise<void> {
    const previous = this.flushing ?? Promise.resolve();
    const next = previous.then(() => this.write());
    this.flushing = next.finally(() => {
      if (this.flushing === next) this.flushing = undefined;
    });
    return next;
  }

  /** Stops the timer and writes everything recorded (a worker's normal shutdown loses nothing). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      try {
        await this.apply(batch);
      } catch (error) {
        // Nothing was applied yet (workspaces are resolved first): the batch waits for the next flush.
        this.pending.unshift(...batch);
        throw error;
      }
    }
    await this.writeRecords();
    await this.writeBuckets();
    await this.writeTotals();
    this.releaseOldBuckets();
  }

  private async apply(batch: Pending[]): Promise<void> {
    const owners = new Map<string, string>();
    for (const { event } of batch) {
      if (!owners.has(event.flowId)) owners.set(event.flowId, ('workspace' in event && event.workspace) || '');
    }
    await Promise.all(
      [...owners].map(async ([flowId, known]) => owners.set(flowId, known || (await this.options.workspaceOf(flowId)))),
    );
    for (const item of batch) {
      const workspace = owners.get(item.event.flowId)!;
      const kind = item.event.draft === undefined ? 'v' : 'draft';
      if (item.kind === 'node') {
        const e = item.event;
        this.keep(EXECUTIONS_PREFIX, e.at, {
          _id: `${e.executionId}:${e.activityId}:${e.nodeId}:${e.attempt}`,
          workspace,
          flowId: e.flowId,
          flowVersion: e.flowVersion,
          ...(e.draft === undefined ? {} : { draft: e.draft }),
          nodeId: e.nodeId,
          runId: e.runId,
          attempt: e.attempt,
          trigger: e.trigger,
          status: e.status,
          durationMs: e.durationMs,
          memoryBytes: e.memoryBytes,
          ...(e.error ? { errorType: e.error.type, errorMessage: e.error.message } : {}),
          at: new Date(e.at),
        });
        for (const bucket of this.bucketsFor(workspace, e.at)) {
          addNode(bucket.figures, `${e.flowId}|${e.nodeId}|${kind}`, e.status, e.durationMs, e.memoryBytes);
          if (e.error && kind === 'v')
            addError(bucket.figures, e.flowId, e.nodeId, e.error.type, e.error.message, e.runId, e.at);
        }
      } else {
        const e = item.event;
        const closed = item.kind === 'closed' ? item.event : undefined;
        const durationMs = closed ? Math.max(0, closed.at - closed.startedAt) : 0;
        if (closed) {
          this.keep(RUNS_PREFIX, e.at, {
            _id: e.runId,
            workspace,
            flowId: e.flowId,
            flowVersion: e.flowVersion,
            ...(e.draft === undefined ? {} : { draft: e.draft }),
            trigger: e.trigger,
            status: closed.status,
            startedAt: new Date(closed.startedAt),
            closedAt: new Date(e.at),
            durationMs,
            ...(closed.failedNode ? { failedNode: closed.failedNode } : {}),
            ...(closed.error ? { errorType: closed.error.type, errorMessage: closed.error.message } : {}),
            at: new Date(e.at),
          });
        }
        const status = closed ? closed.status : 'started';
        for (const bucket of this.bucketsFor(workspace, e.at)) {
          addRun(bucket.figures, `${e.flowId}|${e.trigger}|${kind}`, status, durationMs);
        }
        if (kind === 'v') {
          const key = `${workspace}|${e.flowId}|${e.trigger}`;
          const totals = this.totals.get(key) ?? [0, 0, 0, 0];
          totals[['started', 'completed', 'failed', 'cancelled'].indexOf(status)]++;
          this.totals.set(key, totals);
          this.totalsDirty = true;
        }
      }
    }
  }

  private keep(prefix: string, at: number, doc: Record<string, unknown>): void {
    this.records.push({ collection: dailyCollection(prefix, at), doc });
    if (this.records.length > MAX_PENDING_RECORDS) this.records.splice(0, this.records.length - MAX_PENDING_RECORDS);
  }

  private bucketsFor(workspace: string, at: number): OpenBucket[] {
    return RESOLUTIONS.map((resolution) => {
      const start = bucketStart(at, resolution);
      const key = `${resolution}|${start}|${workspace}`;
      let bucket = this.buckets.get(key);
      if (!bucket) {
        const generation = this.released.get(key);
        const id = `${workspace}|${start}|${this.writer}${generation === undefined ? '' : `#${generation}`}`;
        bucket = { workspace, resolution, at: start, id, figures: emptyBucket(), dirty: false };
        this.buckets.set(key, bucket);
      }
      bucket.dirty = true;
      return bucket;
    });
  }

  private async writeRecords(): Promise<void> {
    if (this.records.length === 0) return;
    const records = this.records;
    this.records = [];
    const byCollection = new Map<string, Array<Record<string, unknown>>>();
    for (const { collection, doc } of records) {
      const docs = byCollection.get(collection) ?? [];
      docs.push(doc);
      byCollection.set(collection, docs);
    }
    for (const [collection, docs] of byCollection) {
      try {
        await this.db.collection(collection).insertMany(docs, { ordered: false });
      } catch (error) {
        // A record written by an earlier attempt (or a local activity run again) is there already: that is fine.
        if (error instanceof MongoBulkWriteError && error.writeErrors && allDuplicates(error)) continue;
        this.records.unshift(...docs.map((doc) => ({ collection, doc })));
        throw error;
      }
    }
  }

  private async writeBuckets(): Promise<void> {
    for (const bucket of this.buckets.values()) {
      if (!bucket.dirty) continue;
      bucket.dirty = false;
      const head = { _id: bucket.id, workspace: bucket.workspace, at: new Date(bucket.at), writer: this.writer };
      const rollups = rollupCollection(bucket.resolution, bucket.at);
      try {
        await this.db
          .collection<RollupDocument>(rollups)
          .replaceOne({ _id: head._id }, { ...head, figures: JSON.stringify(bucket.figures) }, { upsert: true });
        await this.completeSeries(rollups);
        await this.db
          .collection<SeriesDocument>(rollupCollection(bucket.resolution, bucket.at, SERIES_PREFIX))
          .replaceOne(
            { _id: head._id },
            { ...head, series: JSON.stringify(seriesOf(bucket.figures)) },
            { upsert: true },
          );
      } catch (error) {
        bucket.dirty = true;
        throw error;
      }
    }
  }

  /**
   * Once per period this process writes to: the series of rollups written before series were kept (by an earlier
   * version), so the period's series collection holds every rollup's. The reader reads a period's rollups only when
   * its series collection has none of the workspace's buckets.
   */
  private async completeSeries(rollups: string): Promise<void> {
    if (this.seriesComplete.has(rollups)) return;
    const series = this.db.collection<SeriesDocument>(rollups.replace(ROLLUP_PREFIX, SERIES_PREFIX));
    const kept = new Set((await series.find({}, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id));
    const missing = (await this.db.collection<RollupDocument>(rollups).find({}).toArray()).filter(
      (doc) => !kept.has(doc._id),
    );
    for (const { figures, ...head } of missing) {
      const doc = { ...head, series: JSON.stringify(seriesOf(JSON.parse(figures) as BucketFigures)) };
      await series.replaceOne({ _id: head._id }, doc, { upsert: true });
    }
    this.seriesComplete.add(rollups);
    if (this.seriesComplete.size > 1_000) this.seriesComplete.delete(this.seriesComplete.values().next().value!);
  }

  private async writeTotals(): Promise<void> {
    if (!this.totalsDirty) return;
    this.totalsDirty = false;
    const doc: RunTotalsDocument = {
      _id: this.writer,
      updatedAt: new Date(this.now()),
      totals: JSON.stringify(Object.fromEntries(this.totals)),
    };
    try {
      await this.db.collection<RunTotalsDocument>(RUN_TOTALS).replaceOne({ _id: doc._id }, doc, { upsert: true });
    } catch (error) {
      this.totalsDirty = true;
      throw error;
    }
  }

  private releaseOldBuckets(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) {
      if (bucket.dirty || bucket.at + RESOLUTION_MS[bucket.resolution] + BUCKET_GRACE_MS > now) continue;
      this.buckets.delete(key);
      this.released.set(key, (this.released.get(key) ?? 0) + 1);
      if (this.released.size > 10_000) this.released.delete(this.released.keys().next().value!);
    }
  }
}

function allDuplicates(error: MongoBulkWriteError): boolean {
  const errors = (Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]) as Array<{
    code?: number;
  }>;
  return errors.every((writeError) => writeError.code === 11000);
}

function logFlushError(error: unknown): void {
  console.error('[nectar metrics] writing execution metrics failed (kept, retried next second):', error);
}
