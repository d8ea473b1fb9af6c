/**
 * The event bus: POST /api/events starts the subscribed flows once per event id and delivers the event to runs whose
 * wait nodes wait for it with a matching correlation key.
 */
import { Client, Connection } from '@temporalio/client';
import { eventually, Product, startProduct } from '../support/product';

jest.setTimeout(180_000);

let product: Product;
let temporal: Client;

const ECHO = [{ id: 'capture', type: 'code', code: 'return { trigger: context.trigger, input };' }];

async function runsOf(flowId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const workflow of temporal.workflow.list({ query: `NectarFlowId = '${flowId}'` }))
    ids.push(workflow.workflowId);
  return ids;
}

async function startWaiter(orderId: string): Promise<string> {
  const started = await product.request('POST', '/api/flows/payment-waiter/runs', { input: { orderId } });
  expect(started.status).toBe(202);
  const { runId } = started.body;
  // The bus finds waiting runs through visibility: wait until this one is listed as waiting.
  await eventually(async () => {
    for await (const run of temporal.workflow.list({
      query: `NectarWaitingFor = 'order.paid' AND ExecutionStatus = 'Running'`,
    }))
      if (run.workflowId === runId) return true;
    return undefined;
  });
  return runId;
}

beforeAll(async () => {
  product = await startProduct();
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  const flows = [
    { id: 'on-order', name: 'On order', nodes: ECHO, triggers: [{ type: 'event', event: 'order.created' }] },
    {
      id: 'also-on-order',
      name: 'Also on order',
      nodes: ECHO,
      triggers: [{ type: 'event', id: 'orders', event: 'order.created' }],
    },
    {
      id: 'payment-waiter',
      name: 'Payment waiter',
      nodes: [
        {
          id: 'wait',
          type: 'wait',
          event: 'order.paid',
          match: { path: 'order.id', equals: { path: 'trigger.payload.orderId' } },
          timeoutMs: 120_000,
        },
        { id: 'done', type: 'code', code: 'return input;' },
      ],
      edges: [{ from: 'wait', to: 'done' }],
    },
    {
      id: 'order-maker',
      name: 'Order maker',
      nodes: [
        {
          id: 'make',
          type: 'code',
          code: "context.emit('order.created', { orderId: input.orderId }); context.emit('order.paid', { order: { id: input.orderId } }); return { made: input.orderId };",
        },
      ],
    },
  ];
  for (const flow of flows) expect((await product.request('POST', '/api/flows', flow)).status).toBe(201);
});

afterAll(async () => {
  await temporal?.connection.close();
  await product?.stop();
});

test('an event starts one run of each subscribed flow with the event as payload; the same id again starts none', async () => {
  const event = { type: 'order.created', id: 'evt-1', payload: { orderId: 'A-1', total: 12 } };
  const first = await product.request('POST', '/api/events', event);
  expect(first.status).toBe(202);
  expect(first.body.runs.map((run: { flowId: string }) => run.flowId).sort()).toEqual(['also-on-order', 'on-order']);
  const run = await eventually(async () => {
    const read = await product.request('GET', `/api/runs/${first.body.runs[0].runId}`);
    return read.body.status === 'completed' ? read.body : undefined;
  });
  expect(run.trigger).toBe('event');
  expect(run.output.trigger).toEqual({ type: 'event', source: 'event order.created', payload: event });
  const again = await product.request('POST', '/api/events', event);
  expect(again.body.runs.every((entry: { duplicate: boolean }) => entry.duplicate)).toBe(true);
  expect(await runsOf('on-order')).toHaveLength(1);
  const other = await product.request('POST', '/api/events', { type: 'order.created', id: 'evt-2', payload: {} });
  expect(other.body.runs.every((entry: { duplicate: boolean }) => !entry.duplicate)).toBe(true);
  expect((await product.request('POST', '/api/events', { type: 'nobody.listens', payload: 1 })).body).toMatchObject({
    runs: [],
    delivered: [],
  });
});

test('an event reaches only the waiting run whose correlation key it matches, once', async () => {
  const waiterA = await startWaiter('A-1');
  const waiterB = await startWaiter('B-2');
  const paid = { type: 'order.paid', id: 'pay-1', payload: { order: { id: 'A-1' }, amount: 12 } };
  const published = await product.request('POST', '/api/events', paid);
  expect(published.body.delivered).toEqual([waiterA]);
  const closed = await eventually(async () => {
    const read = await product.request('GET', `/api/runs/${waiterA}`);
    return read.body.status === 'completed' ? read.body : undefined;
  });
  expect(closed.output).toEqual({ event: 'order.paid', payload: paid.payload });
  expect((await product.request('GET', `/api/runs/${waiterB}`)).body.status).toBe('running');
  expect((await product.request('POST', '/api/events', paid)).body.delivered).toEqual([]);
  const forB = await product.request('POST', '/api/events', {
    type: 'order.paid',
    id: 'pay-2',
    payload: { order: { id: 'B-2' } },
  });
  expect(forB.body.delivered).toEqual([waiterB]);
  await eventually(async () =>
    (await product.request('GET', `/api/runs/${waiterB}`)).body.status === 'completed' ? true : undefined,
  );
});

test('a malformed event is 400 naming the field; a paused subscriber is listed, not started', async () => {
  const bad = await product.request('POST', '/api/events', { type: 'has spaces', payload: {} });
  expect(bad.status).toBe(400);
  expect(bad.body.error.problems[0].path).toBe('body.type');
  expect((await product.request('POST', '/api/flows/on-order/triggers/event/pause')).body.status).toBe('paused');
  const published = await product.request('POST', '/api/events', { type: 'order.created', id: 'evt-3', payload: {} });
  expect(published.body.paused).toEqual(['on-order']);
  expect(published.body.runs.map((run: { flowId: string }) => run.flowId)).toEqual(['also-on-order']);
  const resumed = await product.request('POST', '/api/flows/on-order/triggers/event/resume');
  expect(resumed.body.status).toBe('active');
});

test('context.emit in a code node publishes durably: subscribed flows start and waiting runs resume, chaining flows', async () => {
  const waiter = await startWaiter('C-3');
  const before = (await runsOf('on-order')).length;
  const made = await product.request('POST', '/api/flows/order-maker/runs?wait=true', { input: { orderId: 'C-3' } });
  expect(made.body).toMatchObject({ status: 'completed', output: { made: 'C-3' } });
  // The chained run is listed once started; its output is there only once it has completed.
  const chained = await eventually(async () => {
    const ids = await runsOf('on-order');
    if (ids.length !== before + 1) return undefined;
    const reads = await Promise.all(ids.map((id) => product.request('GET', `/api/runs/${id}`)));
    return reads
      .map((read) => read.body.output?.trigger?.payload)
      .find((payload) => payload?.payload?.orderId === 'C-3');
  });
  expect(chained.id).toMatch(/^emit:run-order-maker-[a-f0-9]{32}:make\.1:0$/);
  const resumed = await eventually(async () => {
    const read = await product.request('GET', `/api/runs/${waiter}`);
    return read.body.status === 'completed' ? read.body : undefined;
  });
  expect(resumed.output).toEqual({ event: 'order.paid', payload: { order: { id: 'C-3' } } });
});
