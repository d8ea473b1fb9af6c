/**
 * How execution metrics are kept, as pure functions: fixed histogram bounds, the bucket sizes of each resolution, the
 * collections that hold them, and how figures (counts, percentiles) are read back.
 *
 * Shaped by FerretDB 1.24 on SQLite, the embedded store: it pushes no filter down to an index (every query decodes
 * the whole collection), loses `$inc`s made concurrently on one document, and has no TTL indexes. So rollups live in
 * small collections partitioned by time (one per resolution and period, dropped whole when they expire), one
 * document per bucket, workspace and writer (a worker process): the writer holds its open buckets in memory and
 * replaces its own document, so no two processes ever write the same document and nothing is incremented in place.
 * Each document carries its figures as one JSON string, which the store decodes as a single value.
 */

/** Upper bounds (ms) of the duration histogram's buckets; a last bucket takes everything above. */
export const DURATION_BOUNDS_MS = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 3_600_000,
  86_400_000,
];
/** Upper bounds (bytes) of the memory histogram's buckets; a last bucket takes everything above. */
export const MEMORY_BOUNDS_BYTES = [
  256 * 1024,
  512 * 1024,
  1024 ** 2,
  2 * 1024 ** 2,
  4 * 1024 ** 2,
  8 * 1024 ** 2,
  16 * 1024 ** 2,
  32 * 1024 ** 2,
  64 * 1024 ** 2,
  128 * 1024 ** 2,
  256 * 1024 ** 2,
];

export type Resolution = 'm' | 'h' | 'd';
export const RESOLUTION_MS: Record<Resolution, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
export const RESOLUTIONS: Resolution[] = ['m', 'h', 'd'];

export const METRICS_WINDOWS = ['1h', '24h', '7d', '30d'] as const;
export type MetricsWindow = (typeof METRICS_WINDOWS)[number];
/** Each window's resolution and length in buckets: a bounded read whatever the volume. */
export const WINDOWS: Record<MetricsWindow, { resolution: Resolution; buckets: number }> = {
  '1h': { resolution: 'm', buckets: 60 },
  '24h': { resolution: 'h', buckets: 24 },
  '7d': { resolution: 'h', buckets: 168 },
  '30d': { resolution: 'd', buckets: 30 },
};

/** A rollup collection holds one period of buckets: an hour of minutes, a day of hours, a month of days. */
const PERIOD_CHARS: Record<Resolution, number> = { m: 13, h: 10, d: 7 };
export const ROLLUP_PREFIX = 'metrics_rollup_';
/**
 * Each bucket's series (SeriesFigures) in collections of their own, beside its rollup's: FerretDB decodes every
 * document of a collection it reads, whatever the filter, so a chart of 168 buckets reads only their small series.
 */
export const SERIES_PREFIX = 'metrics_series_';
export const EXECUTIONS_PREFIX = 'metrics_executions_';
export const RUNS_PREFIX = 'metrics_runs_';

/** `metrics_rollup_h_2026-12-02`: the collection holding the bucket that starts at `at` (its series: SERIES_PREFIX). */
export function rollupCollection(resolution: Resolution, at: number, prefix = ROLLUP_PREFIX): string {
  return `${prefix}${resolution}_${new Date(at).toISOString().slice(0, PERIOD_CHARS[resolution])}`;
}

/** Raw records are kept in one collection per UTC day, so retention drops whole collections. */
export function dailyCollection(prefix: string, at: number): string {
  return `${prefix}${new Date(at).toISOString().slice(0, 10)}`;
}

/** The start (ms) of a collection's period, read from its name; undefined for a name of another kind. */
export function periodStart(
  name: string,
): { kind: 'rollup' | 'executions' | 'runs'; resolution?: Resolution; at: number } | undefined {
  const rollup = /^metrics_(?:rollup|series)_([mhd])_(\d{4}-\d\d(?:-\d\d(?:T\d\d)?)?)$/.exec(name);
  if (rollup) {
    const text = rollup[2];
    const iso = text.length === 7 ? `${text}-01T00` : text.length === 10 ? `${text}T00` : text;
    return { kind: 'rollup', resolution: rollup[1] as Resolution, at: Date.parse(`${iso}:00:00Z`) };
  }
  const raw = /^metrics_(executions|runs)_(\d{4}-\d\d-\d\d)$/.exec(name);
  if (raw) return { kind: raw[1] as 'executions' | 'runs', at: Date.parse(`${raw[2]}T00:00:00Z`) };
  return undefined;
}

/** The periods (collection names) a range of buckets spans, oldest first. */
export function rollupCollections(resolution: Resolution, from: number, to: number, prefix = ROLLUP_PREFIX): string[] {
  const names: string[] = [];
  for (let at = from; at <= to; at += RESOLUTION_MS[resolution]) {
    const name = rollupCollection(resolution, at, prefix);
    if (names[names.length - 1] !== name) names.push(name);
  }
  return names;
}

export function bucketStart(at: number, resolution: Resolution): number {
  return at - (at % RESOLUTION_MS[resolution]);
}

/** A window's first and last bucket starts: aligned to its resolution, ending with the bucket now is in. */
export function windowRange(
  window: MetricsWindow,
  now: number,
): { resolution: Resolution; from: number; to: number; bucketMs: number } {
  const { resolution, buckets } = WINDOWS[window];
  const bucketMs = RESOLUTION_MS[resolution];
  const to = bucketStart(now, resolution);
  return { resolution, from: to - (buckets - 1) * bucketMs, to, bucketMs };
}

/** Buckets of one resolution: the starts of the first and the last. */
export interface BucketSpan {
  resolution: Resolution;
  from: number;
  to: number;
}

const COARSER: Partial<Record<Resolution, Resolution>> = { m: 'h', h: 'd' };

/**
 * The fewest buckets holding exactly the figures of the buckets `from`..`to` of `resolution`: that resolution at the
 * ends, and each whole bucket of a coarser one in between (a whole day of hours is its one daily bucket). Every event
 * is added at every resolution, so the sums are the same; a 7-day window of hours reads at most 24 hourly and 7 daily
 * buckets instead of 168.
 */
export function coveringSpans(resolution: Resolution, from: number, to: number): BucketSpan[] {
  const coarser = COARSER[resolution];
  if (!coarser) return [{ resolution, from, to }];
  const step = RESOLUTION_MS[resolution];
  const size = RESOLUTION_MS[coarser];
  const end = to + step;
  const innerFrom = Math.ceil(from / size) * size;
  const innerEnd = Math.floor(end / size) * size;
  if (innerEnd <= innerFrom) return [{ resolution, from, to }];
  return [
    ...(from < innerFrom ? [{ resolution, from, to: innerFrom - step }] : []),
    ...coveringSpans(coarser, innerFrom, innerEnd - size),
    ...(innerEnd < end ? [{ resolution, from: innerEnd, to }] : []),
  ];
}

export function bucketIndex(bounds: number[], value: number): number {
  let index = 0;
  while (index < bounds.length && value > bounds[index]) index++;
  return index;
}

/** Node figures: [succeeded, failed, cancelled, durationSum, durationMax, memoryMax, ...duration buckets, ...memory buckets]. */
export type NodeFigures = number[];
/** Run figures: [started, completed, failed, cancelled, durationSum, durationMax, ...duration buckets]. */
export type RunFigures = number[];
/** Error figures: count, last time (ms), error type, message, recent run ids (newest last). */
export interface ErrorFigures {
  count: number;
  lastAt: number;
  type: string;
  message: string;
  runIds: string[];
}

export const NODE_HEAD = 6;
export const RUN_HEAD = 6;
export const NODE_FIGURES = NODE_HEAD + DURATION_BOUNDS_MS.length + 1 + MEMORY_BOUNDS_BYTES.length + 1;
export const RUN_FIGURES = RUN_HEAD + DURATION_BOUNDS_MS.length + 1;
/** Error groups kept per bucket and workspace (more distinct messages than this in one bucket are counted as one). */
export const MAX_ERROR_GROUPS = 100;
export const MAX_ERROR_MESSAGE = 500;
export const RECENT_RUN_IDS = 5;

/** What one bucket of one workspace holds (as written by one writer): keys are `flow|node`, `flow|trigger`, `flow|node|type|message`. */
export interface BucketFigures {
  nodes: Record<string, NodeFigures>;
  runs: Record<string, RunFigures>;
  errors: Record<string, ErrorFigures>;
}

/**
 * What the timeseries reads of a bucket, kept beside its figures so a chart of many buckets decodes little of each:
 * its runs as they are (`flow|trigger|kind`), and its node executions by status per flow (`flow|kind` → [succeeded,
 * failed, cancelled]).
 */
export interface SeriesFigures {
  runs: Record<string, RunFigures>;
  nodes: Record<string, number[]>;
}

/** The stored document of a bucket: the figures as one JSON string (see the module comment). */
export interface RollupDocument {
  _id: string;
  workspace: string;
  at: Date;
  writer: string;
  figures: string;
}

/** A bucket's series (SeriesFigures as JSON), under its rollup document's `_id`, in the series collection. */
export interface SeriesDocument {
  _id: string;
  workspace: string;
  at: Date;
  writer: string;
  series: string;
}

export function seriesOf(figures: BucketFigures): SeriesFigures {
  const nodes: Record<string, number[]> = {};
  for (const [key, values] of Object.entries(figures.nodes)) {
    const parts = key.split('|');
    const flowKind = `${parts[0]}|${parts[parts.length - 1]}`;
    const counts = (nodes[flowKind] ??= [0, 0, 0]);
    for (let i = 0; i < 3; i++) counts[i] += values[i];
  }
  return { runs: figures.runs, nodes };
}

export function emptyBucket(): BucketFigures {
  return { nodes: {}, runs: {}, errors: {} };
}

export function addNode(
  bucket: BucketFigures,
  key: string,
  status: ExecutionStatus,
  durationMs: number,
  memoryBytes: number,
): void {
  const figures = (bucket.nodes[key] ??= new Array<number>(NODE_FIGURES).fill(0));
  figures[status === 'succeeded' ? 0 : status === 'failed' ? 1 : 2]++;
  figures[3] += durationMs;
  figures[4] = Math.max(figures[4], durationMs);
  figures[5] = Math.max(figures[5], memoryBytes);
  figures[NODE_HEAD + bucketIndex(DURATION_BOUNDS_MS, durationMs)]++;
  figures[NODE_HEAD + DURATION_BOUNDS_MS.length + 1 + bucketIndex(MEMORY_BOUNDS_BYTES, memoryBytes)]++;
}

export function addRun(bucket: BucketFigures, key: string, event: RunEventKind, durationMs = 0): void {
  const figures = (bucket.runs[key] ??= new Array<number>(RUN_FIGURES).fill(0));
  if (event === 'started') {
    figures[0]++;
    return;
  }
  figures[event === 'completed' ? 1 : event === 'failed' ? 2 : 3]++;
  figures[4] += durationMs;
  figures[5] = Math.max(figures[5], durationMs);
  figures[RUN_HEAD + bucketIndex(DURATION_BOUNDS_MS, durationMs)]++;
}

export function addError(
  bucket: BucketFigures,
  flowId: string,
  nodeId: string,
  type: string,
  message: string,
  runId: string,
  at: number,
): void {
  const cut = message.slice(0, MAX_ERROR_MESSAGE);
  let key = `${flowId}|${nodeId}|${type}|${cut}`;
  if (!bucket.errors[key] && Object.keys(bucket.errors).length >= MAX_ERROR_GROUPS) key = `${flowId}|${nodeId}|other|`;
  const group = (bucket.errors[key] ??= {
    count: 0,
    lastAt: 0,
    type,
    message: key.endsWith('|other|') ? '(other errors)' : cut,
    runIds: [],
  });
  group.count++;
  group.lastAt = Math.max(group.lastAt, at);
  if (!group.runIds.includes(runId)) group.runIds = [...group.runIds, runId].slice(-RECENT_RUN_IDS);
}

export type ExecutionStatus = 'succeeded' | 'failed' | 'cancelled';
export type RunEventKind = 'started' | 'completed' | 'failed' | 'cancelled';

/** Adds `from` into `into` element by element (maxima at the given indexes are taken, not summed). */
export function mergeFigures(into: number[], from: number[], maxIndexes: number[]): number[] {
  for (let i = 0; i < from.length; i++)
    into[i] = maxIndexes.includes(i) ? Math.max(into[i] ?? 0, from[i]) : (into[i] ?? 0) + from[i];
  return into;
}
export const NODE_MAX_INDEXES = [4, 5];
export const RUN_MAX_INDEXES = [5];

/**
 * The q-quantile of a histogram (counts per bucket of `bounds`, then the overflow bucket): linear within the bucket
 * it falls in, never above the largest value seen. Null for an empty histogram.
 */
export function quantile(counts: number[], bounds: number[], q: number, max: number): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    if (seen + counts[i] >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1];
      const upper = i < bounds.length ? Math.min(bounds[i], max) : max;
      const value = lower + ((rank - seen) / counts[i]) * (upper - lower);
      return Math.round(Math.min(Math.max(value, lower), max) * 100) / 100;
    }
    seen += counts[i];
  }
  return max;
}
