/**
 * The run debugger's back end against the real product: live log lines on the run's stream while the node runs,
 * every attempt of a retried node (and every node's from one request), a fused chain's nodes live before the chain
 * ends, rerun from a node reusing the recorded outcomes upstream, the runs list's fields and its live stream, and 400s
 * naming the field.
 */
import { Client, Connection } from '@temporalio/client';
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

  // Every node's attempts of the run in one request, and page by page with the same content.
  const all = await product.request('GET', `/api/runs/${run.runId}/attempts`);
  expect(all.status).toBe(200);
  expect(all.body.nextPageToken).toBeUndefined();
  expect(all.body.attempts).toEqual(attempts);
  const paged: any[] = [];
  let token: string | undefined;
  for (let page = 0; page < 5; page++) {
    const answer = await product.request(
      'GET',
      `/api/runs/${run.runId}/attempts?pageSize=1${token ? `&pageToken=${token}` : ''}`,
    );
    expect(answer.body.attempts).toHaveLength(1);
    paged.push(...answer.body.attempts);
    token = answer.body.nextPageToken;
    if (!token) break;
  }
  expect(paged).toEqual(attempts);
  expect((await product.request('GET', `/api/runs/${run.runId}/attempts?pageSize=0`)).body.error.problems[0].path).toBe(
    'query.pageSize',
  );
  expect((await product.request('GET', '/api/runs/run-nosuch-0/attempts')).status).toBe(404);
});

describe('a fused chain shows its nodes as they run, before the chain ends', () => {
  // The flow's entry chain: run along with the run's plan (flow/entryChain.ts), whose summary names it.
  const CHAIN = 'load flow definition, then first: wait a bit → talk → finish (3 nodes, fused) when light';

  beforeAll(async () => {
    const response = await product.request('POST', '/api/flows', {
      id: 'livechain',
      name: 'Live chain',
      nodes: [
        {
          id: 'first',
          name: 'wait a bit',
          type: 'code',
          // Busy, not waiting on a timer: a node with a timer is never light (flow/effects.ts), so never fused.
          code: 'if (input.slow) { const end = Date.now() + 5000; while (Date.now() < end); } return { slow: input.slow };',
        },
        {
          id: 'talk',
          type: 'code',
          code: `if (input.slow) for (let i = 0; i < 15; i++) { console.log('line', i); const end = Date.now() + 200; while (Date.now() < end); }
          return { slow: input.slow };`,
        },
        { id: 'finish', type: 'code', code: 'return { done: true };' },
      ],
      edges: [
        { from: 'first', to: 'talk' },
        { from: 'talk', to: 'finish' },
      ],
    });
    expect(response.status).toBe(201);
  });

  /** The summaries of a run's local activities: a fused chain's names its nodes. */
  async function localActivities(runId: string): Promise<string[]> {
    const connection = await Connection.connect({ address: `127.0.0.1:${product.ports.temporal}` });
    try {
      const history = await new Client({ connection }).workflow.getHandle(runId).fetchHistory();
      return (history.events ?? [])
        .filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')
        .map((event) => {
          const data = event.userMetadata?.summary?.data;
          return data ? (JSON.parse(Buffer.from(data).toString()) as string) : '';
        });
    } finally {
      await connection.close();
    }
  }

  test('each node running, then done with its times, and its log lines live, while the chain runs', async () => {
    // The nodes run fused once each has been measured fast (light): quick runs until the chain is fused.
    for (let attempt = 1; ; attempt++) {
      const quick = await runToEnd('livechain', { slow: false });
      if ((await localActivities(quick.runId)).includes(CHAIN)) break;
      expect(attempt).toBeLessThan(10);
    }
    // Started as the quick runs were (waited for: eagerly, in the worker that measured its nodes), and found in the list.
    const finished = runToEnd('livechain', { slow: true });
    const runId: string = await eventually(async () => {
      const runs = (await product.request('GET', '/api/runs?flowId=livechain&status=running')).body.runs;
      return runs[0]?.runId;
    });
    const streamed = streamOf(runId);
    const seen: any[] = [];
    for (;;) {
      const view = (await product.request('GET', `/api/runs/${runId}`)).body;
      seen.push(view);
      if (view.status !== 'running' && view.status !== 'pending') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await finished).runId).toBe(runId);
    expect(await localActivities(runId)).toContain(CHAIN);
    const node = (view: any, id: string) => view.nodes.find((n: any) => n.id === id);
    const whileRunning = seen.filter((view) => view.status === 'running');
    // The first node seen running, then ended (with its duration) while the second ran: before the chain's end.
    const talking = whileRunning.find((view) => node(view, 'talk')?.state === 'running');
    expect(talking).toBeDefined();
    expect(node(talking, 'talk')).toMatchObject({ pendingRecord: true, runs: 1 });
    expect(node(talking, 'first')).toMatchObject({ state: 'succeeded', pendingRecord: true });
    expect(node(talking, 'first').durationMs).toBeGreaterThanOrEqual(4_000);
    expect(node(talking, 'finish')?.state ?? 'pending').toBe('pending');
    const last = seen[seen.length - 1];
    expect(last.status).toBe('completed');
    expect(last.nodes.map((n: any) => [n.id, n.state, n.pendingRecord])).toEqual([
      ['first', 'succeeded', undefined],
      ['talk', 'succeeded', undefined],
      ['finish', 'succeeded', undefined],
    ]);
    expect(node(last, 'talk').logs).toHaveLength(15);

    // The stream: the second node running and its lines before the chain's record ends it.
    const events = await streamed;
    const recorded = events.findIndex((e) => e.event === 'node' && e.data.id === 'talk' && e.data.output);
    expect(recorded).toBeGreaterThan(0);
    const before = events.slice(0, recorded);
    expect(before.some((e) => e.event === 'node' && e.data.id === 'talk' && e.data.state === 'running')).toBe(true);
    const lines = before
      .filter((e) => e.event === 'log' && e.data.nodeId === 'talk')
      .flatMap((e) => e.data.entries.map((entry: { args: unknown[] }) => entry.args[1]));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));

    // Its attempts: every node's, from one request, marked as the chain's.
    const attempts = (await product.request('GET', `/api/runs/${runId}/attempts`)).body.attempts;
    expect(attempts.map((a: any) => [a.nodeId, a.execution, a.attempt, a.status, a.chain])).toEqual([
      ['first', 1, 1, 'succeeded', 'first'],
      ['talk', 1, 1, 'succeeded', 'first'],
      ['finish', 1, 1, 'succeeded', 'first'],
    ]);
  });
});

test('the runs list live: the page on open, then again when a run starts and when its status changes', async () => {
  await product.request('POST', '/api/flows', {
    id: 'listed',
    name: 'Listed',
    nodes: [{ id: 'hold', type: 'wait', event: 'go', timeoutMs: 300_000 }],
  });
  const controller = new AbortController();
  const response = await fetch(`${product.baseUrl}/api/runs/live?flowId=listed&pageSize=10`, {
    headers: { authorization: `Bearer ${product.adminKey}` },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const pages: any[] = [];
  const reading = (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop() ?? '';
      for (const block of blocks)
        if (block.includes('event: page')) pages.push(JSON.parse(/data: (.*)/.exec(block)![1]));
    }
  })();
  try {
    await eventually(async () => (pages.length >= 1 ? true : undefined));
    expect(pages[0].runs).toEqual([]);
    const start = await product.request('POST', '/api/flows/listed/runs', { input: {} });
    const runId = start.body.runId;
    const running = await eventually(
      async () => pages.find((page) => page.runs.some((run: any) => run.runId === runId && run.status === 'running')),
      60_000,
    );
    expect(running.runs).toHaveLength(1);
    await eventually(async () => {
      const sent = await product.request('POST', `/api/runs/${runId}/events`, { event: 'go', payload: {} });
      return sent.status === 202 ? true : undefined;
    });
    const done = await eventually(
      async () => pages.find((page) => page.runs.some((run: any) => run.runId === runId && run.status === 'completed')),
      60_000,
    );
    expect(done.runs[0]).toMatchObject({ runId, status: 'completed', flowId: 'listed' });
    expect(typeof done.runs[0].durationMs).toBe('number');
    // Sent only on change: no page repeats the one before it.
    for (let i = 1; i < pages.length; i++) expect(pages[i]).not.toEqual(pages[i - 1]);
  } finally {
    controller.abort();
    await reading;
  }
  const bad = await product.request('GET', '/api/runs/live?status=sleeping');
  expect(bad.status).toBe(400);
  expect(bad.body.error.problems[0].path).toBe('query.status');
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
