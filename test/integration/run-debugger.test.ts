/**
 * The run debugger's back end against the real product: live log lines on the run's stream while the node runs,
 * every attempt of a retried node, rerun from a node reusing the recorded outcomes upstream, the runs list's fields,
 * and 400s naming the field.
 */
import { eventually, Product, startProduct } from '../support/product';

let product: Product;

interface StreamEvent {
  event: string;
  data: any;
}

/** Reads a run's SSE stream to its end, each event in arrival order. */
async function streamOf(runId: string): Promise<StreamEvent[]> {
  const response = await fetch(`${product.baseUrl}/api/runs/${runId}/stream`, {
    headers: { authorization: `Bearer ${product.adminKey}` },
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('event: '))
    .map((block) => ({ event: /event: (\w+)/.exec(block)![1], data: JSON.parse(/data: (.*)/.exec(block)![1]) }));
}

async function runToEnd(flowId: string, input: unknown): Promise<any> {
  const response = await product.request('POST', `/api/flows/${flowId}/runs?wait=true&timeoutMs=120000`, { input });
  expect(response.status).toBe(200);
  return response.body;
}

beforeAll(async () => {
  product = await startProduct();
});

afterAll(async () => {
  await product?.stop();
});

test('a node that logs every 200 ms shows its lines on the stream while it runs', async () => {
  await product.request('POST', '/api/flows', {
    id: 'chatty',
    name: 'Chatty',
    nodes: [
      {
        id: 'talk',
        type: 'code',
        timeoutMs: 60_000,
        code: `async function talk() {
          for (let i = 0; i < 25; i++) { console.log('line', i); await new Promise((r) => setTimeout(r, 200)); }
          return { lines: 25 };
        }`,
      },
    ],
  });
  const start = await product.request('POST', '/api/flows/chatty/runs', { input: {} });
  expect(start.status).toBe(202);
  const events = await streamOf(start.body.runId);
  const ended = events.findIndex((e) => e.event === 'node' && e.data.id === 'talk' && e.data.state === 'succeeded');
  expect(ended).toBeGreaterThan(0);
  const live = events.slice(0, ended).filter((e) => e.event === 'log' && e.data.nodeId === 'talk');
  // Lines arrive in several batches before the node's end, in order, and the final record still holds all 25.
  expect(live.length).toBeGreaterThanOrEqual(2);
  const lines = live.flatMap((e) => e.data.entries.map((entry: { args: unknown[] }) => entry.args[1]));
  expect(lines.length).toBeGreaterThan(0);
  expect(lines).toEqual([...lines].sort((a, b) => a - b));
  expect(events[ended].data.logs).toHaveLength(25);
  expect(events[ended].data.endedAt).toBeDefined();
  expect(events.some((e) => e.event === 'node' && e.data.id === 'talk' && e.data.state === 'running')).toBe(true);
  expect(events[events.length - 1]).toMatchObject({ event: 'end', data: { status: 'completed' } });
});

test('a node retried twice shows three attempts with their errors, times and queue waits', async () => {
  await product.request('POST', '/api/flows', {
    id: 'flaky',
    name: 'Flaky',
    nodes: [
      {
        id: 'flaky',
        type: 'code',
        retry: { maximumAttempts: 3, initialIntervalMs: 10, backoffCoefficient: 1 },
        code: "if (context.workflowContext.attempt < 3) throw new Error('try ' + context.workflowContext.attempt); return { ok: true };",
      },
    ],
  });
  const run = await runToEnd('flaky', {});
  expect(run.status).toBe('completed');
  const detail = await product.request('GET', `/api/runs/${run.runId}/nodes/flaky`);
  expect(detail.status).toBe(200);
  expect(detail.body.node).toMatchObject({ id: 'flaky', state: 'succeeded', attempt: 3 });
  const attempts = detail.body.attempts;
  expect(attempts.map((a: any) => [a.execution, a.attempt, a.status])).toEqual([
    [1, 1, 'failed'],
    [1, 2, 'failed'],
    [1, 3, 'succeeded'],
  ]);
  expect(attempts[0].error).toMatchObject({ name: 'Error', message: 'try 1' });
  expect(attempts[0].error.stack).toContain('try');
  for (const attempt of attempts) {
    expect(typeof attempt.durationMs).toBe('number');
    expect(typeof attempt.memoryBytes).toBe('number');
    expect(typeof attempt.queueWaitMs).toBe('number');
    expect(Date.parse(attempt.startedAt)).toBeGreaterThanOrEqual(Date.parse(attempt.scheduledAt));
  }
  expect((await product.request('GET', `/api/runs/${run.runId}/nodes/nosuch`)).status).toBe(404);
});

describe('rerun from a node', () => {
  const FLOW = {
    id: 'chain',
    name: 'Chain',
    nodes: [
      {
        id: 'roll',
        type: 'code',
        code: 'return { dice: Math.random(), big: Array.from({ length: 20000 }, (_, i) => i) };',
      },
      { id: 'pick', type: 'code', code: 'return { dice: input.dice, count: input.big.length };' },
      {
        id: 'boom',
        type: 'code',
        code: "if (input.dice >= 0 && !context.trigger.payload.fixed) throw new Error('boom'); return { done: input.dice };",
      },
    ],
    edges: [
      { from: 'roll', to: 'pick' },
      { from: 'pick', to: 'boom' },
    ],
  };
  let failed: any;

  beforeAll(async () => {
    await product.request('POST', '/api/flows', FLOW);
    failed = await runToEnd('chain', { fixed: false });
    expect(failed.status).toBe('failed');
  });

  test('the failed run names its failed node, its edges and a link to the Temporal UI', async () => {
    expect(failed.failedNode ?? (await product.request('GET', `/api/runs/${failed.runId}`)).body.failedNode).toBe(
      'boom',
    );
    const view = (await product.request('GET', `/api/runs/${failed.runId}`)).body;
    expect(view.edges).toEqual(['taken', 'taken']);
    expect(view.nodes.find((n: any) => n.id === 'boom')).toMatchObject({ state: 'failed', error: { message: 'boom' } });
    expect(view.temporalUrl).toContain(`/workflows/${failed.runId}/`);
    expect(typeof view.durationMs).toBe('number');
  });

  test('reuses the upstream outputs: those nodes do not execute again', async () => {
    const rerun = await product.request('POST', `/api/runs/${failed.runId}/rerun`, {
      version: 'same',
      fromNode: 'pick',
    });
    expect(rerun.status).toBe(202);
    expect(rerun.body).toMatchObject({ rerunOf: { runId: failed.runId, fromNode: 'pick' }, reused: ['roll'] });
    const runId = rerun.body.runId;
    await product.request('GET', `/api/runs/${runId}`);
    const view = await eventually(async () => {
      const read = (await product.request('GET', `/api/runs/${runId}`)).body;
      return read.status === 'running' ? undefined : read;
    }, 120_000);
    // The rerun failed at the same node (its trigger is the same), on the same dice rolled by the first run.
    expect(view.status).toBe('failed');
    expect(view.rerunOf).toEqual({ runId: failed.runId, fromNode: 'pick' });
    const roll = view.nodes.find((n: any) => n.id === 'roll');
    expect(roll).toMatchObject({ state: 'succeeded', reusedFrom: failed.runId });
    expect(roll.runs).toBeUndefined();
    // The large output travels as the first run's reference; its dice are the first run's.
    expect(roll.output).toEqual(failed.nodes.find((n: any) => n.id === 'roll').output);
    expect(roll.output.$nectarRef).toBe(1);
    const firstDice = (await product.request('GET', `/api/runs/${failed.runId}/nodes/roll/data?path=dice`)).body.value;
    expect(typeof firstDice).toBe('number');
    expect(view.nodes.find((n: any) => n.id === 'pick').output).toEqual({ dice: firstDice, count: 20000 });
    // Executions as the worker recorded them: none for the reused node, one for each node that ran.
    expect((await product.request('GET', `/api/runs/${runId}/nodes/roll`)).body.attempts).toEqual([]);
    expect((await product.request('GET', `/api/runs/${runId}/nodes/pick`)).body.attempts).toHaveLength(1);
    expect((await product.request('GET', `/api/runs/${failed.runId}/nodes/roll`)).body.attempts).toHaveLength(1);

    const listed = await eventually(async () => {
      const runs = (await product.request('GET', '/api/runs?flowId=chain&status=failed')).body.runs;
      return runs.length === 2 ? runs : undefined;
    });
    expect(listed[0]).toMatchObject({ runId, rerunOf: { runId: failed.runId, fromNode: 'pick' }, failedNode: 'boom' });
    expect(typeof listed[0].durationMs).toBe('number');
  });

  test('a node’s value on demand: large outputs resolved, arrays paged, inputs for the editor', async () => {
    const page = await product.request('GET', `/api/runs/${failed.runId}/nodes/roll/data?path=big&offset=10&limit=5`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ value: [10, 11, 12, 13, 14], total: 20000, offset: 10, limit: 5 });
    const input = await product.request('GET', `/api/runs/${failed.runId}/nodes/pick/data?which=input&path=dice`);
    const dice = await product.request('GET', `/api/runs/${failed.runId}/nodes/roll/data?path=dice`);
    expect(input.body.value).toBe(dice.body.value);
    const inputs = await product.request('GET', `/api/runs/${failed.runId}/inputs`);
    expect(inputs.body).toMatchObject({
      flowId: 'chain',
      flowVersion: 1,
      trigger: { type: 'api', payload: { fixed: false } },
    });
    expect(inputs.body.nodes.boom).toMatchObject({ count: 20000 });
    expect((await product.request('GET', `/api/runs/${failed.runId}/nodes/roll/data?path=nope`)).status).toBe(404);
  });

  test('bad requests are 400s naming the field; impossible reruns are 409s', async () => {
    const which = await product.request('GET', `/api/runs/${failed.runId}/nodes/roll/data?which=everything`);
    expect(which.status).toBe(400);
    expect(which.body.error.problems[0].path).toBe('query.which');
    const limit = await product.request('GET', `/api/runs/${failed.runId}/nodes/roll/data?limit=0`);
    expect(limit.body.error.problems[0].path).toBe('query.limit');
    const fromNode = await product.request('POST', `/api/runs/${failed.runId}/rerun`, { fromNode: '../x' });
    expect(fromNode.status).toBe(400);
    expect(fromNode.body.error.problems[0].path).toBe('body.fromNode');
    const missing = await product.request('POST', `/api/runs/${failed.runId}/rerun`, { fromNode: 'ghost' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.problems[0].path).toBe('body.fromNode');
    const list = await product.request('GET', '/api/runs?startedAfter=yesterday');
    expect(list.body.error.problems[0].path).toBe('query.startedAfter');
  });
});
