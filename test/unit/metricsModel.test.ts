import {
  addError,
  coveringSpans,
  RESOLUTION_MS,
  addNode,
  addRun,
  seriesOf,
  DURATION_BOUNDS_MS,
  emptyBucket,
  MAX_ERROR_GROUPS,
  NODE_HEAD,
  periodStart,
  quantile,
  rollupCollection,
  rollupCollections,
  windowRange,
} from '../../store/metricsModel';
import { monthProjection } from '../../gateway/routes/metrics';

test('windows are aligned to their buckets and hold exactly their number of buckets', () => {
  const now = Date.parse('2026-12-02T05:42:31.000Z');
  const hour = windowRange('1h', now);
  expect(new Date(hour.to).toISOString()).toBe('2026-12-02T05:42:00.000Z');
  expect((hour.to - hour.from) / hour.bucketMs + 1).toBe(60);
  const month = windowRange('30d', now);
  expect(new Date(month.from).toISOString()).toBe('2026-11-03T00:00:00.000Z');
  expect(rollupCollections('d', month.from, month.to)).toEqual([
    'metrics_rollup_d_2026-11',
    'metrics_rollup_d_2026-12',
  ]);
  expect(rollupCollections('h', windowRange('7d', now).from, now)).toHaveLength(8);
});

test('a window is read from the fewest buckets that cover it exactly: whole days of a 7-day window as days', () => {
  const now = Date.parse('2026-12-02T05:42:31.000Z');
  const week = windowRange('7d', now);
  const spans = coveringSpans(week.resolution, week.from, week.to);
  const iso = (at: number) => new Date(at).toISOString();
  expect(spans.map((span) => [span.resolution, iso(span.from), iso(span.to)])).toEqual([
    ['h', '2026-11-25T06:00:00.000Z', '2026-11-25T23:00:00.000Z'],
    ['d', '2026-11-26T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['h', '2026-12-02T00:00:00.000Z', '2026-12-02T05:00:00.000Z'],
  ]);
  const count = (span: { resolution: 'm' | 'h' | 'd'; from: number; to: number }) =>
    (span.to - span.from) / RESOLUTION_MS[span.resolution] + 1;
  // Every hour of the window exactly once, whatever the hour it is now.
  for (let hour = 0; hour < 24; hour++) {
    const range = windowRange('7d', Date.parse('2026-12-02T00:10:00.000Z') + hour * 3_600_000);
    const covering = coveringSpans(range.resolution, range.from, range.to);
    const hours = covering.flatMap((span) => {
      const starts = [];
      for (let at = span.from; at <= span.to; at += RESOLUTION_MS[span.resolution])
        for (let h = at; h < at + RESOLUTION_MS[span.resolution]; h += 3_600_000) starts.push(h);
      return starts;
    });
    expect(hours).toHaveLength(168);
    expect(hours[0]).toBe(range.from);
    expect(hours.at(-1)).toBe(range.to);
    expect(new Set(hours).size).toBe(168);
    expect(covering.reduce((total, span) => total + count(span), 0)).toBeLessThanOrEqual(31);
  }
  // A window of minutes ending on the hour's last minute is one hourly bucket; one within a day stays as it is.
  const hour = windowRange('1h', Date.parse('2026-12-02T05:59:10.000Z'));
  expect(coveringSpans(hour.resolution, hour.from, hour.to)).toEqual([
    { resolution: 'h', from: Date.parse('2026-12-02T05:00:00.000Z'), to: Date.parse('2026-12-02T05:00:00.000Z') },
  ]);
  const day = windowRange('24h', now);
  expect(coveringSpans(day.resolution, day.from, day.to)).toEqual(
    [day].map(({ resolution, from, to }) => ({ resolution, from, to })),
  );
});

test("a bucket's series: its runs as they are, its executions by status per flow and kind", () => {
  const bucket = emptyBucket();
  addNode(bucket, 'f|a|v', 'succeeded', 3, 1024);
  addNode(bucket, 'f|b|v', 'failed', 3, 1024);
  addNode(bucket, 'f|b|draft', 'succeeded', 3, 1024);
  addNode(bucket, 'g|a|v', 'cancelled', 3, 1024);
  addRun(bucket, 'f|api|v', 'completed', 12);
  const series = seriesOf(bucket);
  expect(series.nodes).toEqual({ 'f|v': [1, 1, 0], 'f|draft': [1, 0, 0], 'g|v': [0, 0, 1] });
  expect(series.runs).toEqual(bucket.runs);
});

test('collection names read back to the start of their period', () => {
  for (const [resolution, at] of [
    ['m', '2026-12-02T05:00:00.000Z'],
    ['h', '2026-12-02T00:00:00.000Z'],
    ['d', '2026-12-01T00:00:00.000Z'],
  ] as const) {
    const name = rollupCollection(resolution, Date.parse(at) + 1_000);
    expect(periodStart(name)).toEqual({ kind: 'rollup', resolution, at: Date.parse(at) });
  }
  expect(periodStart('metrics_executions_2026-12-02')).toEqual({ kind: 'executions', at: Date.parse('2026-12-02') });
  expect(periodStart('metrics_series_h_2026-12-02')).toEqual({
    kind: 'rollup',
    resolution: 'h',
    at: Date.parse('2026-12-02'),
  });
  expect(periodStart('flows')).toBeUndefined();
});

test('quantiles from a histogram: within the bucket, never above the largest value', () => {
  const bucket = emptyBucket();
  for (const ms of [3, 4, 4, 4, 40]) addNode(bucket, 'f|n|v', 'succeeded', ms, 1024);
  const figures = bucket.nodes['f|n|v'];
  const histogram = figures.slice(NODE_HEAD, NODE_HEAD + DURATION_BOUNDS_MS.length + 1);
  const p50 = quantile(histogram, DURATION_BOUNDS_MS, 0.5, figures[4])!;
  expect(p50).toBeGreaterThan(2);
  expect(p50).toBeLessThanOrEqual(5);
  expect(quantile(histogram, DURATION_BOUNDS_MS, 0.99, figures[4])).toBeLessThanOrEqual(40);
  expect(quantile(histogram, DURATION_BOUNDS_MS, 0.99, figures[4])).toBeGreaterThan(25);
  expect(quantile([0, 0], [1], 0.5, 0)).toBeNull();
});

test('error groups are bounded per bucket and keep the recent runs', () => {
  const bucket = emptyBucket();
  for (let i = 0; i < MAX_ERROR_GROUPS + 10; i++)
    addError(bucket, 'f', 'n', 'CodeError', `message ${i}`, `run-${i}`, i);
  expect(Object.keys(bucket.errors)).toHaveLength(MAX_ERROR_GROUPS + 1);
  expect(bucket.errors['f|n|other|'].count).toBe(10);
  for (let i = 0; i < 8; i++) addError(bucket, 'f', 'n', 'CodeError', 'message 0', `again-${i}`, 1_000 + i);
  expect(bucket.errors['f|n|CodeError|message 0'].runIds).toEqual([
    'again-3',
    'again-4',
    'again-5',
    'again-6',
    'again-7',
  ]);
});

test('the month projection follows the pace so far', () => {
  const projection = monthProjection(100, new Date('2026-12-11T00:00:00.000Z'));
  expect(projection).toEqual({ projected: 310, daysInMonth: 31, elapsedDays: 10 });
});
