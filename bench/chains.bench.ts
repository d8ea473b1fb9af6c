/**
 * `npm run bench -- chains`: a 40-node chain of light nodes run fused (one local activity for the chain) against the
 * same flow with `execution.fuseChains: false` (one local activity a node), on the whole product as `npm start` runs
 * it, by `POST /api/flows/:id/runs?wait=true` and by sync webhook, alternating the two flows run by run so both see
 * the same load. Prints medians, the ratio and the load average. BENCH_CHAIN_RUNS (default 15) sets the runs per row.
 */
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { startProduct, Product } from '../test/support/product';

const RUNS = Number(process.env.BENCH_CHAIN_RUNS ?? 15);
const LIGHT = 'return { y: (input && input.y || 0) + 1 };';

function chain(id: string, fuseChains: boolean): Record<string, unknown> {
  const nodes = Array.from({ length: 40 }, (_, i) => ({ id: `n${i}`, type: 'code', code: LIGHT }));
  const edges = nodes.slice(1).map((node, i) => ({ from: `n${i}`, to: node.id }));
  return {
    id,
    name: id,
    nodes,
    edges,
    execution: { fuseChains },
    triggers: [{ type: 'webhook', respond: 'sync' }],
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value: number) => `${value.toFixed(1)} ms`;
const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function timed(call: () => Promise<{ status: number; body: unknown }>): Promise<number> {
  const started = performance.now();
  const answer = await call();
  const elapsed = performance.now() - started;
  if (answer.status !== 200) throw new Error(`a chain run answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return elapsed;
}

async function hook(product: Product, flowId: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${product.baseUrl}/hooks/${flowId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"y":0}',
  });
  return { status: response.status, body: await response.text() };
}

export async function run(): Promise<void> {
  console.log(`chains: ${RUNS} runs per row, alternating; load average ${loadAverage()}`);
  const product = await startProduct({ env: { NECTAR_LOG_LEVEL: 'warn' } });
  const temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  try {
    const flows = { fused: 'chain40-fused', 'one by one': 'chain40-one-by-one' } as const;
    for (const [label, flowId] of Object.entries(flows)) {
      const saved = await product.request('POST', '/api/flows', chain(flowId, label === 'fused'));
      if (saved.status !== 201) throw new Error(`could not save ${flowId}: ${JSON.stringify(saved.body)}`);
    }
    const api = (flowId: string) => () =>
      product.request('POST', `/api/flows/${flowId}/runs?wait=true`, { input: { y: 0 } });
    const markers = async (flowId: string) => {
      const { runId } = (await api(flowId)()).body as { runId: string };
      const { events } = await temporal.workflow.getHandle(runId).fetchHistory();
      const local = (events ?? []).filter(
        (event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity',
      );
      const remote = (events ?? []).filter((event) => event.activityTaskScheduledEventAttributes);
      return `${local.length} local activities, ${remote.length} activities`;
    };
    // The first runs measure the nodes (light once measured fast) and warm the isolates and caches.
    for (let i = 0; i < 3; i++) for (const flowId of Object.values(flows)) await timed(api(flowId));
    const samples: Record<string, { api: number[]; hook: number[] }> = {
      fused: { api: [], hook: [] },
      'one by one': { api: [], hook: [] },
    };
    for (let i = 0; i < RUNS; i++) {
      for (const [label, flowId] of Object.entries(flows)) {
        samples[label].api.push(await timed(api(flowId)));
        samples[label].hook.push(await timed(() => hook(product, flowId)));
      }
    }
    for (const row of ['api', 'hook'] as const) {
      const fused = median(samples.fused[row]);
      const oneByOne = median(samples['one by one'][row]);
      const how = row === 'api' ? 'API run with wait' : 'sync webhook';
      console.log(
        `40-node chain of light nodes, ${how} (median of ${RUNS}): fused ${ms(fused)}, one by one ${ms(oneByOne)} → ` +
          `${(oneByOne / fused).toFixed(2)}× faster fused`,
      );
    }
    for (const [label, flowId] of Object.entries(flows)) console.log(`  a run ${label}: ${await markers(flowId)}`);
    console.log(`load average ${loadAverage()}`);
  } finally {
    await temporal.connection.close();
    await product.stop();
  }
}
