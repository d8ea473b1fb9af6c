/**
 * The dashboard's figures, read from the rollups (store/metricsModel.ts): each panel reads the window's buckets of
 * one workspace, whatever the number of executions, and adds them up here. The panels that add a whole window up
 * read the fewest buckets that cover it (a 7-day window's whole days as daily buckets: at most 24 hourly and 7 daily
 * per writer); the timeseries reads every bucket of its resolution. Summary and timeseries read only each bucket's
 * series (runs and execution counts per flow), nodes and errors its whole figures.
 */
import type { Db } from 'mongodb';
import {
  BucketFigures,
  BucketSpan,
  bucketStart,
  coveringSpans,
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
  RECENT_RUN_IDS,
  rollupCollections,
  RollupDocument,
  RUN_FIGURES,
  RUN_HEAD,
  RUN_MAX_INDEXES,
  RunFigures,
  ROLLUP_PREFIX,
  SERIES_PREFIX,
  SeriesDocument,
  SeriesFigures,
  seriesOf,
  windowRange,
} from './metricsModel';
import { RUN_TOTALS, RunTotalsDocument } from './metricsRecorder';

export interface MetricsQuery {
  workspace: string;
  window: MetricsWindow;
  flowId?: string;
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

/** The buckets of a workspace in a span (both kinds of rollup document have these fields). */
interface BucketFilter {
  workspace: string;
  at: { $gte: Date; $lte: Date };
}

export class MetricsReader {
  constructor(private readonly db: Db) {}

  /**
   * The window's whole figures (for nodes and errors): every writer's documents of the fewest buckets that cover it
   * exactly (coveringSpans), in no particular order.
   */
  private async windowFigures(
    query: MetricsQuery,
    now: number,
  ): Promise<{ range: ReturnType<typeof windowRange>; figures: BucketFigures[] }> {
    const range = windowRange(query.window, now);
    return { range, figures: await this.load(query.workspace, coveringSpans(range.resolution, range.from, range.to)) };
  }

  /** `read` of every rollup collection the spans lie in, with the filter of their buckets of the workspace. */
  private async inSpans<T>(
    workspace: string,
    spans: BucketSpan[],
    read: (name: string, filter: BucketFilter) => Promise<T[]>,
  ): Promise<T[]> {
    const reads = spans.flatMap((span) =>
      rollupCollections(span.resolution, span.from, span.to).map((name) =>
        read(name, { workspace, at: { $gte: new Date(span.from), $lte: new Date(span.to) } }),
      ),
    );
    return (await Promise.all(reads)).flat();
  }

  /** Every writer's figures of the buckets in `spans`, in no particular order. */
  private async load(workspace: string, spans: BucketSpan[]): Promise<BucketFigures[]> {
    const docs = await this.inSpans(workspace, spans, (name, filter) =>
      this.db
        .collection<RollupDocument>(name)
        .find(filter, { projection: { figures: 1 } })
        .toArray(),
    );
    return docs.map((doc) => JSON.parse(doc.figures) as BucketFigures);
  }

  /**
   * Every writer's series of the buckets in `spans`, in no particular order: from the series collections, or, for a
   * period whose series collection holds none of the workspace's buckets there (a period written before series were
   * kept; writers complete the series of a period they write to), from its rollups.
   */
  private loadSeries(workspace: string, spans: BucketSpan[]): Promise<Array<{ at: number; series: SeriesFigures }>> {
    return this.inSpans(workspace, spans, async (name, filter) => {
      const kept = await this.db
        .collection<SeriesDocument>(name.replace(ROLLUP_PREFIX, SERIES_PREFIX))
        .find(filter, { projection: { at: 1, series: 1 } })
        .toArray();
      if (kept.length > 0)
        return kept.map((doc) => ({ at: doc.at.getTime(), series: JSON.parse(doc.series) as SeriesFigures }));
      const docs = await this.db
        .collection<RollupDocument>(name)
        .find(filter, { projection: { at: 1, figures: 1 } })
        .toArray();
      return docs.map((doc) => ({ at: doc.at.getTime(), series: seriesOf(JSON.parse(doc.figures) as BucketFigures) }));
    });
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
    const range = windowRange(query.window, now);
    const runs = new Array<number>(RUN_FIGURES).fill(0);
    const nodes = [0, 0, 0];
    for (const { series } of await this.loadSeries(
      query.workspace,
      coveringSpans(range.resolution, range.from, range.to),
    )) {
      for (const [, figures] of ofVersions(series.runs, query.flowId)) mergeFigures(runs, figures, RUN_MAX_INDEXES);
      for (const [, figures] of ofVersions(series.nodes, query.flowId)) mergeFigures(nodes, figures, []);
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
    const range = windowRange(query.window, now);
    // Bucket by bucket, every writer's series of it added up.
    const byTime = new Map<number, { runs: number[]; nodes: number[] }>();
    for (const { at, series } of await this.loadSeries(query.workspace, [range])) {
      const bucket = byTime.get(at) ?? { runs: new Array<number>(RUN_FIGURES).fill(0), nodes: [0, 0, 0] };
      byTime.set(at, bucket);
      for (const [, figures] of ofVersions(series.runs, query.flowId))
        mergeFigures(bucket.runs, figures, RUN_MAX_INDEXES);
      for (const [, figures] of ofVersions(series.nodes, query.flowId)) mergeFigures(bucket.nodes, figures, []);
    }
    const series = [];
    for (let at = range.from; at <= range.to; at += range.bucketMs) {
      const { runs, nodes } = byTime.get(at) ?? { runs: new Array<number>(RUN_FIGURES).fill(0), nodes: [0, 0, 0] };
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
    const { range, figures: buckets } = await this.windowFigures(query, now);
    const byNode = new Map<string, { flowId: string; nodeId: string; figures: number[] }>();
    for (const bucket of buckets) {
      for (const [[flowId, nodeId], figures] of ofVersions(bucket.nodes, query.flowId)) {
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
    const { range, figures: buckets } = await this.windowFigures(query, now);
    const groups = new Map<string, { flowId: string; nodeId: string; figures: ErrorFigures }>();
    for (const bucket of buckets) {
      for (const [key, figures] of Object.entries(bucket.errors)) {
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
    const days = await this.loadSeries(workspace, [{ resolution: 'd', from: first, to: bucketStart(now, 'd') }]);
    const byDay = new Map<number, number>();
    for (const { at, series } of days) {
      let total = byDay.get(at) ?? 0;
      // Every execution counts against the quota, drafts' and step tests' too.
      for (const counts of Object.values(series.nodes)) total += counts[0] + counts[1] + counts[2];
      byDay.set(at, total);
    }
    const daily = [];
    for (let at = first; at <= now; at += 86_400_000)
      daily.push({ day: new Date(at).toISOString().slice(0, 10), executions: byDay.get(at) ?? 0 });
    return daily;
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
