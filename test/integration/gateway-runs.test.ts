/** The runs API beyond start and read: listing from Temporal visibility, re-running, the live event stream, events. */
import { Client, Connection } from '@temporalio/client';
import { OUTPUT_REF_THRESHOLD_BYTES } from '../../store/outputs';
import { eventually, Product, startProduct } from '../support/product';

let product: Product;
const started: string[] = [];

const ECHO = {
  id: 'listed',
  name: 'Listed',
  nodes: [
    {
      id: 'echo',
      type: 'code',
      code: 'if (input && input.fail) throw new Error("asked to fail"); return { got: input };',
    },
  ],
  triggers: [{ type: 'webhook' }],
};

async function runToEnd(flowId: string, input: unknown): Promise<string> {
  const response = await product.request('POST', `/api/flows/${flowId}/runs?wait=true`, { input });
  expect([200, 202]).toContain(response.status);
  return response.body.runId;
}

async function listAll(query: string): Promise<any[]> {
  const response = await product.request('GET', `/api/runs?${query}`);
  expect(response.status).toBe(200);
  return response.body.runs;
}

beforeAll(async () => {
  product = await startProduct();
  await product.request('POST', '/api/flows', ECHO);
  await product.request('POST', '/api/flows', { ...ECHO, id: 'other', name: 'Other', triggers: undefined });
  for (let n = 0; n < 4; n += 1) started.push(await runToEnd('listed', { n }));
  started.push(await runToEnd('listed', { fail: true }));
  await runToEnd('other', { n: 99 });
  // visibility is eventually consistent: wait until it shows every run
  await eventually(async () => ((await listAll('flowId=listed')).length === 5 ? true : undefined));
});

afterAll(async () => {
  await product?.stop();
});

describe('GET /api/runs', () => {
  test('lists a flow’s runs, newest first, with their status, version and trigger', async () => {
    const runs = await listAll('flowId=listed');
    expect(runs.map((run) => run.runId)).toEqual([...started].reverse());
    expect(runs[0]).toMatchObject({ flowId: 'listed', flowVersion: 1, trigger: 'api', status: 'failed' });
    expect(runs[1]).toMatchObject({ status: 'completed' });
    expect(Date.parse(runs[0].startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[1].startedAt));
    expect(runs[0].closedAt).toBeDefined();
  });

  test('filters by status, trigger and start time', async () => {
    expect((await listAll('flowId=listed&status=failed')).map((run) => run.runId)).toEqual([started[4]]);
    expect(await listAll('flowId=listed&status=running')).toEqual([]);
    expect((await listAll('status=completed')).length).toBe(5);
    expect(await listAll('flowId=listed&trigger=webhook')).toEqual([]);
    const hook = await fetch(`${product.baseUrl}/hooks/listed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":7}',
    });
    const { runId } = (await hook.json()) as { runId: string };
    const webhookRuns = await eventually(async () => {
      const runs = await listAll('trigger=webhook');
      return runs.length === 1 ? runs : undefined;
    });
    expect(webhookRuns[0].runId).toBe(runId);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await listAll(`flowId=listed&startedAfter=${encodeURIComponent(future)}`)).toEqual([]);
    expect((await listAll(`flowId=other&startedBefore=${encodeURIComponent(future)}`)).length).toBe(1);
  });

  test('paginates with nextPageToken until the last page', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const response = await product.request(
        'GET',
        `/api/runs?flowId=listed&trigger=api&pageSize=2${token ? `&pageToken=${token}` : ''}`,
      );
      expect(response.status).toBe(200);
      expect(response.body.runs.length).toBeLessThanOrEqual(2);
      seen.push(...response.body.runs.map((run: { runId: string }) => run.runId));
      token = response.body.nextPageToken;
      pages += 1;
    } while (token && pages < 10);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...started].reverse());
  });

  test('a bad filter is refused with 400 naming it', async () => {
    const status = await product.request('GET', '/api/runs?status=sleeping');
    expect(status.status).toBe(400);
    expect(status.body.error.problems[0].path).toBe('query.status');
    const flowId = await product.request('GET', "/api/runs?flowId=x'%20OR%20'1'='1");
    expect(flowId.body.error.problems[0].path).toBe('query.flowId');
    expect((await product.request('GET', '/api/runs?color=red')).status).toBe(400);
    expect((await product.request('GET', '/api/runs?pageSize=0')).body.error.problems[0].path).toBe('query.pageSize');
    expect((await product.request('GET', '/api/runs', undefined, {})).status).toBe(401);
  });
});

describe('POST /api/runs/:runId/rerun', () => {
  test('starts a new run with the same trigger and input', async () => {
    const rerun = await product.request('POST', `/api/runs/${started[1]}/rerun`, {});
    expect(rerun.status).toBe(202);
    expect(rerun.body.rerunOf).toEqual({ runId: started[1] });
    expect(rerun.body.runId).not.toBe(started[1]);
    const run = await eventually(async () => {
      const read = await product.request('GET', `/api/runs/${rerun.body.runId}`);
      return read.body.status === 'completed' ? read.body : undefined;
    });
    expect(run.output).toEqual({ got: { n: 1 } });
    expect(run.trigger).toBe('api');
  });

  test('an unknown run answers 404 and a bad body 400', async () => {
    expect((await product.request('POST', `/api/runs/run-listed-${'0'.repeat(32)}/rerun`, {})).status).toBe(404);
    const bad = await product.request('POST', `/api/runs/${started[0]}/rerun`, { version: 'oldest' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems[0].path).toBe('body.version');
  });
});

describe('GET /api/runs/:runId/stream', () => {
  test('sends the status, each node as it changes, and the outcome, then closes', async () => {
    await product.request('POST', '/api/flows', {
      id: 'streamed',
      name: 'Streamed',
      nodes: [
        {
          id: 'slow',
          type: 'code',
          code: 'const end = Date.now() + 800; while (Date.now() < end) {} return { step: 1 };',
        },
        { id: 'after', type: 'code', code: 'return { step: input.step + 1 };' },
      ],
      edges: [{ from: 'slow', to: 'after' }],
    });
    const start = await product.request('POST', '/api/flows/streamed/runs', { input: {} });
    const response = await fetch(`${product.baseUrl}/api/runs/${start.body.runId}/stream`, {
      headers: { authorization: `Bearer ${product.adminKey}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const events = text
      .split('\n\n')
      .filter((block) => block.includes('event: '))
      .map((block) => ({ event: /event: (\w+)/.exec(block)![1], data: JSON.parse(/data: (.*)/.exec(block)![1]) }));
    expect(events[0]).toMatchObject({ event: 'status', data: { status: 'running' } });
    const nodeEvents = events.filter((event) => event.event === 'node');
    expect(nodeEvents.some((event) => event.data.id === 'slow' && event.data.status === 'running')).toBe(true);
    expect(nodeEvents.filter((event) => event.data.status === 'succeeded').map((event) => event.data.id)).toEqual([
      'slow',
      'after',
    ]);
    expect(events[events.length - 1]).toMatchObject({
      event: 'end',
      data: { status: 'completed', output: { step: 2 } },
    });
  });

  test('an unknown run answers 404 before any event', async () => {
    const response = await product.request('GET', `/api/runs/run-x-${'a'.repeat(32)}/stream`);
    expect(response.status).toBe(404);
  });
});

/** The byte sizes of every payload (every byte array) anywhere in a history. */
function payloadSizes(value: unknown, sizes: number[] = []): number[] {
  if (value instanceof Uint8Array) sizes.push(value.byteLength);
  else if (Array.isArray(value)) value.forEach((item) => payloadSizes(item, sizes));
  else if (value && typeof value === 'object') Object.values(value).forEach((item) => payloadSizes(item, sizes));
  return sizes;
}

describe('POST /api/runs/:runId/events', () => {
  const readRun = async (runId: string) => (await product.request('GET', `/api/runs/${runId}`)).body;
  /** Saves the flow and starts a run of it, answering once its wait node "approve" waits. */
  async function waitingRun(flow: { id: string }): Promise<string> {
    expect((await product.request('PUT', `/api/flows/${flow.id}`, flow)).status).toBe(200);
    const { runId } = (await product.request('POST', `/api/flows/${flow.id}/runs`, { input: {} })).body;
    await eventually(async () =>
      (await readRun(runId)).nodes.some((node: any) => node.id === 'approve' && node.status === 'running')
        ? true
        : undefined,
    );
    return runId;
  }
  const closedRun = (runId: string) =>
    eventually(async () => {
      const view = await readRun(runId);
      return view.status === 'running' ? undefined : view;
    });

  test('a large payload goes by reference: code reads it whole, the run view shows the reference, no history payload passes the threshold', async () => {
    const flow = {
      id: 'big-event',
      name: 'Big event',
      nodes: [
        { id: 'approve', type: 'wait', event: 'upload', timeoutMs: 60_000 },
        {
          id: 'measure',
          type: 'code',
          code: 'return { length: input.payload.blob.length, fromSteps: context.steps.approve.payload.meta.name };',
        },
        { id: 'mapped', type: 'code', input: { path: 'steps.approve.payload.meta' }, code: 'return input;' },
      ],
      edges: [
        { from: 'approve', to: 'measure' },
        { from: 'measure', to: 'mapped' },
      ],
    };
    const runId = await waitingRun(flow);
    const blob = 'x'.repeat(300 * 1024);
    const sent = await product.request('POST', `/api/runs/${runId}/events`, {
      event: 'upload',
      payload: { blob, meta: { name: 'scan.pdf' } },
    });
    expect(sent.status).toBe(202);
    const run = await closedRun(runId);
    expect(run.status).toBe('completed');
    const node = (id: string) => run.nodes.find((candidate: { id: string }) => candidate.id === id);
    expect(node('measure').output).toEqual({ length: blob.length, fromSteps: 'scan.pdf' });
    expect(node('mapped').output).toEqual({ name: 'scan.pdf' });
    expect(node('approve').output).toEqual({
      event: 'upload',
      payload: { $nectarRef: 1, id: expect.any(String), bytes: expect.any(Number) },
    });
    expect(node('approve').output.payload.bytes).toBeGreaterThan(300 * 1024);

    const connection = await Connection.connect({ address: product.info.temporalAddress });
    try {
      const history = await new Client({ connection }).workflow.getHandle(runId).fetchHistory();
      const sizes = payloadSizes(history);
      expect(sizes.length).toBeGreaterThan(5);
      expect(Math.max(...sizes)).toBeLessThan(OUTPUT_REF_THRESHOLD_BYTES);
    } finally {
      await connection.close();
    }
  });

  test('a small payload is signalled inline, as before', async () => {
    const flow = {
      id: 'small-event',
      name: 'Small event',
      nodes: [{ id: 'approve', type: 'wait', event: 'ok', timeoutMs: 60_000 }],
    };
    const runId = await waitingRun(flow);
    expect(
      (await product.request('POST', `/api/runs/${runId}/events`, { event: 'ok', payload: { by: 'ada' } })).status,
    ).toBe(202);
    expect((await closedRun(runId)).output).toEqual({ event: 'ok', payload: { by: 'ada' } });
  });
});
