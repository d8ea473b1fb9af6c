/**
 * Error handler flows end to end, on the whole product: a failed run starts its flow's (or its workspace's) handler
 * flow exactly once, with the failure as its input; handler runs, successful runs and runs that opt out start none;
 * a handler that cannot start leaves the run failed with the reason; a reset (re-executed) or crashed run starts no
 * second handler.
 */
import { Client, Connection } from '@temporalio/client';
import { sleep } from '../../common/processes';
import { Product, eventually, killRunWorkers, startProduct } from '../support/product';

let product: Product;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  product = await startProduct();
  connection = await Connection.connect({ address: `127.0.0.1:${product.ports.temporal}` });
  client = new Client({ connection });
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await product?.stop();
});

const code = (id: string, source: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'code',
  code: source,
  ...extra,
});

/** Returns what it was given: a handler run's output is its input. */
const RECORDER = [code('record', 'return { received: input, trigger: context.trigger.type };')];

async function saveFlow(flow: Record<string, unknown>, workspace?: string): Promise<void> {
  const response = await call('POST', '/api/flows', { edges: [], name: String(flow.id), ...flow }, workspace);
  expect(response.body).toEqual({ id: flow.id, version: 1 });
}

function call(method: string, path: string, body?: unknown, workspace?: string) {
  if (!workspace) return product.request(method, path, body);
  return product.request(method, path, body, {
    authorization: `Bearer ${product.adminKey}`,
    'x-nectar-workspace': workspace,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  });
}

async function runToEnd(flowId: string, input: unknown, workspace?: string): Promise<any> {
  const started = await call('POST', `/api/flows/${flowId}/runs`, { input }, workspace);
  expect(started.status).toBe(202);
  return closedRun(started.body.runId as string, workspace);
}

async function closedRun(runId: string, workspace?: string): Promise<any> {
  return eventually(async () => {
    const run = (await call('GET', `/api/runs/${runId}`, undefined, workspace)).body;
    return run.status === 'running' || run.status === 'pending' ? undefined : run;
  }, 120_000);
}

/** The workspace's error handler runs, as the runs list shows them (visibility lags about a second). */
async function handlerRuns(flowId: string, workspace?: string): Promise<any[]> {
  const listed = await call('GET', `/api/runs?flowId=${flowId}&trigger=error`, undefined, workspace);
  expect(listed.status).toBe(200);
  return listed.body.runs;
}

/** Waits until `count` handler runs of the flow are listed, then long enough that a second one would show too. */
async function settledHandlerRuns(flowId: string, count: number, workspace?: string): Promise<any[]> {
  if (count > 0)
    await eventually(async () => ((await handlerRuns(flowId, workspace)).length >= count ? true : undefined));
  await sleep(3_000);
  return handlerRuns(flowId, workspace);
}

describe('a failed run starts its handler flow once, with the failure in its input', () => {
  let failed: any;

  beforeAll(async () => {
    await saveFlow({ id: 'alerts', nodes: RECORDER });
    await saveFlow({
      id: 'orders',
      nodes: [
        code('prepare', 'return { ...input, prepared: true };'),
        code(
          'charge',
          "if (input.fail) throw new TypeError('card declined: ' + input.order); return { charged: true };",
        ),
      ],
      edges: [{ from: 'prepare', to: 'charge' }],
      errorHandler: { flowId: 'alerts' },
    });
    failed = await runToEnd('orders', { order: 7, fail: true });
  }, 180_000);

  test('the handler run gets { flowId, version, runId, node, error, trigger, link } of the failed run', async () => {
    expect(failed.status).toBe('failed');
    expect(failed.failedNode).toBe('charge');
    expect(failed.errorHandler).toEqual({
      flowId: 'alerts',
      runId: expect.stringMatching(/^run-alerts-[0-9a-f]{32}$/),
    });
    const handler = await closedRun(failed.errorHandler.runId);
    expect(handler).toMatchObject({
      status: 'completed',
      flowId: 'alerts',
      flowVersion: 1,
      trigger: 'error',
      errorOf: failed.runId,
    });
    const { stack, ...recorded } = failed.error;
    expect(recorded).toMatchObject({ name: 'TypeError', message: 'card declined: 7', type: 'CodeError' });
    expect(handler.output).toEqual({
      trigger: 'error',
      received: {
        flowId: 'orders',
        version: 1,
        runId: failed.runId,
        node: 'charge',
        error: { name: 'TypeError', type: 'CodeError', message: 'card declined: 7', stack },
        trigger: { type: 'api', source: 'api', payload: { order: 7, fail: true } },
        link: `${product.baseUrl}/runs/${failed.runId}`,
      },
    });
    expect(stack).toMatch(/card declined: 7/);
    // The handler run is listed as an error-triggered run, and it is the only one.
    const listed = await settledHandlerRuns('alerts', 1);
    expect(listed.map((run) => run.runId)).toEqual([failed.errorHandler.runId]);
    expect(listed[0]).toMatchObject({ trigger: 'error', status: 'completed' });
  });

  test('a successful run starts nothing', async () => {
    const run = await runToEnd('orders', { order: 8 });
    expect(run.status).toBe('completed');
    expect(run.errorHandler).toBeUndefined();
    expect(await settledHandlerRuns('alerts', 1)).toHaveLength(1);
  });

  test('the failed run reset and run again (its handler start re-executed) starts no second handler', async () => {
    const handle = client.workflow.getHandle(failed.runId);
    const before = await handle.describe();
    const { events } = await handle.fetchHistory();
    const firstTask = events!.find((event) => event.workflowTaskCompletedEventAttributes)!;
    await client.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: failed.runId, runId: before.runId },
      workflowTaskFinishEventId: firstTask.eventId,
      reason: 'error handler test: run the failure again',
      requestId: `reset-${before.runId}`,
    });
    const again = await eventually(async () => {
      const now = await client.workflow.getHandle(failed.runId).describe();
      return now.runId !== before.runId && now.status.name === 'FAILED' ? now : undefined;
    }, 120_000);
    // The new execution ran its nodes and its handler start again: Temporal refused the same handler run id twice.
    const { events: rerun } = await client.workflow.getHandle(failed.runId, again.runId).fetchHistory();
    const started = rerun!.filter(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'startErrorHandler',
    );
    expect(started).toHaveLength(1);
    expect((await call('GET', `/api/runs/${failed.runId}`)).body.errorHandler).toEqual(failed.errorHandler);
    expect((await settledHandlerRuns('alerts', 1)).map((run) => run.runId)).toEqual([failed.errorHandler.runId]);
  });
});

describe('no handler starts from a handler run', () => {
  test('a failing handler starts nothing more', async () => {
    await saveFlow({
      id: 'broken-alerts',
      nodes: [code('notify', "const notify = () => { throw new Error('pager down'); };")],
    });
    await saveFlow({
      id: 'reports',
      nodes: [code('build', "const build = () => { throw new RangeError('no data'); };")],
      errorHandler: { flowId: 'broken-alerts' },
    });
    const failed = await runToEnd('reports', {});
    expect(failed.status).toBe('failed');
    const handler = await closedRun(failed.errorHandler.runId);
    expect(handler).toMatchObject({ status: 'failed', trigger: 'error', failedNode: 'notify' });
    expect(handler.errorHandler).toBeUndefined();
    expect(await settledHandlerRuns('broken-alerts', 1)).toHaveLength(1);
  });

  test('a flow that is its own handler runs once more, and stops', async () => {
    const saved = await call('POST', '/api/flows', {
      id: 'selfish',
      name: 'selfish',
      nodes: [code('fail', "const fail = () => { throw new Error('always'); };")],
      errorHandler: { flowId: 'selfish' },
    });
    expect(saved.status).toBe(201);
    const failed = await runToEnd('selfish', { first: true });
    const handler = await closedRun(failed.errorHandler.runId);
    expect(handler).toMatchObject({ status: 'failed', flowId: 'selfish', trigger: 'error' });
    expect(handler.errorHandler).toBeUndefined();
    expect(await settledHandlerRuns('selfish', 1)).toHaveLength(1);
  });
});

describe('the workspace default handler', () => {
  afterAll(async () => {
    await call('PATCH', '/api/workspace', { errorHandler: null });
  });

  test('runs for flows that name none; a flow with errorHandler: false opts out', async () => {
    await saveFlow({ id: 'ws-alerts', nodes: RECORDER });
    const set = await call('PATCH', '/api/workspace', { errorHandler: { flowId: 'ws-alerts' } });
    expect(set.status).toBe(200);
    expect(set.body.errorHandler).toEqual({ flowId: 'ws-alerts' });
    expect((await call('GET', '/api/workspace')).body.errorHandler).toEqual({ flowId: 'ws-alerts' });

    await saveFlow({ id: 'plain', nodes: [code('fail', "const fail = () => { throw new Error('plain failure'); };")] });
    await saveFlow({
      id: 'quiet',
      nodes: [code('fail', "const fail = () => { throw new Error('quiet failure'); };")],
      errorHandler: false,
    });
    const plain = await runToEnd('plain', {});
    expect(plain.errorHandler).toEqual({ flowId: 'ws-alerts', runId: expect.any(String) });
    const handler = await closedRun(plain.errorHandler.runId);
    expect(handler.output.received).toMatchObject({
      flowId: 'plain',
      node: 'fail',
      error: { message: 'plain failure' },
    });
    const quiet = await runToEnd('quiet', {});
    expect(quiet.status).toBe('failed');
    expect(quiet.errorHandler).toBeUndefined();
    expect((await settledHandlerRuns('ws-alerts', 1)).map((run) => run.runId)).toEqual([plain.errorHandler.runId]);

    const cleared = await call('PATCH', '/api/workspace', { errorHandler: null });
    expect(cleared.body.errorHandler).toBeUndefined();
    expect((await runToEnd('plain', {})).errorHandler).toBeUndefined();
  });

  test('must be a saved flow of the workspace (400 naming the field)', async () => {
    const missing = await call('PATCH', '/api/workspace', { errorHandler: { flowId: 'nowhere' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.problems).toEqual([
      { path: 'body.errorHandler.flowId', message: 'flow "nowhere" has no saved version in this workspace' },
    ]);
    const shape = await call('PATCH', '/api/workspace', { errorHandler: 'alerts' });
    expect(shape.status).toBe(400);
    expect(shape.body.error.problems[0].path).toBe('body.errorHandler');
  });
});

describe('saving a flow with a handler', () => {
  test('a handler that is not a saved flow of the workspace is refused, naming errorHandler.flowId', async () => {
    const flow = { id: 'refused', name: 'refused', nodes: [code('a', 'return 1;')], errorHandler: { flowId: 'ghost' } };
    const problem = { path: 'errorHandler.flowId', message: 'flow "ghost" has no saved version in this workspace' };
    const created = await call('POST', '/api/flows', flow);
    expect(created.status).toBe(400);
    expect(created.body.error.problems).toEqual([problem]);
    expect((await call('PUT', '/api/flows/refused/draft', flow)).status).toBe(400);
    expect((await call('POST', '/api/validate/flow', flow)).body.problems).toEqual([problem]);
    // Another workspace's flow is not one of this workspace's.
    expect((await call('POST', '/api/workspaces', { id: 'other', name: 'Other', plan: 'enterprise' })).status).toBe(
      201,
    );
    await saveFlow({ id: 'ghost', nodes: RECORDER }, 'other');
    expect((await call('POST', '/api/flows', flow)).status).toBe(400);
    expect((await call('POST', '/api/flows', flow, 'other')).status).toBe(201);
  });
});

test('the OpenAPI document has the setting and the workspace route', async () => {
  const doc = (await product.request('GET', '/api/openapi.json', undefined, {})).body;
  expect(doc.components.schemas.FlowDefinition.properties.errorHandler.anyOf).toHaveLength(2);
  expect(doc.paths['/api/workspace'].patch.requestBody.content['application/json'].schema).toBeDefined();
});

describe('a handler that cannot start leaves the run failed, with the reason', () => {
  test('a deleted handler flow', async () => {
    await saveFlow({ id: 'temp-alerts', nodes: RECORDER });
    await saveFlow({
      id: 'orphan',
      nodes: [code('fail', "const fail = () => { throw new Error('lonely'); };")],
      errorHandler: { flowId: 'temp-alerts' },
    });
    expect((await call('DELETE', '/api/flows/temp-alerts')).status).toBe(204);
    const run = await runToEnd('orphan', {});
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ message: 'lonely' });
    expect(run.errorHandler).toEqual({
      flowId: 'temp-alerts',
      problem: 'flow "temp-alerts" has no saved version in workspace "default"',
    });
  });

  test('a workspace whose month of executions is used', async () => {
    const created = await call('POST', '/api/workspaces', {
      id: 'tight',
      name: 'Tight',
      plan: 'enterprise',
      limits: { executionsPerMonth: 1 },
    });
    expect(created.status).toBe(201);
    await saveFlow({ id: 'tight-alerts', nodes: RECORDER }, 'tight');
    await saveFlow(
      {
        id: 'tight-chain',
        nodes: [code('one', 'return { n: 1 };'), code('two', 'return { n: 2 };')],
        edges: [{ from: 'one', to: 'two' }],
        errorHandler: { flowId: 'tight-alerts' },
      },
      'tight',
    );
    // The first node uses the month's only execution; the second is refused, which fails the run.
    const run = await runToEnd('tight-chain', {}, 'tight');
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ nodeId: 'two', type: 'QuotaExceeded' });
    expect(run.errorHandler).toEqual({
      flowId: 'tight-alerts',
      problem: 'workspace "tight" has used its 1 executions this month',
    });
    expect(await settledHandlerRuns('tight-alerts', 0, 'tight')).toEqual([]);
  });
});

describe('a worker killed while the failing node runs', () => {
  test('the run fails once its node has run again, and starts one handler', async () => {
    await saveFlow({ id: 'crash-alerts', nodes: RECORDER });
    await saveFlow({
      id: 'crashy',
      nodes: [
        code(
          'slow',
          "const slow = () => { const end = Date.now() + 3000; while (Date.now() < end) {} throw new Error('slow failure'); };",
          { timeoutMs: 20_000 },
        ),
      ],
      errorHandler: { flowId: 'crash-alerts' },
    });
    const started = await call('POST', '/api/flows/crashy/runs', { input: {} });
    const runId = started.body.runId as string;
    await eventually(async () => {
      const run = (await call('GET', `/api/runs/${runId}`)).body;
      return run.nodes?.some((node: any) => node.id === 'slow' && node.status === 'running') ? true : undefined;
    });
    await killRunWorkers(product);
    const run = await closedRun(runId);
    expect(run).toMatchObject({ status: 'failed', failedNode: 'slow', error: { message: 'slow failure' } });
    // The kill cut the node's first attempt: it failed on a later one, after the restart.
    expect(run.nodes.find((node: any) => node.id === 'slow').attempt).toBeGreaterThanOrEqual(2);
    const handler = await closedRun(run.errorHandler.runId);
    expect(handler.output.received).toMatchObject({ runId, node: 'slow', error: { message: 'slow failure' } });
    expect((await settledHandlerRuns('crash-alerts', 1)).map((listed) => listed.runId)).toEqual([
      run.errorHandler.runId,
    ]);
  });
});
