/**
 * The async webhook journal: a delivery on disk but not yet started when the gateway stopped is started by the next
 * gateway, with the run id its 202 named; a delivery marked started is not started again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_WORKSPACE } from '../../flow/ids';
import { newRunId } from '../../gateway/runService';
import { eventually, Product, startProduct } from '../support/product';

let product: Product | undefined;

afterAll(async () => {
  await product?.stop();
});

test('deliveries journaled before a stop become runs after the restart, exactly once', async () => {
  product = await startProduct();
  const flow = {
    id: 'journaled',
    name: 'journaled',
    nodes: [{ id: 'a', type: 'code', code: 'return { n: input.body.n };' }],
    triggers: [{ type: 'webhook' }],
  };
  expect((await product.request('PUT', '/api/flows/journaled', flow)).status).toBe(200);
  const live = await fetch(`${product.baseUrl}/hooks/journaled`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"n":1}',
  });
  expect(live.status).toBe(202);
  const { runId: liveRunId } = (await live.json()) as { runId: string };
  await eventually(async () =>
    (await product!.request('GET', `/api/runs/${liveRunId}`)).body.status === 'completed' ? true : undefined,
  );
  const dataDir = product.dataDir;
  await product.stop();

  // What a crash right after the fsync (before the start) leaves behind, and an entry whose start was recorded.
  const run = (n: number) => ({
    runId: newRunId('journaled'),
    flowId: 'journaled',
    flowVersion: 1,
    workspace: DEFAULT_WORKSPACE,
    trigger: {
      type: 'webhook',
      source: 'POST /hooks/journaled',
      payload: { method: 'POST', path: '/', query: {}, headers: {}, body: { n } },
    },
    acceptedAt: new Date().toISOString(),
  });
  const unstarted = run(2);
  const recorded = run(3);
  const file = path.join(dataDir, 'webhook-journal', 'accepted.jsonl');
  fs.appendFileSync(
    file,
    [
      { t: 'A', run: unstarted },
      { t: 'A', run: recorded },
      { t: 'S', runId: recorded.runId },
    ]
      .map((line) => `${JSON.stringify(line)}\n`)
      .join('') + '{"t":"A","run":{"runId":"torn',
  );

  product = await startProduct({ dataDir, adminKey: product.adminKey });
  const restarted = product;
  const replayed = await eventually(async () => {
    const read = await restarted.request('GET', `/api/runs/${unstarted.runId}`);
    return read.body.status === 'completed' ? read.body : undefined;
  });
  expect(replayed).toMatchObject({ flowId: 'journaled', trigger: 'webhook', output: { n: 2 } });
  expect((await restarted.request('GET', `/api/runs/${recorded.runId}`)).status).toBe(404);
  expect((await restarted.request('GET', `/api/runs/${liveRunId}`)).body.output).toEqual({ n: 1 });
  const runs = await eventually(async () => {
    const listed = (await restarted.request('GET', '/api/runs?flowId=journaled')).body.runs;
    return listed.length >= 2 ? listed : undefined;
  });
  expect(runs.map((listed: { runId: string }) => listed.runId).sort()).toEqual([liveRunId, unstarted.runId].sort());
});
