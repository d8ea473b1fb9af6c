/**
 * Fused chains end to end: light code nodes in a row run as one local activity, and everything a user sees of the
 * run — the run view node by node, the event stream, the Temporal Web UI summaries — is what the same flow shows
 * with fusing turned off (`execution.fuseChains: false`). One product for the whole file.
 */
import { Client, Connection } from '@temporalio/client';
import { eventually, Product, startProduct } from '../support/product';

let product: Product;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  product = await startProduct();
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
  const history = await client.workflow.getHandle(runId).fetchHistory();
  return (history.events ?? [])
    .filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')
    .map(summaryText);
}

const isFused = (summary: string) => summary.endsWith('fused)');

/**
 * Runs a flow until its nodes have been measured light and the run fused the chains expected. A worker measures a
 * node each time it runs, and on a loaded machine may measure one slow: it then runs apart until measured fast again,
 * so after a miss the flow runs once with `every`, an input that runs every node of the chains.
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
    if (chains.every((chain) => summaries.includes(chain)) || attempt >= 10) return { run, summaries };
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
    expect(summaries).toEqual(['load flow definition', chain]);
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
        code('open', 'return { v: input.v + 1 };'),
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
    expect(through.summaries).toContain(chain);
    expect(through.fused.output).toEqual({ v: 3 });
    expect(comparable(through.fused)).toEqual(comparable(through.oneByOne));

    const stopped = await bothWays('gated', { path: 'elsewhere' }, [chain], { path: 'go' });
    expect(stopped.summaries).toContain(chain);
    expect(stopped.fused.status).toBe('completed');
    expect(stopped.fused.nodes.map((node: any) => [node.id, node.status])).toEqual([
      ['gate', 'succeeded'],
      ['open', 'skipped'],
      ['after', 'skipped'],
    ]);
    expect(stopped.fused.nodes[0].unmatchedPath).toBe('elsewhere');
    expect(comparable(stopped.fused)).toEqual(comparable(stopped.oneByOne));
  });

  test('a failure inside a chain follows the failing node’s error edge, as unfused', async () => {
    await runFlow('failing', { n: 1 }); // `next` measured too
    const chains = ['first → check → next (3 nodes, fused)', 'handler → tail (2 nodes, fused)'];
    // `{ n: 1 }` runs the chain through `next`; `{ n: 2 }` fails at `check` and runs the handler's chain.
    const { fused, oneByOne, summaries } = await bothWays('failing', { n: 2 }, chains, { n: 1 });
    expect(summaries.filter(isFused)).toEqual(chains);
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

  test('a failure with no error edge fails the run with that node’s error, as unfused', async () => {
    await runFlow('unhandled', {}); // `three` measured too
    const chain = 'one → two → three (3 nodes, fused)';
    const { fused, oneByOne, summaries } = await bothWays('unhandled', { n: 1 }, [chain], {});
    expect(summaries).toContain(chain);
    expect(fused.status).toBe('failed');
    expect(fused.error).toMatchObject({ message: 'no handler', nodeId: 'two', type: 'CodeError' });
    expect(oneByOne.status).toBe('failed');
    expect({ ...fused.error, stack: undefined }).toEqual({ ...oneByOne.error, stack: undefined });
    expect(comparable(fused)).toEqual(comparable(oneByOne));
  });
});
