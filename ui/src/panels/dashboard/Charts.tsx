/** The dashboard's charts, hand-written SVG (smaller than any charting library): stacked columns and a line. */
import { bucketLabel, linePath, stackedColumns } from '../../domain/run/charts';

const WIDTH = 640;
const HEIGHT = 160;
const LEFT = 44;
const BOTTOM = 20;
/** Room above the plot for the top tick's label. */
const TOP = 8;

export interface Series {
  name: string;
  className: string;
}

function labelsEvery(count: number): number {
  return Math.max(1, Math.ceil(count / 8));
}

function XLabels({ at, bucketMs, x }: { at: string[]; bucketMs: number; x: (index: number) => number }) {
  const every = labelsEvery(at.length);
  return (
    <g className="chart-x">
      {at.map((time, index) =>
        index % every === 0 ? (
          <text key={time} x={LEFT + x(index)} y={HEIGHT + 14} textAnchor="middle">
            {bucketLabel(time, bucketMs)}
          </text>
        ) : null,
      )}
    </g>
  );
}

function YAxis({ ticks, format }: { ticks: Array<{ value: number; y: number }>; format: (value: number) => string }) {
  return (
    <g className="chart-y">
      {ticks.map((tick) => (
        <g key={tick.value}>
          <line x1={LEFT} x2={LEFT + WIDTH} y1={tick.y} y2={tick.y} />
          <text x={LEFT - 4} y={tick.y + 4} textAnchor="end">
            {format(tick.value)}
          </text>
        </g>
      ))}
    </g>
  );
}

/** Stacked columns, one per bucket; `values[bucket][series]`. */
export function ColumnsChart({
  label,
  at,
  bucketMs,
  series,
  values,
}: {
  label: string;
  at: string[];
  bucketMs: number;
  series: Series[];
  values: number[][];
}) {
  const chart = stackedColumns(values, WIDTH, HEIGHT);
  return (
    <figure className="chart">
      <svg viewBox={`0 ${-TOP} ${LEFT + WIDTH + 4} ${HEIGHT + BOTTOM + TOP}`} role="img" aria-label={label}>
        <YAxis ticks={chart.ticks} format={String} />
        {chart.columns.map((column) => (
          <g key={column.index}>
            <title>{`${at[column.index]}: ${series.map((s, index) => `${values[column.index][index]} ${s.name}`).join(', ')}`}</title>
            {column.parts.map((part) => (
              <rect
                key={part.series}
                className={series[part.series].className}
                x={LEFT + column.x}
                y={part.y}
                width={column.width}
                height={Math.max(part.height, 0.5)}
              />
            ))}
          </g>
        ))}
        <XLabels at={at} bucketMs={bucketMs} x={(index) => chart.columns[index].x + chart.columns[index].width / 2} />
      </svg>
      <figcaption>
        {series.map((s) => (
          <span key={s.name}>
            <span className={`swatch ${s.className}`} /> {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** One line over the buckets; a bucket without a value leaves a gap. */
export function LineChart({
  label,
  at,
  bucketMs,
  values,
  format,
}: {
  label: string;
  at: string[];
  bucketMs: number;
  values: Array<number | null>;
  format: (value: number) => string;
}) {
  const { path, ticks, points } = linePath(values, WIDTH, HEIGHT);
  const step = values.length > 1 ? WIDTH / (values.length - 1) : 0;
  return (
    <figure className="chart">
      <svg viewBox={`0 ${-TOP} ${LEFT + WIDTH + 4} ${HEIGHT + BOTTOM + TOP}`} role="img" aria-label={label}>
        <YAxis ticks={ticks} format={format} />
        <g transform={`translate(${LEFT} 0)`}>
          <path d={path} className="chart-line" />
          {points.map((point) => (
            <circle key={point.index} cx={point.x} cy={point.y} r={2.5} className="chart-dot">
              <title>{`${at[point.index]}: ${format(point.value)}`}</title>
            </circle>
          ))}
        </g>
        <XLabels at={at} bucketMs={bucketMs} x={(index) => index * step} />
      </svg>
    </figure>
  );
}
