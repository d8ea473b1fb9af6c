/**
 * PostgreSQL change triggers end to end: the product's listener (a Temporal workflow in the worker) on a real
 * PostgreSQL, one run per committed change, none lost while the product is down, pause and resume, bad configuration.
 */
import { Client, Connection } from '@temporalio/client';
import { sleep } from '../../common/processes';
import { RUN_PAYLOAD_MAX_BYTES } from '../../common/config';
import { eventually, Product, startProduct } from '../support/product';
import { LocalPostgres, startLocalPostgres } from '../support/postgres';

jest.setTimeout(240_000);

let pg: LocalPostgres;
let product: Product;
let temporal: Client;

const KEY = 'default/orders-feed/orders';

function ordersFlow(trigger: Record<string, unknown> = {}) {
  return {
    id: 'orders-feed',
    name: 'Orders feed',
    nodes: [{ id: 'capture', type: 'code', code: 'return { trigger: context.trigger, input };' }],
    triggers: [{ type: 'postgres', id: 'orders', urlVariable: 'ORDERS_DB', table: 'orders', ...trigger }],
  };
}

async function postgresRuns(): Promise<string[]> {
  const ids: string[] = [];
  for await (const workflow of temporal.workflow.list({
    query: `NectarFlowId = 'orders-feed' AND NectarTrigger = 'postgres'`,
  }))
    ids.push(workflow.workflowId);
  return ids;
}

/** Waits until exactly `count` runs exist (and answers their outputs once completed). */
async function runsSettleAt(count: number): Promise<Array<{ trigger: any; input: any }>> {
  const ids = await eventually(async () => {
    const found = await postgresRuns();
    if (found.length > count) throw new Error(`${found.length} runs, expected ${count}`);
    return found.length === count ? found : undefined;
  }, 60_000);
  const outputs = [];
  for (const id of ids) {
    outputs.push(
      await eventually(async () => {
        const run = await product.request('GET', `/api/runs/${id}`);
        return run.body.status === 'completed' ? run.body.output : undefined;
      }),
    );
  }
  return outputs;
}

async function pendingInOutbox(): Promise<number> {
  const result = await pg.client.query(`SELECT count(*)::int AS n FROM nectar.outbox WHERE trigger_key = $1`, [KEY]);
  return result.rows[0].n;
}

async function triggerState(): Promise<any> {
  const list = await product.request('GET', '/api/flows/orders-feed/triggers');
  expect(list.status).toBe(200);
  return list.body.triggers.find((trigger: { triggerId: string }) => trigger.triggerId === 'orders');
}

beforeAll(async () => {
  pg = await startLocalPostgres();
  await pg.client.query('CREATE TABLE orders (id serial PRIMARY KEY, status text NOT NULL, total numeric)');
  product = await startProduct({ env: { NECTAR_EGRESS_ALLOW: '127.0.0.1' } });
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  expect((await product.request('PUT', '/api/variables/ORDERS_DB', { value: pg.url })).status).toBe(201);
});

afterAll(async () => {
  await temporal?.connection.close();
  await product?.stop();
  await pg?.stop();
});

test('a bad trigger is refused with 400 naming the field', async () => {
  const saved = await product.request(
    'POST',
    '/api/flows',
    ordersFlow({ table: 'orders; drop table x', operations: ['insert', 'upsert'] }),
  );
  expect(saved.status).toBe(400);
  const paths = saved.body.error.problems.map((problem: { path: string }) => problem.path);
  expect(paths).toEqual(expect.arrayContaining(['triggers[0].table', 'triggers[0].operations[1]']));
  const missing = await product.request('POST', '/api/flows', {
    ...ordersFlow(),
    triggers: [{ type: 'postgres', table: 'orders' }],
  });
  expect(missing.status).toBe(400);
  expect(missing.body.error.problems.map((problem: { path: string }) => problem.path)).toContain(
    'triggers[0].urlVariable',
  );
});

test('a committed row change starts exactly one run with the change as its payload', async () => {
  expect((await product.request('POST', '/api/flows', ordersFlow())).status).toBe(201);
  // The listener installs the outbox when it starts; a change before that is not the trigger's.
  await eventually(async () =>
    (await triggerState())?.status === 'active' &&
    (await pg.client.query(`SELECT to_regclass('nectar.outbox') AS t`)).rows[0].t
      ? true
      : undefined,
  );
  await eventually(async () =>
    (
      await pg.client.query(
        `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal`,
      )
    ).rows[0].n === 1
      ? true
      : undefined,
  );
  await pg.client.query(`INSERT INTO orders (status, total) VALUES ('new', 42.5)`);
  const [output] = await runsSettleAt(1);
  expect(output.trigger).toMatchObject({ type: 'postgres', source: 'postgres public.orders' });
  expect(output.input).toMatchObject({
    operation: 'insert',
    schema: 'public',
    table: 'orders',
    old: null,
    new: { id: 1, status: 'new', total: 42.5 },
  });
  expect(Date.parse(output.input.committedAt)).toBeGreaterThan(Date.now() - 120_000);
  expect(await pendingInOutbox()).toBe(0);
  const state = await triggerState();
  expect(state).toMatchObject({ type: 'postgres', status: 'active', runsStarted: 1, route: 'public.orders' });
  expect(state.position).toMatch(/^outbox id \d+$/);
});

test('pausing stops runs (changes wait in the outbox); resuming catches up', async () => {
  const paused = await product.request('POST', '/api/flows/orders-feed/triggers/orders/pause');
  expect(paused.status).toBe(200);
  expect(paused.body.status).toBe('paused');
  await sleep(1_500);
  await pg.client.query(`UPDATE orders SET status = 'paid' WHERE id = 1`);
  await sleep(3_000);
  expect(await pendingInOutbox()).toBe(1);
  expect(await postgresRuns()).toHaveLength(1);
  const resumed = await product.request('POST', '/api/flows/orders-feed/triggers/orders/resume');
  expect(resumed.body).toMatchObject({ status: 'active', resume: 'catches up from its position' });
  const outputs = await runsSettleAt(2);
  const update = outputs.find((output) => output.input.operation === 'update');
  expect(update?.input).toMatchObject({ old: { status: 'new' }, new: { status: 'paid' } });
});

test('changes made while the product is down each start exactly one run once it is back', async () => {
  await product.stop();
  await pg.client.query(`INSERT INTO orders (status, total) VALUES ('new', 1), ('new', 2), ('new', 3)`);
  await pg.client.query(`DELETE FROM orders WHERE total = 2`);
  await temporal.connection.close();
  product = await startProduct({
    dataDir: product.dataDir,
    adminKey: product.adminKey,
    env: { NECTAR_EGRESS_ALLOW: '127.0.0.1' },
  });
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  const outputs = await runsSettleAt(6);
  const operations = outputs
    .map((output) => `${output.input.operation} ${(output.input.new ?? output.input.old).total}`)
    .sort();
  expect(operations).toEqual(['delete 2', 'insert 1', 'insert 2', 'insert 3', 'insert 42.5', 'update 42.5']);
  await eventually(async () => ((await pendingInOutbox()) === 0 ? true : undefined));
  expect(await postgresRuns()).toHaveLength(6);
});

test('a change nested past the payload limit is recorded as rejected with the reason and read past; the next one runs', async () => {
  await pg.client.query('ALTER TABLE orders ADD COLUMN doc jsonb');
  const deep = `${'{"a":'.repeat(300)}1${'}'.repeat(300)}`;
  await pg.client.query(`INSERT INTO orders (status, total, doc) VALUES ('deep', 7, $1::jsonb)`, [deep]);
  await pg.client.query(`INSERT INTO orders (status, total, doc) VALUES ('after', 8, '{"a": 1}')`);
  const outputs = await runsSettleAt(7);
  expect(outputs.map((output) => output.input.new?.status)).toContain('after');
  expect(outputs.map((output) => output.input.new?.status)).not.toContain('deep');
  const state = await eventually(async () => {
    const now = await triggerState();
    return now.eventsRejected === 1 ? now : undefined;
  });
  expect(state).toMatchObject({
    status: 'active',
    lastRejection: expect.stringMatching(/trigger\.payload\.new\.doc\.a.* is nested deeper than 256 levels/),
  });
  expect(Date.parse(state.lastRejectedAt)).toBeGreaterThan(Date.now() - 120_000);
  expect(await pendingInOutbox()).toBe(0);
});

test('a flat change larger than a run may carry is recorded as rejected with its size and read past; the next one runs', async () => {
  // Flat and well within the shape limits: only its size (past RUN_PAYLOAD_MAX_BYTES, what a run may carry) is wrong.
  const big = JSON.stringify({ text: 'x'.repeat(RUN_PAYLOAD_MAX_BYTES) });
  const before = Date.now();
  await pg.client.query(`INSERT INTO orders (status, total, doc) VALUES ('big', 9, $1::jsonb)`, [big]);
  await pg.client.query(`INSERT INTO orders (status, total, doc) VALUES ('after big', 10, '{"a": 2}')`);
  const outputs = await runsSettleAt(8);
  expect(outputs.map((output) => output.input.new?.status)).toContain('after big');
  expect(outputs.map((output) => output.input.new?.status)).not.toContain('big');
  const state = await eventually(async () => {
    const now = await triggerState();
    return now.eventsRejected === 2 ? now : undefined;
  });
  expect(state).toMatchObject({
    status: 'active',
    lastRejection: expect.stringMatching(
      new RegExp(`trigger\\.payload is \\d+ bytes of JSON, past the ${RUN_PAYLOAD_MAX_BYTES}-byte limit`),
    ),
  });
  // Read past at once: no failed attempt on it was reported.
  expect(state.lastErrorAt === undefined || Date.parse(state.lastErrorAt) < before).toBe(true);
  expect(await pendingInOutbox()).toBe(0);
});

test('removing the trigger uninstalls its row trigger and ends its listener', async () => {
  const saved = await product.request('PUT', '/api/flows/orders-feed', { ...ordersFlow(), triggers: [] });
  expect(saved.status).toBe(200);
  await eventually(async () =>
    (
      await pg.client.query(
        `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal`,
      )
    ).rows[0].n === 0
      ? true
      : undefined,
  );
  const list = await product.request('GET', '/api/flows/orders-feed/triggers');
  expect(list.body.triggers).toEqual([]);
  const listener = await temporal.workflow.getHandle(`trigger-listener:${KEY}`).describe();
  await eventually(async () =>
    (await temporal.workflow.getHandle(`trigger-listener:${KEY}`).describe()).status.name === 'COMPLETED'
      ? true
      : undefined,
  );
  expect(listener.type).toBe('triggerListenerWorkflow');
});
