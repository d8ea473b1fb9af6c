/**
 * Execution metrics end to end: runs recorded by the worker, the dashboard's figures from the rollups
 * (`GET /api/metrics/…`), and both Prometheus endpoints read with a real parser.
 */
import { freePort } from '../../common/processes';
import { eventually, Product, startProduct } from '../support/product';
import { parsePrometheus, sample } from '../support/prometheusText';

let product: Product;
let workerMetricsPort: number;

const FLOW = {
  id: 'metered',
  name: 'Metered',
  nodes: [
    {
      id: 'work',
      type: 'code',
      code: 'if (input && input.fail) throw new Error("card declined"); return { ok: input.n };',
    },
  ],
};

interface Ran {
  runId: string;
  status: string;
  durationMs: number;
}

async function run(input: unknown): Promise<Ran> {
  const response = await product.request('POST', `/api/flows/${FLOW.id}/runs?wait=true&timeoutMs=120000`, { input });
  expect(response.status).toBe(200);
  const read = await product.request('GET', `/api/runs/${response.body.runId}`);
  return { runId: response.body.runId, status: read.body.status, durationMs: read.body.nodes[0].durationMs };
}

async function gatewayMetrics() {
  const response = await fetch(`${product.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${product.adminKey}` },
  });
  expect(response.status).toBe(200);
  return parsePrometheus(await response.text());
}

async function workerMetrics() {
  const response = await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`);
  expect(response.status).toBe(200);
  return parsePrometheus(await response.text());
}

const ranRuns: Ran[] = [];

beforeAll(async () => {
  workerMetricsPort = await freePort();
  product = await startProduct({ env: { NECTAR_WORKER_METRICS_PORT: String(workerMetricsPort) } });
  expect((await product.request('POST', '/api/flows', FLOW)).status).toBe(201);
  for (let n = 0; n < 10; n++) ranRuns.push(await run(n % 3 === 2 && n < 9 ? { fail: true, n } : { n }));
}, 300_000);

afterAll(async () => {
  await product?.stop();
});

test('the runs made: 7 completed, 3 failed', () => {
  expect(ranRuns.filter((ran) => ran.status === 'completed')).toHaveLength(7);
  expect(ranRuns.filter((ran) => ran.status === 'failed')).toHaveLength(3);
});

test('the dashboard shows 10 executions, 70 %, and the thrown error 3 times', async () => {
  const summary = await eventually(async () => {
    const response = await product.request('GET', `/api/metrics/summary?window=1h&flowId=${FLOW.id}`);
    expect(response.status).toBe(200);
    return response.body.runs.total === 10 ? response.body : undefined;
  }, 60_000);
  expect(summary.runs).toEqual({ total: 10, completed: 7, failed: 3, cancelled: 0, successRate: 0.7 });
  expect(summary.executions).toMatchObject({ total: 10, succeeded: 7, failed: 3, successRate: 0.7 });
  expect(summary.runDurationMs.p50).toBeGreaterThan(0);

  const workspace = await product.request('GET', '/api/metrics/summary?window=24h');
  expect(workspace.body.runs).toMatchObject({ total: 10, successRate: 0.7 });

  const errors = await product.request('GET', `/api/metrics/errors?window=24h&flowId=${FLOW.id}`);
  expect(errors.body.errors[0]).toMatchObject({
    message: 'card declined',
    type: 'CodeError',
    flowId: FLOW.id,
    nodeId: 'work',
    count: 3,
  });
  const failedRuns = ranRuns.filter((ran) => ran.status === 'failed').map((ran) => ran.runId);
  expect([...errors.body.errors[0].runIds].sort()).toEqual([...failedRuns].sort());

  const nodes = await product.request('GET', '/api/metrics/nodes?window=7d');
  expect(nodes.body.nodes).toEqual([
    expect.objectContaining({ flowId: FLOW.id, nodeId: 'work', executions: 10, succeeded: 7, failed: 3 }),
  ]);
  expect(nodes.body.nodes[0].durationMs.p95).toBeGreaterThan(0);
  expect(nodes.body.nodes[0].memoryBytes.p95).toBeGreaterThan(0);

  const series = await product.request('GET', `/api/metrics/timeseries?window=1h&flowId=${FLOW.id}`);
  expect(series.body.buckets).toHaveLength(60);
  const sum = (pick: (bucket: any) => number) =>
    series.body.buckets.reduce((total: number, b: any) => total + pick(b), 0);
  expect(sum((bucket) => bucket.runs.completed)).toBe(7);
  expect(sum((bucket) => bucket.runs.failed)).toBe(3);

  const usage = await product.request('GET', '/api/metrics/usage');
  expect(usage.body.used).toBeGreaterThanOrEqual(10);
  expect(usage.body.daily.reduce((total: number, day: any) => total + day.executions, 0)).toBe(10);
  expect(usage.body.projected).toBeGreaterThanOrEqual(usage.body.used);
});

test('another workspace sees none of it, and bad queries are 400 naming the field', async () => {
  await product.request('POST', '/api/workspaces', { id: 'elsewhere', name: 'Elsewhere' });
  const key = await product.request('POST', '/api/workspaces/elsewhere/keys', { name: 'k' });
  const other = await product.request('GET', `/api/metrics/summary?window=1h&flowId=${FLOW.id}`, undefined, {
    authorization: `Bearer ${key.body.key}`,
  });
  expect(other.status).toBe(200);
  expect(other.body.runs.total).toBe(0);
  const bad = await product.request('GET', '/api/metrics/summary?window=2h');
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body.error.problems)).toContain('window');
});

test('Prometheus: closed runs counted exactly, histograms hold the runs, the SDK and sandbox metrics are there', async () => {
  const counted = (families: ReturnType<typeof parsePrometheus>, status: string) =>
    Number(sample(families, 'nectar_runs_total', { flow: FLOW.id, trigger: 'api', status })?.value ?? 0);
  const before = await eventually(async () => {
    const families = await gatewayMetrics();
    return counted(families, 'completed') === 7 && counted(families, 'failed') === 3 ? families : undefined;
  }, 60_000);
  expect(Number(sample(before, 'nectar_runs_started_total', { flow: FLOW.id, trigger: 'api' })?.value)).toBe(10);

  // Runs execute in the worker process, or (eager start) in the worker beside the gateway: both endpoints together.
  const [worker, gateway] = [await workerMetrics(), await gatewayMetrics()];
  const total = (name: string, labels: Record<string, string> = {}) =>
    [worker, gateway]
      .flatMap((families) => families.find((family) => family.name === name)?.metrics ?? [])
      .filter((metric) => Object.entries({ flow: FLOW.id, ...labels }).every(([k, v]) => metric.labels?.[k] === v))
      .reduce((sum, metric) => sum + Number(metric.value), 0);
  expect(total('nectar_node_duration_seconds_count')).toBe(10);
  expect(total('nectar_node_memory_bytes_count')).toBe(10);
  const recordedSeconds = total('nectar_node_duration_seconds_sum');
  const expectedSeconds = ranRuns.reduce((sum, ran) => sum + ran.durationMs, 0) / 1000;
  expect(recordedSeconds).toBeCloseTo(expectedSeconds, 6);
  expect(total('nectar_run_duration_seconds_count', { status: 'completed' })).toBe(7);
  expect(total('nectar_node_duration_seconds_bucket', { status: 'failed', le: '+Inf' })).toBe(3);
  expect(Number(sample(worker, 'nectar_sandbox_pool_size')?.value)).toBeGreaterThan(0);
  expect(worker.some((family) => family.name.startsWith('temporal_'))).toBe(true);

  // Two more runs: the counter rises by exactly two.
  await run({ n: 100 });
  await run({ n: 101 });
  await eventually(async () => (counted(await gatewayMetrics(), 'completed') === 9 ? true : undefined), 60_000);
  expect(counted(await gatewayMetrics(), 'failed')).toBe(3);

  const anonymous = await fetch(`${product.baseUrl}/metrics`);
  expect(anonymous.status).toBe(401);
});
