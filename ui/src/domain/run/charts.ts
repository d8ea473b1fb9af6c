/** Geometry of the dashboard's hand-written SVG charts (stacked columns, lines, a usage bar). Pure, unit-tested. */
import { niceTicks } from './scale';

export interface Column {
  index: number;
  x: number;
  width: number;
  /** One rectangle per series, bottom to top; empty series are left out. */
  parts: Array<{ series: number; y: number; height: number; value: number }>;
  total: number;
}

export interface ColumnChart {
  columns: Column[];
  /** The value axis: ticks and their y. */
  ticks: Array<{ value: number; y: number }>;
  max: number;
}

/** Columns of stacked series (`values[bucket][series]`) in a `width` × `height` plot. */
export function stackedColumns(values: number[][], width: number, height: number, gap = 0.2): ColumnChart {
  const totals = values.map((series) => series.reduce((sum, value) => sum + value, 0));
  const ticks = niceTicks(Math.max(1, ...totals), 4);
  const max = ticks.at(-1) ?? 1;
  const slot = values.length > 0 ? width / values.length : width;
  const barWidth = Math.max(1, slot * (1 - gap));
  const y = (value: number) => height - (value / max) * height;
  const columns = values.map((series, index): Column => {
    let base = 0;
    const parts: Column['parts'] = [];
    series.forEach((value, seriesIndex) => {
      if (value <= 0) return;
      parts.push({ series: seriesIndex, y: y(base + value), height: (value / max) * height, value });
      base += value;
    });
    return { index, x: index * slot + (slot - barWidth) / 2, width: barWidth, parts, total: totals[index] };
  });
  return { columns, ticks: ticks.map((value) => ({ value, y: y(value) })), max };
}

/** An SVG path through the points that have a value (a gap where a bucket has none), and its value axis. */
export function linePath(
  values: Array<number | null>,
  width: number,
  height: number,
): {
  path: string;
  ticks: Array<{ value: number; y: number }>;
  points: Array<{ index: number; x: number; y: number; value: number }>;
} {
  const present = values.filter((value): value is number => value !== null);
  const ticks = niceTicks(Math.max(1, ...present), 4);
  const max = ticks.at(-1) ?? 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  let path = '';
  let drawing = false;
  const points: Array<{ index: number; x: number; y: number; value: number }> = [];
  values.forEach((value, index) => {
    if (value === null) {
      drawing = false;
      return;
    }
    const x = values.length > 1 ? index * step : width / 2;
    const yValue = height - (value / max) * height;
    path += `${drawing ? 'L' : 'M'}${x.toFixed(1)} ${yValue.toFixed(1)} `;
    points.push({ index, x, y: yValue, value });
    drawing = true;
  });
  return { path: path.trim(), ticks: ticks.map((value) => ({ value, y: height - (value / max) * height })), points };
}

/** A bucket's label: its UTC time of day for minute and hour buckets, its month and day for day buckets. */
export function bucketLabel(at: string, bucketMs: number): string {
  return bucketMs >= 86_400_000 ? at.slice(5, 10) : at.slice(11, 16);
}

/** Widths (percent of the bar) of what is used and what the month's end is projected at; the bar is the quota. */
export function usageShares(
  used: number,
  projected: number,
  limit: number | null,
): { usedPercent: number; projectedPercent: number; over: boolean } {
  if (!limit || limit <= 0) return { usedPercent: 0, projectedPercent: 0, over: false };
  const share = (value: number) => Math.min(100, Math.max(0, (value / limit) * 100));
  return { usedPercent: share(used), projectedPercent: share(projected), over: projected > limit };
}
