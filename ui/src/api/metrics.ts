/** The dashboard's figures (`GET /api/metrics/…`), one call per panel so each loads on its own. */
import type { TimeWindow } from '../domain/run/runFilters';
import { call } from './client';
import type {
  MetricsErrorsAnswer,
  MetricsNodesAnswer,
  MetricsSummaryAnswer,
  MetricsTimeseriesAnswer,
  MetricsUsageAnswer,
} from '../../../gateway/answers';

function query(window: TimeWindow, flowId: string | undefined, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ window, ...extra });
  if (flowId) params.set('flowId', flowId);
  return params.toString();
}

export const metricsApi = {
  summary: (window: TimeWindow, flowId?: string) =>
    call<MetricsSummaryAnswer>('GET', `/api/metrics/summary?${query(window, flowId)}`),
  timeseries: (window: TimeWindow, flowId?: string) =>
    call<MetricsTimeseriesAnswer>('GET', `/api/metrics/timeseries?${query(window, flowId)}`),
  nodes: (window: TimeWindow, flowId?: string) =>
    call<MetricsNodesAnswer>('GET', `/api/metrics/nodes?${query(window, flowId)}`),
  errors: (window: TimeWindow, flowId?: string) =>
    call<MetricsErrorsAnswer>('GET', `/api/metrics/errors?${query(window, flowId, { limit: '10' })}`),
  usage: () => call<MetricsUsageAnswer>('GET', '/api/metrics/usage'),
};
