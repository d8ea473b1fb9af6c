/**
 * Eager start: the runs the gateway waits for (sync webhooks, `?wait=true`) start in the worker beside it, with their
 * first workflow task handed back by the start call. Such a run ends as one started normally does — same output,
 * same history shape, same summaries in the Web UI — and a gateway killed in the middle of one leaves it to another
 * worker, which finishes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal as temporalProto } from '@temporalio/proto';
import { chainSummary } from '../../flow/chains';
import { eventually, Product, startProduct, untilHealthy } from '../support/product';

/** The nodes of a long entry chain, in order. */
const ENTRY_CHAIN = Array.from({ length: 40 }, (_, i) => `step${i}`);

let product: Product;
let temporal: Client;

/** The gateway's debug lines about the runs it started for a waiting caller. */
function awaitedStarts(): { runId: string; eagerlyStarted: boolean }[] {
  const file = path.join(product.dataDir, 'logs', 'gateway.log');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"awaited run started"'))
    .map((line) => JSON.parse(line) as { runId: string; eagerlyStarted: boolean });
}

async function history(runId: string): Promise<temporalProto.api.history.v1.IHistoryEvent[]> {
  return (await temporal.workflow.getHandle(runId).fetchHistory()).events ?? [];
}

/** Who started each workflow task of a history, in order. */
function startedBy(events: temporalProto.api.history.v1.IHistoryEvent[]): string[] {
  return events.flatMap((event) => event.workflowTaskStartedEventAttributes?.identity ?? []);
}

/** What the Web UI shows of a run's history: each event's type and summary, in order. */
async function shape(runId: string): Promise<{ type: string; summary?: string }[]> {
  return (await history(runId)).map((event) => {
    const type = temporalProto.api.enums.v1.EventType[event.eventType ?? 0].replace(/^EVENT_TYPE_/, '');
    const summary = event.userMetadata?.summary;
    return summary ? { type, summary: defaultPayloadConverter.fromPayload<string>(summary) } : { type };
  });
}

beforeAll(async () => {
  product = await startProduct({ env: { NECTAR_LOG_LEVEL: 'debug' } });
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  const flow = (id: string, code: string, respond: 'sync' | 'async') => ({
    id,
    name: id,
    // Every node local, whatever a worker has measured of it: the shape then depends on how the run started only.
    execution: { localActivities: true },
    nodes: [{ id: 'double', name: 'Double it', type: 'code', code }],
    triggers: [{ type: 'webhook', respond }],
  });
  for (const [id, code, respond] of [
    ['eager-sync', 'return { doubled: input.body.n * 2 };', 'sync'],
    [
      'eager-slow',
      'const until = Date.now() + 4000; while (Date.now() < until) {} return { slow: input.body.n };',
      'sync',
    ],
  ] as const) {
    const saved = await product.request('PUT', `/api/flows/${id}`, flow(id, code, respond));
    expect(saved.status).toBe(200);
  }
  // Light nodes that take a while (about 60 ms of CPU each, under the light threshold): their entry chain runs for
  // seconds inside the plan, long enough to kill the process running it.
  const nodes = ENTRY_CHAIN.map((id) => ({
    id,
    type: 'code',
    code: 'const until = Date.now() + 60; while (Date.now() < until) {} return { count: (input.count ?? 0) + 1 };',
  }));
  const long = {
    id: 'entry-long',
    name: 'entry-long',
    nodes,
    edges: nodes.slice(1).map((node, i) => ({ from: nodes[i].id, to: node.id })),
    triggers: [{ type: 'webhook', respond: 'sync' }],
  };
  expect((await product.request('PUT', '/api/flows/entry-long', long)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await temporal?.connection.close();
  await product?.stop();
});

test('a sync webhook run starts eagerly in the gateway and ends as a normally started run does', async () => {
  // A first run measures the node: light from then on, it runs along with the plan (flow/entryChain.ts) in both runs.
  expect(
    (await product.request('POST', '/api/flows/eager-sync/runs?wait=true', { input: { body: { n: 1 } } })).status,
  ).toBe(200);
  const hook = await product.request('POST', '/hooks/eager-sync', { n: 21 }, { 'content-type': 'application/json' });
  expect(hook.status).toBe(200);
  expect(hook.body).toEqual({ doubled: 42 });
  const eagerRunId = hook.headers.get('x-nectar-run-id')!;
  await eventually(async () => awaitedStarts().find((line) => line.runId === eagerRunId) ?? undefined, 30_000);
  expect(awaitedStarts().find((line) => line.runId === eagerRunId)?.eagerlyStarted).toBe(true);

  // The same flow started normally (the API without wait), with the same input.
  const started = await product.request('POST', '/api/flows/eager-sync/runs', {
    input: { method: 'POST', body: { n: 21 } },
  });
  expect(started.status).toBe(202);
  const normalRunId = started.body.runId as string;
  await temporal.workflow.getHandle(normalRunId).result();
  expect(awaitedStarts().some((line) => line.runId === normalRunId)).toBe(false);

  const [eagerRun, normalRun] = await Promise.all(
    [eagerRunId, normalRunId].map(async (runId) => (await product.request('GET', `/api/runs/${runId}`)).body),
  );
  expect(eagerRun.status).toBe('completed');
  expect(eagerRun.output).toEqual({ doubled: 42 });
  expect(normalRun.output).toEqual(eagerRun.output);
  expect(normalRun.nodes.map((node: { id: string; status: string }) => [node.id, node.status])).toEqual(
    eagerRun.nodes.map((node: { id: string; status: string }) => [node.id, node.status]),
  );

  // One workflow task: started, the plan running the node along as one local activity (its marker names the node),
  // completed.
  const eagerShape = await shape(eagerRunId);
  expect(eagerShape).toEqual(await shape(normalRunId));
  expect(eagerShape.filter((event) => event.type === 'WORKFLOW_TASK_STARTED')).toHaveLength(1);
  const summaries = eagerShape.filter((event) => event.type === 'MARKER_RECORDED' && event.summary);
  expect(summaries.map((event) => event.summary)).toEqual(['load flow definition, then double: Double it when light']);
  // The eager task was started by the gateway (the server names the starter's identity on it).
  expect(startedBy(await history(eagerRunId))[0]).toMatch(new RegExp(`^${product.pidOf('gateway')}@`));
}, 120_000);

test('an API run with wait=true starts eagerly too', async () => {
  const answer = await product.request('POST', '/api/flows/eager-sync/runs?wait=true', {
    input: { method: 'POST', body: { n: 5 } },
  });
  expect(answer.status).toBe(200);
  expect(answer.body.output).toEqual({ doubled: 10 });
  await eventually(async () => awaitedStarts().find((line) => line.runId === answer.body.runId), 30_000);
  expect(awaitedStarts().find((line) => line.runId === answer.body.runId)?.eagerlyStarted).toBe(true);
}, 120_000);

test('a gateway killed in the middle of an eager run leaves it to another worker, which finishes it', async () => {
  const gateway = product.pidOf('gateway');
  const before = awaitedStarts().length;
  const answer = fetch(`${product.baseUrl}/hooks/eager-slow`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ n: 7 }),
  }).then(
    (response) => response.status,
    () => 'cut' as const,
  );
  const line = await eventually(async () => awaitedStarts().slice(before)[0], 60_000);
  expect(line.eagerlyStarted).toBe(true);
  process.kill(gateway, 'SIGKILL');
  expect(await answer).toBe('cut');

  const result = await temporal.workflow.getHandle(line.runId).result();
  expect(result.output).toEqual({ slow: 7 });
  const events = await history(line.runId);
  const identities = startedBy(events);
  // The dead gateway's task timed out; a live worker (the worker process, or the restarted gateway's) took it over.
  expect(identities[0]).toMatch(new RegExp(`^${gateway}@`));
  expect(identities.at(-1)).not.toContain(`${gateway}@`);
  expect(events.some((event) => event.workflowTaskTimedOutEventAttributes)).toBe(true);
  // The launcher has restarted the gateway, which answers again.
  await untilHealthy(product, 90_000);
}, 180_000);

test('a gateway killed in the middle of an entry chain leaves the run to another worker, which runs the chain again', async () => {
  // A first run measures the nodes (one regular activity each); from then on the whole chain runs along with the plan.
  const first = await product.request('POST', '/hooks/entry-long', {}, { 'content-type': 'application/json' });
  expect(first.status).toBe(200);
  expect(first.body).toEqual({ count: ENTRY_CHAIN.length });
  await untilHealthy(product, 90_000);
  const gateway = product.pidOf('gateway');
  const before = awaitedStarts().length;
  const answer = fetch(`${product.baseUrl}/hooks/entry-long`, { method: 'POST' }).then(
    (response) => response.status,
    () => 'cut' as const,
  );
  const line = await eventually(async () => awaitedStarts().slice(before)[0], 60_000);
  expect(line.eagerlyStarted).toBe(true);
  // The chain takes 40 × 60 ms: killed well inside it.
  await new Promise((resolve) => setTimeout(resolve, 600));
  process.kill(gateway, 'SIGKILL');
  expect(await answer).toBe('cut');

  const result = await temporal.workflow.getHandle(line.runId).result();
  expect(result.output).toEqual({ count: ENTRY_CHAIN.length });
  const events = await history(line.runId);
  const identities = startedBy(events);
  expect(identities[0]).toMatch(new RegExp(`^${gateway}@`));
  expect(identities.at(-1)).not.toContain(`${gateway}@`);
  expect(events.some((event) => event.workflowTaskTimedOutEventAttributes)).toBe(true);
  // The live worker ran the plan with the chain again, whole: one local activity, no node of its own.
  const runShape = await shape(line.runId);
  expect(runShape.some((event) => event.type === 'ACTIVITY_TASK_SCHEDULED')).toBe(false);
  const markers = runShape.filter((event) => event.type === 'MARKER_RECORDED' && event.summary);
  expect(markers.map((event) => event.summary)).toEqual([
    `load flow definition, then ${chainSummary(ENTRY_CHAIN)} when light`,
  ]);
  // Every node of the chain succeeded, in order.
  const run = (await product.request('GET', `/api/runs/${line.runId}`)).body;
  expect(run.status).toBe('completed');
  expect(run.nodes.map((node: { id: string; status: string }) => [node.id, node.status])).toEqual(
    ENTRY_CHAIN.map((id) => [id, 'succeeded']),
  );
}, 240_000);
