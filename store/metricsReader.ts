/**
 * The dashboard's figures, read from the rollups (store/metricsModel.ts): each panel reads the window's buckets of
 * one workspace (at most a few hundred small documents, whatever the number of executions) and adds them up here.
 */
import type { Db } from 'mongodb';
import {
  BucketFigures,
  DURATION_BOUNDS_MS,
  ErrorFigures,
  MEMORY_BOUNDS_BYTES,
  mergeFigures,
  MetricsWindow,
  NODE_FIGURES,
  NODE_HEAD,
  NODE_MAX_INDEXES,
  NodeFigures,
  quantile,
  Resolution,
  RECENT_RUN_IDS,
  rollupCollections,
  RollupDocument,
  RUN_FIGURES,
  RUN_HEAD,
  RUN_MAX_INDEXES,
  RunFigures,
  windowRange,
} from './metricsModel';
import { RUN_TOTALS, RunTotalsDocument } from './metricsRecorder';

export interface MetricsQuery {
  workspace: string;
  window: MetricsWindow;
  flowId?: string;
}

interface Bucket {
  at: number;
  figures: BucketFigures;
}

const counts = (figures: number[] | undefined, from: number, length: number) =>
  figures ? figures.slice(from, from + length) : new Array<number>(length).fill(0);
const rate = (good: number, total: number) => (total === 0 ? null : Math.round((good / total) * 10_000) / 10_000);

function durations(figures: RunFigures | NodeFigures, head: number, maxIndex: number) {
  const histogram = counts(figures, head, DURATION_BOUNDS_MS.length + 1);
  const max = figures[maxIndex];
  return {
    p50: quantile(histogram, DURATION_BOUNDS_MS, 0.5, max),
    p95: quantile(histogram, DURATION_BOUNDS_MS, 0.95, max),
    p99: quantile(histogram, DURATION_BOUNDS_MS, 0.99, max),
  };
}

/** Saved versions only: runs of drafts and step tests stay out of the dashboard's figures. */
function ofVersions<T>(entries: Record<string, T>, flowId: string | undefined): Array<[string[], T]> {
  const kept: Array<[string[], T]> = [];
  for (const [key, value] of Object.entries(entries)) {
    const parts = key.split('|');
    if (parts[parts.length - 1] !== 'v') continue;
    if (flowId !== undefined && parts[0] !== flowId) continue;
    kept.push([parts, value]);
  }
  return kept;
}

export class MetricsReader {
  constructor(private readonly db: Db) {}

  /** The window's buckets of the workspace, every writer's added together, oldest first. */
  private async buckets(
    query: MetricsQuery,
    now: number,
  ): Promise<{ range: ReturnType<typeof windowRange>; buckets: Bucket[] }> {
    const range = windowRange(query.window, now);
    return { range, buckets: await this.load(query.workspace, range.resolution, range.from, range.to) };
  }

  private async load(workspace: string, resolution: Resolution, from: number, to: number): Promise<Bucket[]> {
    const docs = (
      await Promise.all(
        rollupCollections(resolution, from, to).map((name) =>
          this.db
            .collection<RollupDocument>(name)
            .find({ workspace, at: { $gte: new Date(from) } }, { projection: { at: 1, figures: 1 } })
            .toArray(),
        ),
      )
    ).flat();
    const byTime = new Map<number, Bucket>();
    for (const doc of docs) {
      const at = doc.at.getTime();
      const figures = JSON.parse(doc.figures) as BucketFigures;
      const bucket = byTime.get(at);
      if (!bucket) {
        byTime.set(at, { at, figures });
        continue;
      }
      for (const [key, value] of Object.entries(figures.nodes))
        bucket.figures.nodes[key] = mergeFigures(bucket.figures.nodes[key] ?? [], value, NODE_MAX_INDEXES);
      for (const [key, value] of Object.entries(figures.runs))
        bucket.figures.runs[key] = mergeFigures(bucket.figures.runs[key] ?? [], value, RUN_MAX_INDEXES);
      for (const [key, value] of Object.entries(figures.errors))
        bucket.figures.errors[key] = mergeError(bucket.figures.errors[key], value);
    }
    return [...byTime.values()].sort((a, b) => a.at - b.at);
  }

  private static header(query: MetricsQuery, range: ReturnType<typeof windowRange>) {
    return {
      window: query.window,
      flowId: query.flowId ?? null,
      from: new Date(range.from).toISOString(),
      to: new Date(range.to + range.bucketMs).toISOString(),
      bucketMs: range.bucketMs,
    };
  }

  async summary(query: MetricsQuery, now = Date.now()) {
    const { range, buckets } = await this.buckets(query, now);
    const runs = new Array<number>(RUN_FIGURES).fill(0);
    const nodes = new Array<number>(NODE_FIGURES).fill(0);
    for (const bucket of buckets) {
      for (const [, figures] of ofVersions(bucket.figures.runs, query.flowId))
        mergeFigures(runs, figures, RUN_MAX_INDEXES);
      for (const [, figures] of ofVersions(bucket.figures.nodes, query.flowId))
        mergeFigures(nodes, figures, NODE_MAX_INDEXES);
    }
    const [, completed, failed, cancelled] = runs;
    const closed = completed + failed + cancelled;
    const [succeeded, nodeFailed, nodeCancelled] = nodes;
    const executions = succeeded + nodeFailed + nodeCancelled;
    return {
      ...MetricsReader.header(query, range),
      runs: { total: closed, completed, failed, cancelled, successRate: rate(completed, closed) },
      executions: {
        total: executions,
        succeeded,
        failed: nodeFailed,
        cancelled: nodeCancelled,
        successRate: rate(succeeded, executions),
      },
      runDurationMs: closed === 0 ? null : durations(runs, RUN_HEAD, 5),
    };
  }

  async timeseries(query: MetricsQuery, now = Date.now()) {
    const { range, buckets } = await this.buckets(query, now);
    const byTime = new Map(buckets.map((bucket) => [bucket.at, bucket]));
    const series = [];
    for (let at = range.from; at <= range.to; at += range.bucketMs) {
      const runs = new Array<number>(RUN_FIGURES).fill(0);
      const nodes = new Array<number>(NODE_FIGURES).fill(0);
      const bucket = byTime.get(at);
      if (bucket) {
        for (const [, figures] of ofVersions(bucket.figures.runs, query.flowId))
          mergeFigures(runs, figures, RUN_MAX_INDEXES);
        for (const [, figures] of ofVersions(bucket.figures.nodes, query.flowId))
          mergeFigures(nodes, figures, NODE_MAX_INDEXES);
      }
      const closed = runs[1] + runs[2] + runs[3];
      series.push({
        at: new Date(at).toISOString(),
        runs: { completed: runs[1], failed: runs[2], cancelled: runs[3] },
        executions: { succeeded: nodes[0], failed: nodes[1], cancelled: nodes[2] },
        runDurationMsP95: closed === 0 ? null : durations(runs, RUN_HEAD, 5).p95,
      });
    }
    return { ...MetricsReader.header(query, range), buckets: series };
  }

  async nodes(query: MetricsQuery, now = Date.now()) {
    const { range, buckets } = await this.buckets(query, now);
    const byNode = new Map<string, { flowId: string; nodeId: string; figures: number[] }>();
    for (const bucket of buckets) {
      for (const [[flowId, nodeId], figures] of ofVersions(bucket.figures.nodes, query.flowId)) {
        const key = `${flowId}|${nodeId}`;
        const entry = byNode.get(key) ?? { flowId, nodeId, figures: new Array<number>(NODE_FIGURES).fill(0) };
        mergeFigures(entry.figures, figures, NODE_MAX_INDEXES);
        byNode.set(key, entry);
      }
    }
    const memoryFrom = NODE_HEAD + DURATION_BOUNDS_MS.length + 1;
    const nodes = [...byNode.values()]
      .map(({ flowId, nodeId, figures }) => ({
        flowId,
        nodeId,
        executions: figures[0] + figures[1] + figures[2],
        succeeded: figures[0],
        failed: figures[1],
        cancelled: figures[2],
        durationMs: durations(figures, NODE_HEAD, 4),
        memoryBytes: {
          p95: quantile(
            counts(figures, memoryFrom, MEMORY_BOUNDS_BYTES.length + 1),
            MEMORY_BOUNDS_BYTES,
            0.95,
            figures[5],
          ),
        },
      }))
      .sort(
        (a, b) => b.executions - a.executions || a.flowId.localeCompare(b.flowId) || a.nodeId.localeCompare(b.nodeId),
      )
      .slice(0, 200);
    return { ...MetricsReader.header(query, range), nodes };
  }

  async errors(query: MetricsQuery & { limit: number }, now = Date.now()) {
    const { range, buckets } = await this.buckets(query, now);
    const groups = new Map<string, { flowId: string; nodeId: string; figures: ErrorFigures }>();
    for (const bucket of buckets) {
      for (const [key, figures] of Object.entries(bucket.figures.errors)) {
        const [flowId, nodeId] = key.split('|');
        if (query.flowId !== undefined && flowId !== query.flowId) continue;
        const group = groups.get(key);
        groups.set(key, { flowId, nodeId, figures: mergeError(group?.figures, figures) });
      }
    }
    const errors = [...groups.values()]
      .sort((a, b) => b.figures.count - a.figures.count || b.figures.lastAt - a.figures.lastAt)
      .slice(0, query.limit)
      .map(({ flowId, nodeId, figures }) => ({
        message: figures.message,
        type: figures.type,
        flowId,
        nodeId,
        count: figures.count,
        lastAt: new Date(figures.lastAt).toISOString(),
        runIds: [...figures.runIds].reverse(),
        runsFilter: { flowId, status: 'failed' as const, startedAfter: new Date(range.from).toISOString() },
      }));
    return { ...MetricsReader.header(query, range), errors };
  }

  /** Executions of the workspace per day of the month that `now` is in (every day so far, zeros included). */
  async dailyExecutions(workspace: string, now = Date.now()): Promise<Array<{ day: string; executions: number }>> {
    const month = new Date(now);
    const first = Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 1);
    const buckets = await this.load(workspace, 'd', first, now);
    const byDay = new Map<number, number>();
    for (const bucket of buckets) {
      let total = 0;
      // Every execution counts against the quota, drafts' and step tests' too.
      for (const figures of Object.values(bucket.figures.nodes)) total += figures[0] + figures[1] + figures[2];
      byDay.set(bucket.at, total);
    }
    const days = [];
    for (let at = first; at <= now; at += 86_400_000)
      days.push({ day: new Date(at).toISOString().slice(0, 10), executions: byDay.get(at) ?? 0 });
    return days;
  }

  /** Runs of saved versions closed (and started) since the store began counting, per workspace, flow and trigger. */
  async runTotals(): Promise<Map<string, number[]>> {
    const totals = new Map<string, number[]>();
    const docs = await this.db.collection<RunTotalsDocument>(RUN_TOTALS).find({}).toArray();
    for (const doc of docs) {
      for (const [key, figures] of Object.entries(JSON.parse(doc.totals) as Record<string, number[]>)) {
        totals.set(key, mergeFigures(totals.get(key) ?? [0, 0, 0, 0], figures, []));
      }
    }
    return totals;
  }
}

function mergeError(into: ErrorFigures | undefined, from: ErrorFigures): ErrorFigures {
  if (!into) return { ...from, runIds: [...from.runIds] };
  const newer = from.lastAt >= into.lastAt;
  const runIds = newer ? [...into.runIds, ...from.runIds] : [...from.runIds, ...into.runIds];
  return {
    count: into.count + from.count,
    lastAt: Math.max(into.lastAt, from.lastAt),
    type: into.type,
    message: into.message,
    runIds: [...new Set(runIds.reverse())].reverse().slice(-RECENT_RUN_IDS),
  };
}
