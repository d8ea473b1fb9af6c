import type { Request, Response } from 'express';
import type { z } from 'zod';
import {
  MetricsErrorsAnswer,
  MetricsNodesAnswer,
  MetricsSummaryAnswer,
  MetricsTimeseriesAnswer,
  MetricsUsageAnswer,
} from '../answers';
import { workspaceOf } from '../auth';
import type { MetricsReader } from '../../store/metricsReader';
import { INVALID_REQUEST, RouteRegistry } from '../routeRegistry';
import { MetricsErrorsQuery, MetricsQuery } from '../schemas';
import type { WorkspaceService } from '../workspaceService';

const tag = 'metrics';

function answer<T extends z.ZodType>(response: Response, schema: T, value: z.input<T>): void {
  response.json(schema.parse(value));
}

/** The month's projection at the current pace: what `used` becomes by the month's end. */
export function monthProjection(
  used: number,
  now: Date,
): { projected: number; daysInMonth: number; elapsedDays: number } {
  const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const elapsed = Math.max(now.getTime() - first, 60_000);
  return {
    projected: Math.round((used * (next - first)) / elapsed),
    daysInMonth: Math.round((next - first) / 86_400_000),
    elapsedDays: Math.round((elapsed / 86_400_000) * 100) / 100,
  };
}

/**
 * `GET /api/metrics/…`: the dashboard's panels, each read from the rollups of the caller's workspace (a flow of
 * another workspace has no figures there, so it reads as empty).
 */
export function registerMetricsRoutes(
  routes: RouteRegistry,
  reader: MetricsReader,
  workspaces: WorkspaceService,
): void {
  const panel = (
    path: string,
    summary: string,
    schema: z.ZodType,
    read: (request: Request, query: z.output<typeof MetricsQuery>) => Promise<unknown>,
  ) =>
    routes.add(
      {
        method: 'get',
        path,
        tag,
        query: MetricsQuery,
        summary,
        responses: { 200: { description: 'the panel', schema }, 400: INVALID_REQUEST },
      },
      async (request, response, { query }) => answer(response, schema, await read(request, query)),
    );

  panel(
    '/api/metrics/summary',
    'runs, executions, success rates and run duration percentiles in the window',
    MetricsSummaryAnswer,
    (request, query) => reader.summary({ workspace: workspaceOf(request), ...query }),
  );
  panel(
    '/api/metrics/timeseries',
    'runs and executions per bucket of the window (1-minute buckets for 1h, hours for 24h and 7d, days for 30d)',
    MetricsTimeseriesAnswer,
    (request, query) => reader.timeseries({ workspace: workspaceOf(request), ...query }),
  );
  panel(
    '/api/metrics/nodes',
    'per code node: executions, p50/p95/p99 duration, p95 memory',
    MetricsNodesAnswer,
    (request, query) => reader.nodes({ workspace: workspaceOf(request), ...query }),
  );
  routes.add(
    {
      method: 'get',
      path: '/api/metrics/errors',
      tag,
      query: MetricsErrorsQuery,
      summary: 'node errors grouped by message, most frequent first, with recent runs',
      responses: { 200: { description: 'the panel', schema: MetricsErrorsAnswer }, 400: INVALID_REQUEST },
    },
    async (request, response, { query }) =>
      answer(response, MetricsErrorsAnswer, await reader.errors({ workspace: workspaceOf(request), ...query })),
  );
  routes.add(
    {
      method: 'get',
      path: '/api/metrics/usage',
      tag,
      summary:
        "the workspace's executions this month against its plan's quota, per day, with a projection to the month's end",
      responses: { 200: { description: 'the panel', schema: MetricsUsageAnswer } },
    },
    async (request, response) => {
      const now = new Date();
      const workspace = await workspaces.get(workspaceOf(request));
      const used = workspace.usage.executions;
      const limit = workspace.limits.executionsPerMonth;
      const projection = monthProjection(used, now);
      answer(response, MetricsUsageAnswer, {
        period: workspace.usage.period,
        plan: workspace.plan,
        limit,
        used,
        ...projection,
        projectedExceedsLimit: projection.projected > limit,
        daily: await reader.dailyExecutions(workspace.id, now.getTime()),
      });
    },
  );
}
