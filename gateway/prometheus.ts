/**
 * The gateway's Prometheus endpoint (`GET /metrics`, admin key): runs by flow, trigger and final status, counted by
 * the workers into the store (every gateway reports the same totals, and they survive restarts), runs started, the
 * webhook journal's backlog, and each workspace's quota use. Labels are flow, trigger, status and workspace: never a
 * run id.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsReader } from '../store/metricsReader';
import type { WorkspaceService } from './workspaceService';

const CLOSED = ['completed', 'failed', 'cancelled'] as const;

export interface GatewayMetricsSources {
  reader: MetricsReader;
  workspaces: WorkspaceService;
  /** Accepted webhook deliveries whose runs have not started (undefined without the journal). */
  journalBacklog?: () => number;
  /** Request-body bytes the gateway is reading and holding now (its NECTAR_BODY_BYTES_IN_FLIGHT budget's use). */
  bodyBytesInFlight?: () => number;
  /** The metrics of the worker beside the gateway (eager start), answered with the gateway's. */
  worker?: Registry;
}

export function gatewayRegistry(sources: GatewayMetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'nectar_gateway_' });
  new Counter({
    name: 'nectar_runs_total',
    help: 'Runs of saved versions that closed, by flow, trigger and final status (all workers, since the store began)',
    labelNames: ['flow', 'trigger', 'status'],
    registers: [registry],
    async collect(this: Counter<'flow' | 'trigger' | 'status'>) {
      this.reset();
      for (const [key, totals] of await sources.reader.runTotals()) {
        const [, flow, trigger] = key.split('|');
        CLOSED.forEach((status, index) => {
          if (totals[index + 1] > 0) this.inc({ flow, trigger, status }, totals[index + 1]);
        });
      }
    },
  });
  new Counter({
    name: 'nectar_runs_started_total',
    help: 'Runs of saved versions started, by flow and trigger (all workers)',
    labelNames: ['flow', 'trigger'],
    registers: [registry],
    async collect(this: Counter<'flow' | 'trigger'>) {
      this.reset();
      for (const [key, totals] of await sources.reader.runTotals()) {
        const [, flow, trigger] = key.split('|');
        if (totals[0] > 0) this.inc({ flow, trigger }, totals[0]);
      }
    },
  });
  new Gauge({
    name: 'nectar_webhook_journal_backlog',
    help: 'Webhook deliveries accepted (journaled) whose runs have not started yet',
    registers: [registry],
    collect(this: Gauge) {
      this.set(sources.journalBacklog?.() ?? 0);
    },
  });
  new Gauge({
    name: 'nectar_gateway_body_bytes_in_flight',
    help: 'Request-body bytes the gateway is reading and holding now (within NECTAR_BODY_BYTES_IN_FLIGHT)',
    registers: [registry],
    collect(this: Gauge) {
      this.set(sources.bodyBytesInFlight?.() ?? 0);
    },
  });
  const limit = new Gauge({
    name: 'nectar_quota_limit_executions',
    help: "Executions a month each workspace's plan allows",
    labelNames: ['workspace'],
    registers: [registry],
  });
  new Gauge({
    name: 'nectar_quota_used_executions',
    help: 'Executions each workspace has used this month (UTC)',
    labelNames: ['workspace'],
    registers: [registry],
    async collect(this: Gauge<'workspace'>) {
      this.reset();
      limit.reset();
      for (const workspace of await sources.workspaces.list()) {
        this.set({ workspace: workspace.id }, workspace.usage.executions);
        limit.set({ workspace: workspace.id }, workspace.limits.executionsPerMonth);
      }
    },
  });
  return sources.worker ? Registry.merge([registry, sources.worker]) : registry;
}
