/** The runs list's filters, kept in the page's query string so a filtered list has a URL (the dashboard links to it). */
import { RUN_TRIGGER_TYPES } from '../../../../flow/run';

export const RUN_STATUS_FILTERS = ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out'] as const;
export const TRIGGER_FILTERS = RUN_TRIGGER_TYPES;
/** Time windows, shared with the dashboard. */
export const WINDOWS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export type TimeWindow = keyof typeof WINDOWS;

export interface RunFilters {
  flowId?: string;
  status?: (typeof RUN_STATUS_FILTERS)[number];
  trigger?: (typeof RUN_TRIGGER_TYPES)[number];
  window?: TimeWindow;
}

function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return values.find((candidate) => candidate === value);
}

export function isWindow(value: string | null): value is TimeWindow {
  return value !== null && Object.hasOwn(WINDOWS, value);
}

export function parseFilters(search: string): RunFilters {
  const params = new URLSearchParams(search);
  const window = params.get('window');
  const filters: RunFilters = {
    flowId: params.get('flowId') || undefined,
    status: oneOf(RUN_STATUS_FILTERS, params.get('status')),
    trigger: oneOf(RUN_TRIGGER_TYPES, params.get('trigger')),
    window: isWindow(window) ? window : undefined,
  };
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined));
}

/** `?flowId=…&status=…` (empty for no filter), in a fixed order. */
export function filtersQuery(filters: RunFilters): string {
  const params = new URLSearchParams();
  for (const key of ['flowId', 'status', 'trigger', 'window'] as const) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The API query for a page of runs: the time window becomes `startedAfter`, relative to `now`. */
export function runListParams(filters: RunFilters, pageSize: number, pageToken?: string, now = Date.now()): string {
  const params = new URLSearchParams();
  if (filters.flowId) params.set('flowId', filters.flowId);
  if (filters.status) params.set('status', filters.status);
  if (filters.trigger) params.set('trigger', filters.trigger);
  if (filters.window) params.set('startedAfter', new Date(now - WINDOWS[filters.window]).toISOString());
  params.set('pageSize', String(pageSize));
  if (pageToken) params.set('pageToken', pageToken);
  return params.toString();
}
