/**
 * MongoDB collection changes in polling mode against a real FerretDB (the embedded store's server, a second instance
 * standing for the user's database): one run per write as a change event, none lost while the product is down, pause
 * and resume, and the platform's own store refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { requireBinary } from '../../common/binaries';
import { freePort, sleep } from '../../common/processes';
import { FerretDb, startFerretDb } from '../../store/ferretdb';
import { eventually, Product, startProduct } from '../support/product';

jest.setTimeout(240_000);

let ferret: FerretDb;
let mongo: MongoClient;
let product: Product;
let temporal: Client;
const ENV = { NECTAR_EGRESS_ALLOW: '127.0.0.1' };

const contacts = () => mongo.db('crm').collection('contacts');

async function runsSettleAt(count: number): Promise<any[]> {
  const ids = await eventually(async () => {
    const found: string[] = [];
    for await (const workflow of temporal.workflow.list({ query: `NectarFlowId = 'contacts-sync'` }))
      found.push(workflow.workflowId);
    if (found.length > count) throw new Error(`${found.length} runs, expected ${count}`);
    return found.length === count ? found : undefined;
  }, 60_000);
  const payloads = [];
  for (const id of ids) {
    payloads.push(
      await eventually(async () => {
        const run = await product.request('GET', `/api/runs/${id}`);
        return run.body.status === 'completed' ? run.body.output.trigger.payload : undefined;
      }),
    );
  }
  return payloads;
}

async function state(flowId = 'contacts-sync'): Promise<any> {
  return (await product.request('GET', `/api/flows/${flowId}/triggers`)).body.triggers[0];
}

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-user-mongo-'));
  ferret = await startFerretDb({ executable: requireBinary('ferretdb'), dataDir: dir, port: await freePort() });
  mongo = new MongoClient(ferret.uri.replace(/\/nectar$/, '/'));
  await mongo.connect();
  const now = new Date();
  await contacts().insertOne({ name: 'from before the trigger', createdAt: now, updatedAt: now });
  product = await startProduct({ env: ENV });
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  await product.request('PUT', '/api/variables/CRM_DB', { value: ferret.uri.replace(/\/nectar$/, '/') });
});

afterAll(async () => {
  await temporal?.connection.close();
  await product?.stop();
  await mongo?.close();
  await ferret?.process.stop();
});

test('a bad trigger is 400 naming the field', async () => {
  const saved = await product.request('POST', '/api/flows', {
    id: 'bad-mongo',
    name: 'bad',
    nodes: [{ id: 'n', type: 'code', code: 'return 1;' }],
    triggers: [
      {
        type: 'mongodb',
        urlVariable: 'CRM_DB',
        database: 'crm',
        collection: 'contacts',
        mode: 'tail',
        pollIntervalMs: 10,
      },
    ],
  });
  expect(saved.status).toBe(400);
  expect(saved.body.error.problems.map((problem: { path: string }) => problem.path).sort()).toEqual([
    'triggers[0].mode',
    'triggers[0].pollIntervalMs',
  ]);
});

test('an insert and an update each start one run with a change event; documents from before the trigger do not', async () => {
  const flow = {
    id: 'contacts-sync',
    name: 'Contacts sync',
    nodes: [{ id: 'capture', type: 'code', code: 'return { trigger: context.trigger };' }],
    triggers: [
      {
        type: 'mongodb',
        urlVariable: 'CRM_DB',
        database: 'crm',
        collection: 'contacts',
        pollIntervalMs: 1_000,
        overlapMs: 5_000,
      },
    ],
  };
  expect((await product.request('POST', '/api/flows', flow)).status).toBe(201);
  await eventually(async () => ((await state())?.position ? true : undefined));
  const at = new Date();
  const { insertedId } = await contacts().insertOne({ name: 'Ada', createdAt: at, updatedAt: at });
  const [inserted] = await runsSettleAt(1);
  expect(inserted).toMatchObject({
    operationType: 'insert',
    documentKey: { _id: insertedId.toHexString() },
    fullDocument: { _id: insertedId.toHexString(), name: 'Ada', updatedAt: at.toISOString() },
    updateDescription: null,
    ns: { db: 'crm', coll: 'contacts' },
    clusterTime: at.toISOString(),
  });
  await contacts().updateOne(
    { _id: insertedId },
    { $set: { name: 'Ada Lovelace', updatedAt: new Date(at.getTime() + 10) } },
  );
  const payloads = await runsSettleAt(2);
  expect(payloads.map((payload) => `${payload.operationType} ${payload.fullDocument.name}`).sort()).toEqual([
    'insert Ada',
    'update Ada Lovelace',
  ]);
  // Later polls see both again inside the overlap and start nothing.
  await sleep(2_500);
  await runsSettleAt(2);
  expect(await state()).toMatchObject({ type: 'mongodb', status: 'active', runsStarted: 2, route: 'crm.contacts' });
});

test('paused, writes wait; resumed, they run', async () => {
  expect((await product.request('POST', '/api/flows/contacts-sync/triggers/mongodb/pause')).body.status).toBe('paused');
  await sleep(1_500);
  const at = new Date();
  await contacts().insertOne({ name: 'Grace', createdAt: at, updatedAt: at });
  await sleep(3_000);
  await runsSettleAt(2);
  expect((await product.request('POST', '/api/flows/contacts-sync/triggers/mongodb/resume')).body.status).toBe(
    'active',
  );
  const payloads = await runsSettleAt(3);
  expect(payloads.map((payload) => payload.fullDocument.name)).toContain('Grace');
});

test('writes while the product is down each start exactly one run once it is back', async () => {
  await product.stop();
  const at = new Date();
  await contacts().insertMany([
    { name: 'Linus', createdAt: at, updatedAt: at },
    { name: 'Barbara', createdAt: at, updatedAt: at },
  ]);
  await contacts().updateOne(
    { name: 'Grace' },
    { $set: { name: 'Grace Hopper', updatedAt: new Date(at.getTime() + 5) } },
  );
  await temporal.connection.close();
  product = await startProduct({ dataDir: product.dataDir, adminKey: product.adminKey, env: ENV });
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  const payloads = await runsSettleAt(6);
  expect(payloads.map((payload) => `${payload.operationType} ${payload.fullDocument.name}`).sort()).toEqual([
    'insert Ada',
    'insert Barbara',
    'insert Grace',
    'insert Linus',
    'update Ada Lovelace',
    'update Grace Hopper',
  ]);
});

test('a trigger cannot read the platform’s own store: it reports failing with the reason', async () => {
  await product.request('PUT', '/api/variables/OWN_STORE', { value: `mongodb://127.0.0.1:${product.ports.ferretdb}/` });
  const flow = {
    id: 'snoop',
    name: 'Snoop',
    nodes: [{ id: 'n', type: 'code', code: 'return 1;' }],
    triggers: [{ type: 'mongodb', urlVariable: 'OWN_STORE', database: 'nectar', collection: 'flows' }],
  };
  expect((await product.request('POST', '/api/flows', flow)).status).toBe(201);
  const failing = await eventually(async () => {
    const current = await state('snoop');
    return current?.status === 'failing' ? current : undefined;
  });
  expect(failing.lastError).toMatch(/platform's own services/);
});
