/**
 * Fused chains end to end: light code nodes in a row run as one local activity, and everything a user sees of the
 * run — the run view node by node, the event stream, the Temporal Web UI summaries — is what the same flow shows
 * with fusing turned off (`execution.fuseChains: false`). One product for the whole file.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { eventually, killRunWorkers, Product, startProduct } from '../support/product';

let product: Product;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  // The crash test's node after the chain calls a server of the test on loopback.
  product = await startProduct({ env: { NECTAR_EGRESS_ALLOW: '127.0.0.1' } });
  connection = await Connection.connect({ address: `127.0.0.1:${product.ports.temporal}` });
  client = new Client({ connection });
});

afterAll(async () => {
  await connection?.close();
  await product?.stop();
});

type Spec = Record<string, unknown> & { id: string };

const code = (id: string, source: string, extra: Record<string, unknown> = {}): Spec => ({
  id,
  type: 'code',
  code: source,
  ...extra,
});

/** Saves the flow twice: as `<id>` (fused) and as `<id>-one-by-one` (fusing turned off). */
async function saveBoth(id: string, nodes: Spec[], edges: Record<string, unknown>[]): Promise<void> {
  for (const [flowId, execution] of [
    [id, undefined],
    [`${id}-one-by-one`, { fuseChains: false }],
  ] as const) {
    const response = await product.request('POST', '/api/flows', { id: flowId, name: id, nodes, edges, execution });
    expect(response.status).toBe(201);
  }
}

async function runFlow(flowId: string, input: unknown): Promise<any> {
  const response = await product.request('POST', `/api/flows/${flowId}/runs?wait=true`, { input });
  expect([200, 202]).toContain(response.status);
  return eventually(async () => {
    const run = await product.request('GET', `/api/runs/${response.body.runId as string}`);
    return run.body.status === 'running' || run.body.status === 'pending' ? undefined : run.body;
  }, 120_000);
}

function summaryText(event: { userMetadata?: { summary?: { data?: Uint8Array | null } | null } | null }): string {
  const data = event.userMetadata?.summary?.data;
  return data ? (JSON.parse(Buffer.from(data).toString()) as string) : '';
}

/** The summaries of a run's local activities (their markers), in the order they were recorded. */
async function localActivities(runId: string): Promise<string[]> {
  return (await summaries(runId)).localActivities;
}

/** The summaries of a run's regular activities and of its local activities, in the order they were recorded. */
async function summaries(runId: string): Promise<{ activities: string[]; localActivities: string[] }> {
  const events = (await client.workflow.getHandle(runId).fetchHistory()).events ?? [];
  return {
    activities: events.filter((event) => event.activityTaskScheduledEventAttributes).map(summaryText),
    localActivities: events
      .filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      .map(summaryText),
  };
}

/** The summary of a run plan that may run the run's entry chain along (flow/entryChain.ts). */
const planThen = (chain: string) => `load flow definition, then ${chain} when light`;
const isFused = (summary: string) => summary.endsWith('fused)') || summary.endsWith('fused) when light');

/**
 * Whether `chain` ran fused: as a local activity of its own, or along with the plan that names it, when nothing after
 * the plan ran the chain's first node.
 */
function ranFused(summaries: string[], chain: string): boolean {
  if (summaries.includes(chain)) return true;
  const head = chain.split(' → ')[0];
  return summaries.includes(planThen(chain)) && !summaries.some((s) => s === head || s.startsWith(`${head} → `));
}

/**
 * Runs a flow until its nodes have been measured light and the run fused the chains expected. A node is measured when
 * it runs (a never-measured node runs apart, once), so after a miss the flow runs once with `every`, an input that
 * runs every node of the chains.
 */
async function fusedRun(
  flowId: string,
  input: unknown,
  chains: string[],
  every: unknown = input,
): Promise<{ run: any; summaries: string[] }> {
  for (let attempt = 1; ; attempt++) {
    const run = await runFlow(flowId, input);
    const summaries = await localActivities(run.runId);
    if (chains.every((chain) => ranFused(summaries, chain)) || attempt >= 10) return { run, summaries };
    if (every !== input) await runFlow(flowId, every);
  }
}

/** A run's nodes without what differs between two runs of the same flow: times, durations, memory. */
function comparable(run: any): unknown[] {
  return run.nodes.map((node: any) => {
    const { startedAt: _startedAt, endedAt, durationMs: _durationMs, memoryBytes: _memoryBytes, logs, ...rest } = node;
    return {
      ...rest,
      ...(endedAt === undefined ? {} : { ended: Date.parse(endedAt) >= Date.parse(node.startedAt) }),
      ...(logs ? { logs: logs.map(({ timestamp: _timestamp, ...entry }: any) => entry) } : {}),
      ...(node.status === 'succeeded' || (node.status === 'failed' && logs)
        ? { measured: typeof node.durationMs === 'number' && typeof node.memoryBytes === 'number' }
        : {}),
      ...(node.error?.stack ? { error: { ...node.error, stack: 'a stack' } } : {}),
    };
  });
}

/** Runs the fused flow and its one-by-one twin with the same input; both views, and the fused run's summaries. */
async function bothWays(
  id: string,
  input: unknown,
  chains: string[],
  every: unknown = input,
): Promise<{ fused: any; oneByOne: any; summaries: string[] }> {
  const { run: fused, summaries } = await fusedRun(id, input, chains, every);
  const oneByOne = await runFlow(`${id}-one-by-one`, input);
  return { fused, oneByOne, summaries };
}

describe('a fused chain shows what the nodes one by one show', () => {
  beforeAll(async () => {
    await saveBoth(
      'pipeline',
      [
        code('parse', "console.log('parsing', input.text); return { words: input.text.split(' ') };"),
        code('count', "console.info('counted'); console.warn('careful'); return { n: input.words.length };"),
        code('mapped', 'return { n: input.n, text: input.text, first: input.first };', {
          input: {
            n: { path: 'steps.count.n' },
            text: { path: 'trigger.payload.text' },
            first: { path: 'steps.parse.words' },
          },
        }),
        code('sum', 'return { total: input.n * 2, seen: Object.keys(context.steps), trigger: context.trigger.type };'),
      ],
      [
        { from: 'parse', to: 'count' },
        { from: 'count', to: 'mapped' },
        { from: 'mapped', to: 'sum' },
      ],
    );
  });

  test('outputs, logs, statuses and attempts node by node; every node in the Web UI summary', async () => {
    const chain = 'parse → count → mapped → sum (4 nodes, fused)';
    const { fused, oneByOne, summaries } = await bothWays('pipeline', { text: 'a b c' }, [chain]);
    // The flow's entry chain, run along with the run's plan: one local activity for the whole run.
    expect(summaries).toEqual([planThen(chain)]);
    expect(fused.status).toBe('completed');
    expect(fused.output).toEqual({ total: 6, seen: ['parse', 'count', 'mapped'], trigger: 'api' });
    expect(fused.output).toEqual(oneByOne.output);
    expect(comparable(fused)).toEqual(comparable(oneByOne));
    expect(fused.nodes.map((node: any) => node.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(fused.nodes[1].logs.map((entry: any) => [entry.level, entry.args])).toEqual([
      ['info', ['counted']],
      ['warn', ['careful']],
    ]);
    // Each node its own start, in order.
    const starts = fused.nodes.map((node: any) => Date.parse(node.startedAt));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
  });

  test('the event stream sends every node of the chain', async () => {
    const { run } = await fusedRun('pipeline', { text: 'x y' }, ['parse → count → mapped → sum (4 nodes, fused)']);
    const response = await fetch(`${product.baseUrl}/api/runs/${run.runId as string}/stream`, {
      headers: { authorization: `Bearer ${product.adminKey}` },
    });
    const text = await response.text();
    const nodes = text
      .split('\n\n')
      .filter((block) => block.includes('event: node'))
      .map((block) => JSON.parse(/data: (.*)/.exec(block)![1]) as { id: string; status: string; output: unknown });
    expect(nodes.map((node) => [node.id, node.status])).toEqual([
      ['parse', 'succeeded'],
      ['count', 'succeeded'],
      ['mapped', 'succeeded'],
      ['sum', 'succeeded'],
    ]);
    expect(nodes[1].output).toEqual({ n: 2 });
  });
});

describe('routing inside a fused chain', () => {
  beforeAll(async () => {
    await saveBoth(
      'gated',
      [
        code('gate', "console.log('gate'); return { nextPath: input.path, v: 1 };"),
        code('open', "console.log('open'); return { v: input.v + 1 };"),
        code('after', 'return { v: input.v + 1 };'),
      ],
      [
        { from: 'gate', to: 'open', path: 'go' },
        { from: 'open', to: 'after' },
      ],
    );
    await saveBoth(
      'failing',
      [
        code('first', "console.log('first'); return { n: input.n };"),
        code(
          'check',
          "console.log('checking', input.n); if (input.n > 1) throw new Error('too big: ' + input.n); return input;",
        ),
        code('next', 'return { n: input.n + 1 };'),
        code('handler', 'return { handled: input.message, node: input.node };'),
        code('tail', 'return { ...input, after: true };'),
      ],
      [
        { from: 'first', to: 'check' },
        { from: 'check', to: 'next' },
        { from: 'check', to: 'handler', on: 'error' },
        { from: 'handler', to: 'tail' },
      ],
    );
    await saveBoth(
      'overrun',
      [
        // `leaked` is a global of this node's realm only: the chain's nodes share an isolate, never a context.
        code('first', "const leaked = 'first'; const f = (input) => ({ n: input.n, spin: input.spin });"),
        code('slow', 'if (input.spin) { while (true) {} } return { ...input, leaked: typeof leaked };', {
          timeoutMs: 300,
        }),
        code('next', 'return { ...input, next: true };'),
        code('handler', 'return { handled: input.message, node: input.node };'),
      ],
      [
        { from: 'first', to: 'slow' },
        { from: 'slow', to: 'next' },
        { from: 'slow', to: 'handler', on: 'error' },
      ],
    );
    await saveBoth(
      'unhandled',
      [
        code('one', 'return { n: input.n };'),
        code('two', "if (input.n) throw new Error('no handler'); return input;"),
        code('three', 'return input;'),
      ],
      [
        { from: 'one', to: 'two' },
        { from: 'two', to: 'three' },
      ],
    );
  });

  test('a nextPath that takes the link runs on; one that takes no edge ends the chain there, as unfused', async () => {
    const chain = 'gate → open → after (3 nodes, fused)';
    const through = await bothWays('gated', { path: 'go' }, [chain]);
    expect(through.summaries).toEqual([planThen(chain)]);
    expect(through.fused.output).toEqual({ v: 3 });
    expect(comparable(through.fused)).toEqual(comparable(through.oneByOne));

    const stopped = await bothWays('gated', { path: 'elsewhere' }, [chain], { path: 'go' });
    expect(stopped.summaries).toEqual([planThen(chain)]);
    expect(stopped.fused.status).toBe('completed');
    expect(stopped.fused.nodes.map((node: any) => [node.id, node.status])).toEqual([
      ['gate', 'succeeded'],
      ['open', 'skipped'],
      ['after', 'skipped'],
    ]);
    expect(stopped.fused.nodes[0].unmatchedPath).toBe('elsewhere');
    expect(comparable(stopped.fused)).toEqual(comparable(stopped.oneByOne));
  });

  test('a chain counts the executions of the nodes that ran, none of those it skipped', async () => {
    const chain = 'gate → open → after (3 nodes, fused)';
    await fusedRun('gated', { path: 'go' }, [chain]);
    const executions = async () =>
      (await product.request('GET', '/api/workspaces/default')).body.usage.executions as number;
    // Counted all at once as the chain starts; the two it skipped are given back when it ends.
    const before = await executions();
    expect((await runFlow('gated', { path: 'elsewhere' })).status).toBe('completed');
    expect(await executions()).toBe(before + 1);
    expect((await runFlow('gated', { path: 'go' })).output).toEqual({ v: 3 });
    expect(await executions()).toBe(before + 4);
  });

  test('a failure inside a chain follows the failing node’s error edge, as unfused', async () => {
    await runFlow('failing', { n: 1 }); // `next` measured too
    const chains = ['first → check → next (3 nodes, fused)', 'handler → tail (2 nodes, fused)'];
    // `{ n: 1 }` runs the chain through `next`; `{ n: 2 }` fails at `check` and runs the handler's chain.
    const { fused, oneByOne, summaries } = await bothWays('failing', { n: 2 }, chains, { n: 1 });
    expect(summaries.filter(isFused)).toEqual([planThen(chains[0]), chains[1]]);
    expect(fused.status).toBe('completed');
    expect(fused.output).toEqual({ handled: 'too big: 2', node: 'check', after: true });
    const check = fused.nodes.find((node: any) => node.id === 'check');
    expect(check).toMatchObject({
      status: 'failed',
      error: { name: 'Error', message: 'too big: 2', type: 'CodeError', nodeId: 'check' },
      logs: [expect.objectContaining({ args: ['checking', 2] })],
    });
    expect(fused.nodes.find((node: any) => node.id === 'next').status).toBe('skipped');
    expect(comparable(fused)).toEqual(comparable(oneByOne));
  });

  test('a node past its time limit fails alone and follows its error edge, as unfused; no node sees another’s globals', async () => {
    const chain = 'first → slow → next (3 nodes, fused)';
    for (const flowId of ['overrun', 'overrun-one-by-one']) {
      const measured = await fusedRun(flowId, { n: 1 }, flowId === 'overrun' ? [chain] : []);
      expect(measured.run.output).toEqual({ n: 1, leaked: 'undefined', next: true });
    }
    const { fused, oneByOne, summaries } = await bothWays('overrun', { n: 2, spin: true }, [chain], { n: 1 });
    expect(summaries).toContain(planThen(chain));
    expect(fused.status).toBe('completed');
    expect(fused.output).toEqual({ handled: expect.stringContaining('300 ms time limit'), node: 'slow' });
    expect(fused.nodes.find((node: any) => node.id === 'slow')).toMatchObject({
      status: 'failed',
      error: { type: 'TimeoutError', nodeId: 'slow' },
    });
    expect(fused.nodes.find((node: any) => node.id === 'next').status).toBe('skipped');
    expect(comparable(fused)).toEqual(comparable(oneByOne));
  });

  test('a failure with no error edge fails the run with that node’s error, as unfused', async () => {
    await runFlow('unhandled', {}); // `three` measured too
    const chain = 'one → two → three (3 nodes, fused)';
    const { fused, oneByOne, summaries } = await bothWays('unhandled', { n: 1 }, [chain], {});
    expect(summaries).toEqual([planThen(chain)]);
    expect(fused.status).toBe('failed');
    expect(fused.error).toMatchObject({ message: 'no handler', nodeId: 'two', type: 'CodeError' });
    expect(oneByOne.status).toBe('failed');
    expect({ ...fused.error, stack: undefined }).toEqual({ ...oneByOne.error, stack: undefined });
    expect(comparable(fused)).toEqual(comparable(oneByOne));
  });
});

describe('a fused chain inside a loop', () => {
  beforeAll(async () => {
    await saveBoth(
      'looped',
      [
        code('init', 'return { n: 0, until: input.until };'),
        code('inc', 'return { n: input.n + 1, until: input.until, lastCheck: context.steps.check || null };'),
        code(
          'check',
          'return { ...input, seen: Object.keys(context.steps), inc: context.steps.inc.n, nextPath: input.n < input.until ? "again" : "done" };',
        ),
        code('after', 'return { n: input.n, seen: input.seen };'),
      ],
      [
        { from: 'init', to: 'inc' },
        { from: 'inc', to: 'check' },
        { from: 'check', to: 'inc', path: 'again', maxIterations: 5 },
        { from: 'check', to: 'after', path: 'done' },
      ],
    );
  });

  test("each round's nodes see the round before's outputs and their own, as unfused", async () => {
    const chain = 'inc → check (2 nodes, fused)';
    const { fused, oneByOne, summaries } = await bothWays('looped', { until: 3 }, [chain]);
    expect(summaries.filter((summary) => summary === chain)).toHaveLength(3);
    expect(fused.status).toBe('completed');
    // A node's steps leave out its own earlier output.
    expect(fused.output).toEqual({ n: 3, seen: ['init', 'inc'] });
    expect(fused.output).toEqual(oneByOne.output);
    expect(comparable(fused)).toEqual(comparable(oneByOne));
  });
});

describe('a process killed mid-chain', () => {
  const calls: string[] = [];
  const server = http.createServer((request, response) => {
    calls.push(new URL(request.url ?? '/', 'http://test').searchParams.get('run') ?? '');
    response.end('{}');
  });
  const chain = 'head → spin → tail (3 nodes, fused)';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await saveBoth(
      'crashing',
      [
        code('head', "console.log('head'); return { n: input.n, spin: input.spin };"),
        // Light as measured with `spin` off; with it on, it runs long enough to be cut in the middle of the chain.
        code(
          'spin',
          "console.log('spinning'); if (input.spin) { const end = Date.now() + 6000; while (Date.now() < end) {} } return { n: input.n + 1 };",
        ),
        code('tail', 'return { n: input.n + 1 };'),
        // Calls out, so never light: a regular activity after the chain, which must run once.
        code(
          'notify',
          `const notify = async (input, context) => { await axios.post('http://127.0.0.1:${port}/called?run=' + context.workflowContext.workflowId, input); return { ...input, notified: true }; };`,
        ),
      ],
      [
        { from: 'head', to: 'spin' },
        { from: 'spin', to: 'tail' },
        { from: 'tail', to: 'notify' },
      ],
    );
  });

  afterAll(() => {
    server.close();
  });

  test('the run completes elsewhere: each node recorded once, nothing after the chain run twice, the view as unfused', async () => {
    await fusedRun('crashing', { n: 1, spin: false }, [chain]);
    const started = await product.request('POST', '/api/flows/crashing/runs', { input: { n: 100, spin: true } });
    expect(started.status).toBe(202);
    const runId = started.body.runId as string;

    // The chain is in its second node once that node's first log line reaches the run debugger's live logs.
    const mongo = new MongoClient(product.info.mongoUri);
    try {
      await eventually(
        async () =>
          (await mongo.db().collection('run_live_logs').countDocuments({ runId, nodeId: 'spin' })) > 0
            ? true
            : undefined,
        60_000,
      );
    } finally {
      await mongo.close();
    }
    await killRunWorkers(product);
    const fused = await eventually(async () => {
      const run = await product.request('GET', `/api/runs/${runId}`);
      return run.body.status === 'running' || run.body.status === 'pending' ? undefined : run.body;
    }, 120_000);
    expect({ status: fused.status, error: fused.error }).toEqual({ status: 'completed' });
    expect(fused.output).toEqual({ n: 102, notified: true });
    expect(fused.nodes.map((node: any) => [node.id, node.status])).toEqual([
      ['head', 'succeeded'],
      ['spin', 'succeeded'],
      ['tail', 'succeeded'],
      ['notify', 'succeeded'],
    ]);
    // The chain ran again from its first node in a process started after the kill — still fused, as the measurements
    // made before it are in the store — and its one result is in the history once; the node after it was called once.
    expect(await summaries(runId)).toEqual({
      activities: ['notify'],
      localActivities: [planThen(chain)],
    });
    // Cut mid-chain: the workflow task that ran it timed out before the chain's result was recorded.
    const events = (await client.workflow.getHandle(runId).fetchHistory()).events ?? [];
    const timedOut = events.findIndex((event) => event.workflowTaskTimedOutEventAttributes);
    const marker = events.findIndex((event) => summaryText(event) === planThen(chain));
    expect(timedOut).toBeGreaterThan(0);
    expect(timedOut).toBeLessThan(marker);
    expect(calls.filter((run) => run === runId)).toEqual([runId]);

    const oneByOne = await runFlow('crashing-one-by-one', { n: 100, spin: true });
    expect(comparable(fused)).toEqual(comparable(oneByOne));
  });

  test('a process started after the kill runs the nodes measured before it as light from its first run', async () => {
    const response = await product.request('POST', '/api/flows/pipeline/runs?wait=true', { input: { text: 'p q' } });
    expect(response.status).toBe(200);
    expect(await localActivities(response.body.runId)).toEqual([
      planThen('parse → count → mapped → sum (4 nodes, fused)'),
    ]);
  });
});
