/**
 * The interpreter's semantics end to end: flows saved through the gateway, run by the interpreter workflow on a
 * real Temporal dev server with code nodes in isolated-vm. One product for the whole file.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { sleep } from '../../common/processes';
import { Product, eventually, killRunWorkers, startProduct } from '../support/product';

let product: Product;

beforeAll(async () => {
  // The cancel test's node calls a server of the test on loopback.
  product = await startProduct({ env: { NECTAR_EGRESS_ALLOW: '127.0.0.1' } });
});

afterAll(async () => {
  if (process.env.DEBUG_RUNS) console.log(product?.output());
  await product?.stop();
});

type Spec = Record<string, unknown> & { id: string };

const code = (id: string, source: string, extra: Record<string, unknown> = {}): Spec => ({
  id,
  type: 'code',
  code: source,
  ...extra,
});

async function saveFlow(id: string, nodes: Spec[], edges: Record<string, unknown>[] = []): Promise<void> {
  const response = await product.request('POST', '/api/flows', { id, name: id, nodes, edges });
  expect(response.body).toMatchObject({ id });
  expect(response.status).toBe(201);
}

async function runFlow(id: string, input: unknown = {}): Promise<any> {
  const response = await product.request('POST', `/api/flows/${id}/runs?wait=true`, { input });
  expect([200, 202]).toContain(response.status);
  if (process.env.DEBUG_RUNS) console.log(JSON.stringify(response.body, null, 1));
  return response.body;
}

async function startRun(id: string, input: unknown = {}): Promise<string> {
  const response = await product.request('POST', `/api/flows/${id}/runs`, { input });
  expect(response.status).toBe(202);
  return response.body.runId as string;
}

async function readRun(runId: string): Promise<any> {
  const response = await product.request('GET', `/api/runs/${runId}`);
  expect(response.status).toBe(200);
  return response.body;
}

async function closedRun(runId: string, timeoutMs = 60_000): Promise<any> {
  return eventually(async () => {
    const run = await readRun(runId);
    return run.status === 'running' ? undefined : run;
  }, timeoutMs);
}

const node = (run: any, id: string) => run.nodes.find((candidate: any) => candidate.id === id);

describe('routing', () => {
  beforeAll(async () => {
    await saveFlow(
      'route',
      [
        code('score', 'return { nextPath: input.path };'),
        code('enterprise', "return { went: 'enterprise' };"),
        code('fallback', "return { went: 'default' };"),
      ],
      [
        { from: 'score', to: 'enterprise', path: 'enterprise' },
        { from: 'score', to: 'fallback', path: 'default' },
      ],
    );
    await saveFlow(
      'strict-route',
      [code('score', 'return { nextPath: input.path };'), code('yes', "return 'yes';")],
      [{ from: 'score', to: 'yes', path: 'yes' }],
    );
  });

  test('nextPath selects the labelled edge', async () => {
    const run = await runFlow('route', { path: 'enterprise' });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ went: 'enterprise' });
    expect(node(run, 'fallback').status).toBe('skipped');
  });

  test('the default edge follows when no label matches', async () => {
    const run = await runFlow('route', { path: 'smb' });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ went: 'default' });
    expect(node(run, 'enterprise').status).toBe('skipped');
  });

  test('a nextPath that matches nothing ends the branch and is recorded on the node', async () => {
    const run = await runFlow('strict-route', { path: 'maybe' });
    expect(run.status).toBe('completed');
    expect(node(run, 'score')).toMatchObject({ status: 'succeeded', unmatchedPath: 'maybe' });
    expect(node(run, 'yes').status).toBe('skipped');
  });
});

describe('errors and retries', () => {
  test('an error edge receives the error with message, name, stack and node', async () => {
    await saveFlow(
      'error-edge',
      [
        code('charge', "const charge = () => { throw new TypeError('card declined'); };"),
        code('notify', 'return { handled: input };'),
        code('ship', 'return 1;'),
      ],
      [
        { from: 'charge', to: 'ship' },
        { from: 'charge', to: 'notify', on: 'error' },
      ],
    );
    const run = await runFlow('error-edge');
    expect(run.status).toBe('completed');
    expect(run.output.handled).toMatchObject({ name: 'TypeError', message: 'card declined', node: 'charge' });
    expect(run.output.handled.stack).toContain('card declined');
    expect(node(run, 'charge').status).toBe('failed');
    expect(node(run, 'ship').status).toBe('skipped');
  });

  test('a node without an error edge fails the run with its error', async () => {
    await saveFlow('plain-failure', [code('a', "const a = () => { throw new Error('nope'); };")]);
    const run = await runFlow('plain-failure');
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ message: 'nope', nodeId: 'a' });
  });

  test('a failing node is retried with backoff and then succeeds', async () => {
    await saveFlow('retry', [
      code(
        'flaky',
        "if (context.workflowContext.attempt < 3) throw new Error('try again'); return { attempt: context.workflowContext.attempt };",
        {
          retry: { maximumAttempts: 3, initialIntervalMs: 10, backoffCoefficient: 2 },
        },
      ),
    ]);
    const run = await runFlow('retry');
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ attempt: 3 });
    expect(node(run, 'flaky').attempt).toBe(3);
  });

  test('while a node is retried, the run shows its live state: running, attempt and last failure', async () => {
    await saveFlow(
      'live',
      [
        code('first', 'return 1;'),
        code(
          'flaky',
          "if (context.workflowContext.attempt < 3) throw new Error('not yet'); return { attempt: context.workflowContext.attempt };",
          {
            retry: { maximumAttempts: 3, initialIntervalMs: 1_500, backoffCoefficient: 1 },
          },
        ),
      ],
      [{ from: 'first', to: 'flaky' }],
    );
    const runId = await startRun('live');
    const live = await eventually(async () => {
      const run = await readRun(runId);
      const flaky = node(run, 'flaky');
      return run.status === 'running' && flaky?.status === 'running' && flaky.attempt >= 2 ? run : undefined;
    });
    expect(node(live, 'first')).toMatchObject({ status: 'succeeded', output: 1, attempt: 1 });
    expect(node(live, 'flaky')).toMatchObject({
      status: 'running',
      lastFailure: 'not yet',
      startedAt: expect.any(String),
    });
    const run = await closedRun(runId);
    expect(run.status).toBe('completed');
    expect(node(run, 'flaky')).toMatchObject({ status: 'succeeded', attempt: 3, durationMs: expect.any(Number) });
  });

  test('the user error stops at the user attempts, and a time limit breach is not retried', async () => {
    await saveFlow('no-retry', [
      code('slow', 'const spin = () => { while (true) {} };', {
        timeoutMs: 200,
        retry: { maximumAttempts: 3, initialIntervalMs: 10 },
      }),
    ]);
    const run = await runFlow('no-retry');
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ type: 'TimeoutError', nodeId: 'slow' });
    expect(node(run, 'slow').attempt).toBe(1);
  });

  test('onError "continue" goes on with the error as output', async () => {
    await saveFlow(
      'continue',
      [
        code('a', "const a = () => { throw new Error('ignored'); };", { onError: 'continue' }),
        code('b', 'return { saw: input.error.message };'),
      ],
      [{ from: 'a', to: 'b' }],
    );
    const run = await runFlow('continue');
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ saw: 'ignored' });
  });
});

describe('parallel work and input mapping', () => {
  test('fan-out runs branches concurrently and a join after an if/else gets the taken outputs keyed by id', async () => {
    await saveFlow(
      'fan',
      [
        code('start', 'return { nextPath: input.big ? "big" : "small" };'),
        code('big', "return 'B';"),
        code('small', "return 'S';"),
        code('side1', 'return 1;'),
        code('side2', 'return 2;'),
        code('join', 'return input;'),
      ],
      [
        { from: 'start', to: 'big', path: 'big' },
        { from: 'start', to: 'small', path: 'small' },
        { from: 'start', to: 'side1' },
        { from: 'start', to: 'side2' },
        { from: 'big', to: 'join' },
        { from: 'small', to: 'join' },
        { from: 'side1', to: 'join' },
        { from: 'side2', to: 'join' },
      ],
    );
    const run = await runFlow('fan', { big: false });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ small: 'S', side1: 1, side2: 2 });
    expect(node(run, 'big').status).toBe('skipped');
  });

  test('an input mapping picks fields from the trigger and earlier steps', async () => {
    await saveFlow(
      'mapping',
      [
        code('score', 'return { score: 91, tags: ["hot"] };'),
        code('mail', 'return input;', {
          input: {
            email: { path: 'trigger.payload.lead.email' },
            score: { path: 'steps.score.score' },
            tag: { path: 'steps.score.tags.0' },
            kind: { value: 'welcome' },
          },
        }),
      ],
      [{ from: 'score', to: 'mail' }],
    );
    const run = await runFlow('mapping', { lead: { email: 'ada@example.com' } });
    expect(run.output).toEqual({ email: 'ada@example.com', score: 91, tag: 'hot', kind: 'welcome' });
  });

  test('the gateway refuses a definition with graph problems, listing each', async () => {
    const response = await product.request('POST', '/api/flows', {
      id: 'broken',
      name: 'broken',
      nodes: [code('a', 'return 1'), code('b', 'return 2')],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
        { from: 'a', to: 'ghost' },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.error.problems.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(response.body.error.problems)).toContain('ghost');
  });
});

describe('node kinds beyond code', () => {
  test('delay passes its input on after a durable timer', async () => {
    await saveFlow(
      'delay',
      [code('a', 'return { v: 1 };'), { id: 'pause', type: 'delay', durationMs: 1_500 }, code('b', 'return input;')],
      [
        { from: 'a', to: 'pause' },
        { from: 'pause', to: 'b' },
      ],
    );
    const run = await runFlow('delay');
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ v: 1 });
    expect(node(run, 'pause').status).toBe('succeeded');
  });

  test('wait resumes with a signalled event, or takes its timeout path', async () => {
    await saveFlow(
      'approval',
      [
        { id: 'approve', type: 'wait', event: 'approval', timeoutMs: 3_000 },
        code('approved', 'return { by: input.payload.by };'),
        code('expired', "return 'expired';"),
      ],
      [
        { from: 'approve', to: 'approved', path: 'default' },
        { from: 'approve', to: 'expired', path: 'timeout' },
      ],
    );
    const runId = await startRun('approval');
    await eventually(async () =>
      (await readRun(runId)).nodes.some((n: any) => n.id === 'approve' && n.status === 'running') ? true : undefined,
    );
    const sent = await product.request('POST', `/api/runs/${runId}/events`, {
      event: 'approval',
      payload: { by: 'ada' },
    });
    expect(sent.status).toBe(202);
    const approved = await closedRun(runId);
    expect(approved.status).toBe('completed');
    expect(approved.output).toEqual({ by: 'ada' });

    const timedOut = await runFlow('approval');
    expect(timedOut.status).toBe('completed');
    expect(timedOut.output).toBe('expired');
    expect(node(timedOut, 'approved').status).toBe('skipped');
  });

  test('subflow runs another flow as a child run and returns its output', async () => {
    await saveFlow('child', [code('double', 'return { doubled: input.n * 2, trigger: context.trigger.type };')]);
    await saveFlow(
      'parent',
      [code('a', 'return { n: 21 };'), { id: 'sub', type: 'subflow', flowId: 'child' }, code('b', 'return input;')],
      [
        { from: 'a', to: 'sub' },
        { from: 'sub', to: 'b' },
      ],
    );
    const run = await runFlow('parent');
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ doubled: 42, trigger: 'subflow' });
    const child = await readRun(node(run, 'sub').childRunId);
    expect(child).toMatchObject({
      status: 'completed',
      flowId: 'child',
      trigger: 'subflow',
      output: { doubled: 42, trigger: 'subflow' },
    });
  });

  test('a bounded loop runs its body again until done, and fails past its limit', async () => {
    await saveFlow(
      'loop',
      [
        code('init', 'return { n: 0, until: input.until };'),
        code('inc', 'return { n: input.n + 1, until: input.until };'),
        code('check', 'return { ...input, nextPath: input.n < input.until ? "again" : "done" };'),
        code('after', 'return input.n;'),
      ],
      [
        { from: 'init', to: 'inc' },
        { from: 'inc', to: 'check' },
        { from: 'check', to: 'inc', path: 'again', maxIterations: 5 },
        { from: 'check', to: 'after', path: 'done' },
      ],
    );
    const run = await runFlow('loop', { until: 4 });
    expect(run.status).toBe('completed');
    expect(run.output).toBe(4);
    expect(node(run, 'inc').runs).toBe(4);

    const tooMany = await runFlow('loop', { until: 50 });
    expect(tooMany.status).toBe('failed');
    expect(tooMany.error).toMatchObject({ type: 'LoopLimitError', nodeId: 'check' });
    expect(node(tooMany, 'inc').runs).toBe(5);
  });
});

describe('long runs and large data', () => {
  test('a long loop continues as new, carrying its state, and finishes', async () => {
    await saveFlow(
      'long-loop',
      [
        code('init', 'return { n: 0 };'),
        code('step', 'return { n: input.n + 1, nextPath: input.n + 1 < 400 ? "again" : "done" };'),
        code('end', 'return { n: input.n, init: context.steps.init };'),
      ],
      [
        { from: 'init', to: 'step' },
        { from: 'step', to: 'step', path: 'again', maxIterations: 1000 },
        { from: 'step', to: 'end', path: 'done' },
      ],
    );
    const runId = await startRun('long-loop');
    const run = await closedRun(runId, 110_000);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ n: 400, init: { n: 0 } });
    const connection = await Connection.connect({ address: `127.0.0.1:${product.ports.temporal}` });
    try {
      const client = new Client({ connection });
      const runs = await eventually(async () => {
        const found: string[] = [];
        for await (const execution of client.workflow.list({ query: `WorkflowId = '${runId}'` }))
          found.push(execution.status.name);
        return found.length >= 2 ? found : undefined;
      });
      expect(runs).toContain('CONTINUED_AS_NEW');
    } finally {
      await connection.close();
    }
  });

  test('a large output is stored and passed by reference', async () => {
    await saveFlow(
      'large',
      [
        code('big', "return { rows: Array.from({ length: 6000 }, (_, i) => ({ i, text: 'x'.repeat(100) })) };"),
        code(
          'count',
          'return { count: input.rows.length, last: input.rows[5999].i, fromSteps: context.steps.big.rows.length };',
        ),
      ],
      [{ from: 'big', to: 'count' }],
    );
    const run = await runFlow('large');
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ count: 6000, last: 5999, fromSteps: 6000 });
    expect(node(run, 'big').output).toMatchObject({ $nectarRef: 1, bytes: expect.any(Number) });
    expect(node(run, 'big').output.bytes).toBeGreaterThan(600_000);
  });
});

describe('history size', () => {
  test('past a total budget of inline outputs, later outputs go by reference too; large logs are cut with a reference', async () => {
    const nodes = Array.from({ length: 12 }, (_, i) => code(`n${i}`, "return { blob: 'x'.repeat(60000) };"));
    nodes.push(
      code(
        'sum',
        'return Object.values(context.steps).reduce((total, step) => total + (step.blob ? step.blob.length : 0), 0);',
      ),
    );
    nodes.push(
      code('chatty', "for (let i = 0; i < 400; i++) console.log('line', i, 'y'.repeat(200)); return 'logged';"),
    );
    const edges = nodes.slice(1).map((target, i) => ({ from: nodes[i].id, to: target.id }));
    await saveFlow('budget', nodes, edges);
    const run = await runFlow('budget');
    expect(run.status).toBe('completed');
    expect(node(run, 'sum').output).toBe(12 * 60000);
    expect(node(run, 'n0').output.blob).toHaveLength(60000);
    expect(node(run, 'n11').output).toMatchObject({ $nectarRef: 1 });
    const logs = node(run, 'chatty').logs;
    expect(logs.length).toBeLessThan(400);
    expect(logs[logs.length - 1]).toMatchObject({
      level: 'warn',
      args: [expect.stringContaining('400 log entries'), { $nectarRef: 1 }],
    });
  });
});

describe('execution settings', () => {
  test('a flow may run its code nodes as local activities: same results, no activity tasks for the nodes', async () => {
    const nodes = [
      code('a', 'return { n: 1 };'),
      code('b', 'return { n: input.n + 1 };'),
      code('c', 'return { n: input.n + 1, a: context.steps.a };'),
    ];
    const response = await product.request('POST', '/api/flows', {
      id: 'local',
      name: 'local',
      execution: { localActivities: true },
      nodes,
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
      ],
    });
    expect(response.status).toBe(201);
    const run = await runFlow('local');
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ n: 3, a: { n: 1 } });
    const { activities, localActivities } = await activitySummaries(run.runId);
    expect(activities).toEqual([]);
    // Local but never measured, the nodes are not light: the plan, which names the chain it would run along when they
    // were (flow/entryChain.ts), runs none of them; each is a local activity of its own.
    expect(localActivities).toEqual([
      'load flow definition, then a → b → c (3 nodes, fused) when light',
      'a',
      'b',
      'c',
    ]);
  });

  test('by default light side-effect-free nodes run locally once measured, nodes that reach outside never', async () => {
    const server = http.createServer((_request, response) => response.end('{"ok":true}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await saveFlow(
        'auto-local',
        [
          code('pure', 'return { n: (input.n || 0) + 1, at: moment.utc(0).year() };'),
          code(
            'call',
            `const call = async (input) => ({ ...input, ok: (await axios.get('http://127.0.0.1:${port}/')).data.ok });`,
          ),
          code('slow', 'const end = Date.now() + 300; while (Date.now() < end) {} return input;'),
          code('retried', 'return input;', { retry: { maximumAttempts: 2 } }),
        ],
        [
          { from: 'pure', to: 'call' },
          { from: 'call', to: 'slow' },
          { from: 'slow', to: 'retried' },
        ],
      );
      const first = await runFlow('auto-local');
      expect(first.output).toEqual({ n: 1, at: 1970, ok: true });
      // Unmeasured at first, every node is a regular activity; then only the light pure one runs locally.
      // The plan names the entry node it runs along once it is light (flow/entryChain.ts).
      const plan = 'load flow definition, then pure when light';
      expect(await activitySummaries(first.runId)).toEqual({
        activities: ['pure', 'call', 'slow', 'retried'],
        localActivities: [plan],
      });
      const second = await runFlow('auto-local');
      expect(second.output).toEqual(first.output);
      expect(await activitySummaries(second.runId)).toEqual({
        activities: ['call', 'slow', 'retried'],
        localActivities: [plan],
      });
      expect(node(second, 'pure')).toMatchObject({ status: 'succeeded', attempt: 1, durationMs: expect.any(Number) });
    } finally {
      server.close();
    }
  });
});

function summaryText(event: { userMetadata?: { summary?: { data?: Uint8Array | null } | null } | null }): string {
  const data = event.userMetadata?.summary?.data;
  return data ? (JSON.parse(Buffer.from(data).toString()) as string) : '';
}

/** The summaries of a run's activities and of its local activities (their markers), in the order they were recorded. */
async function activitySummaries(runId: string): Promise<{ activities: string[]; localActivities: string[] }> {
  const connection = await Connection.connect({ address: `127.0.0.1:${product.ports.temporal}` });
  try {
    const history = await new Client({ connection }).workflow.getHandle(runId).fetchHistory();
    const events = history.events ?? [];
    return {
      activities: events.filter((event) => event.activityTaskScheduledEventAttributes).map(summaryText),
      localActivities: events
        .filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')
        .map(summaryText),
    };
  } finally {
    await connection.close();
  }
}

describe('control and durability', () => {
  test('cancel stops the running node at once and closes the run as cancelled', async () => {
    // The node would call this server after spinning 3 s; a cancelled node's isolate is gone before it can.
    const calls: string[] = [];
    const server = http.createServer((request, response) => {
      calls.push(request.url ?? '');
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await saveFlow(
        'cancel',
        [
          code(
            'spin',
            `const spin = async () => { const end = Date.now() + 3000; while (Date.now() < end) {} await axios.post('http://127.0.0.1:${port}/late', {}); return 1; };`,
            { timeoutMs: 20_000 },
          ),
          code('after', 'return 2;'),
        ],
        [{ from: 'spin', to: 'after' }],
      );
      const runId = await startRun('cancel');
      await eventually(async () => (node(await readRun(runId), 'spin')?.status === 'running' ? true : undefined));
      const cancelled = await product.request('POST', `/api/runs/${runId}/cancel`);
      expect(cancelled.status).toBe(202);
      const run = await closedRun(runId);
      expect(run.status).toBe('cancelled');
      expect(node(run, 'spin').status).toBe('cancelled');
      expect(node(run, 'after').status).toBe('skipped');
      expect((await product.request('POST', `/api/runs/${runId}/events`, { event: 'late' })).status).toBe(409);
      // Past the moment the node would have called (it started before the cancel), nothing called.
      await sleep(6_000);
      expect(calls).toEqual([]);
    } finally {
      server.close();
    }
  });

  test('a worker killed mid-node: the run resumes, completed nodes are not run again, the running node is retried', async () => {
    await saveFlow(
      'durable',
      [
        code('first', 'return { at: context.workflowContext.attempt };'),
        code(
          'slow',
          'const slow = (input, context) => { const end = Date.now() + 3000; while (Date.now() < end) {} return { ...input, slowAttempt: context.workflowContext.attempt }; };',
          { timeoutMs: 20_000 },
        ),
        code('last', 'return { ...input, first: context.steps.first };'),
      ],
      [
        { from: 'first', to: 'slow' },
        { from: 'slow', to: 'last' },
      ],
    );
    const runId = await startRun('durable');
    await eventually(async () => (node(await readRun(runId), 'slow')?.status === 'running' ? true : undefined));
    await killRunWorkers(product);
    const run = await closedRun(runId, 110_000);
    expect({ status: run.status, error: run.error }).toEqual({ status: 'completed' });
    expect(node(run, 'slow').attempt).toBeGreaterThanOrEqual(2);
    expect(run.output).toMatchObject({ first: { at: 1 } });

    // Each node scheduled once, the slow one retried in place (the definition is read by a local activity).
    expect((await activitySummaries(runId)).activities).toEqual(['first', 'slow', 'last']);
  });
});
