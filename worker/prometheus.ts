/**
 * The worker's Prometheus endpoint: node and run histograms, runs started, the sandbox processes, and the Temporal
 * SDK's own worker metrics (its Rust core exports them on a loopback port; they are appended to this endpoint's
 * answer, so one scrape per worker reads everything). Labels are flow, node, trigger and status: bounded by the
 * flows that exist, never a run id.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DURATION_BOUNDS_MS, MEMORY_BOUNDS_BYTES } from '../store/metricsModel';
import type { NodeExecution } from '../store/metricsRecorder';
import type { RunMetricsEvent } from '../workflows/runMetrics';

const SECONDS = DURATION_BOUNDS_MS.map((ms) => ms / 1000);

export interface SandboxStats {
  processes: number;
  restarts: number;
  poolSize: number;
}

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly nodeDuration = new Histogram({
    name: 'nectar_node_duration_seconds',
    help: 'Code-node executions (attempts) by how long they ran',
    labelNames: ['flow', 'node', 'status'],
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly nodeMemory = new Histogram({
    name: 'nectar_node_memory_bytes',
    help: 'Code-node executions by the isolate heap they used',
    labelNames: ['flow', 'node'],
    buckets: MEMORY_BOUNDS_BYTES,
    registers: [this.registry],
  });
  private readonly runDuration = new Histogram({
    name: 'nectar_run_duration_seconds',
    help: 'Runs closed on this worker (saved versions) by how long they took, start to close',
    labelNames: ['flow', 'trigger', 'status'],
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly runsStarted = new Counter({
    name: 'nectar_worker_runs_started_total',
    help: 'Runs (saved versions) whose first workflow task this worker ran',
    labelNames: ['flow', 'trigger'],
    registers: [this.registry],
  });

  constructor(sandbox: () => SandboxStats | undefined) {
    collectDefaultMetrics({ register: this.registry, prefix: 'nectar_worker_' });
    const read = (pick: (stats: SandboxStats) => number) =>
      function (this: Gauge) {
        const stats = sandbox();
        if (stats) this.set(pick(stats));
      };
    new Gauge({
      name: 'nectar_sandbox_processes',
      help: 'Sandbox processes alive',
      registers: [this.registry],
      collect: read((stats) => stats.processes),
    });
    new Gauge({
      name: 'nectar_sandbox_pool_size',
      help: 'Sandbox process positions (NECTAR_SANDBOX_PROCESSES)',
      registers: [this.registry],
      collect: read((stats) => stats.poolSize),
    });
    new Counter({
      name: 'nectar_sandbox_restarts_total',
      help: 'Sandbox processes started to replace one that ended (crashed, killed as stuck)',
      registers: [this.registry],
      collect(this: Counter) {
        const stats = sandbox();
        if (!stats) return;
        this.reset();
        this.inc(stats.restarts);
      },
    });
  }

  node(execution: NodeExecution): void {
    if (execution.draft !== undefined) return;
    this.nodeDuration.observe(
      { flow: execution.flowId, node: execution.nodeId, status: execution.status },
      execution.durationMs / 1000,
    );
    this.nodeMemory.observe({ flow: execution.flowId, node: execution.nodeId }, execution.memoryBytes);
  }

  runStarted(event: RunMetricsEvent): void {
    if (event.draft === undefined) this.runsStarted.inc({ flow: event.flowId, trigger: event.trigger });
  }

  runClosed(event: RunMetricsEvent, durationMs: number): void {
    if (event.draft !== undefined || !event.status) return;
    this.runDuration.observe({ flow: event.flowId, trigger: event.trigger, status: event.status }, durationMs / 1000);
  }
}

/**
 * Serves `GET /metrics` on the port (a free one when it is taken); appends the SDK's metrics read from `sdkUrl`.
 * The address it listens on.
 */
export async function serveMetrics(
  metrics: WorkerMetrics,
  host: string,
  port: number,
  sdkUrl: string | undefined,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    void (async () => {
      const own = await metrics.registry.metrics();
      const sdk = sdkUrl
        ? await fetch(sdkUrl).then(
            (answer) => (answer.ok ? answer.text() : ''),
            () => '',
          )
        : '';
      response.writeHead(200, { 'content-type': metrics.registry.contentType });
      response.end(sdk ? `${own}\n${sdk}` : own);
    })().catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`);
    });
  });
  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(port);
  } catch {
    await listen(0);
  }
  server.unref();
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
