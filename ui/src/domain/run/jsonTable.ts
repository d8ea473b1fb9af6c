/**
 * A JSON value as a table: an array of objects becomes one row per element and one column per (dotted) key path; an
 * object one row per leaf path; anything else a single cell. Bounded, so a large output stays a quick render.
 */

export interface JsonTable {
  columns: string[];
  rows: string[][];
  /** Rows left out past the limit. */
  moreRows: number;
  /** Columns left out past the limit. */
  moreColumns: number;
}

export interface TableLimits {
  rows: number;
  columns: number;
  /** How deep nested objects are spread into dotted columns; deeper values are shown as JSON. */
  depth: number;
}

const LIMITS: TableLimits = { rows: 200, columns: 30, depth: 3 };
const CELL = 200;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A leaf as text: strings as they are, other values as JSON, cut at 200 characters. */
export function cellText(value: unknown): string {
  const text = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > CELL ? `${text.slice(0, CELL - 1)}…` : text;
}

/** The leaves of an object under dotted paths (`a.b.c`), objects deeper than `depth` kept whole. */
export function flatten(value: unknown, depth = LIMITS.depth, prefix = ''): Array<[string, unknown]> {
  if (!isRecord(value) || depth === 0) return [[prefix || '(value)', value]];
  const entries = Object.entries(value);
  if (entries.length === 0) return [[prefix || '(value)', value]];
  return entries.flatMap(([key, inner]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return isRecord(inner) && Object.keys(inner).length > 0 ? flatten(inner, depth - 1, path) : [[path, inner]];
  });
}

export function jsonTable(value: unknown, limits: Partial<TableLimits> = {}): JsonTable {
  const { rows: maxRows, columns: maxColumns, depth } = { ...LIMITS, ...limits };
  if (Array.isArray(value)) {
    const shown = value.slice(0, maxRows);
    const flattened = shown.map((item) => new Map(flatten(item, depth)));
    const columns: string[] = [];
    const seen = new Set<string>();
    for (const row of flattened)
      for (const key of row.keys())
        if (!seen.has(key)) {
          seen.add(key);
          columns.push(key);
        }
    const kept = columns.slice(0, maxColumns);
    return {
      columns: ['#', ...kept],
      rows: flattened.map((row, index) => [
        String(index),
        ...kept.map((key) => (row.has(key) ? cellText(row.get(key)) : '')),
      ]),
      moreRows: value.length - shown.length,
      moreColumns: columns.length - kept.length,
    };
  }
  if (isRecord(value)) {
    const leaves = flatten(value, depth);
    return {
      columns: ['path', 'value'],
      rows: leaves.slice(0, maxRows).map(([path, leaf]) => [path, cellText(leaf)]),
      moreRows: Math.max(0, leaves.length - maxRows),
      moreColumns: 0,
    };
  }
  return { columns: ['value'], rows: [[cellText(value)]], moreRows: 0, moreColumns: 0 };
}
