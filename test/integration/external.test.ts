/**
 * Scale-out shape: with TEMPORAL_ADDRESS (and a namespace) and NECTAR_MONGODB_URI set, `npm start` starts no server of
 * its own and runs flows on the ones it is given.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireBinary } from '../../common/binaries';
import { freePort } from '../../common/processes';
import { FerretDb, startFerretDb } from '../../store/ferretdb';
import { DevServer, startDevServer } from '../../temporal/devServer';
import { Product, startProduct } from '../support/product';

let temporal: DevServer;
let ferret: FerretDb;
let product: Product;
const serversDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-external-'));

beforeAll(async () => {
  [temporal, ferret] = await Promise.all([
    (async () =>
      startDevServer({
        executable: requireBinary('temporal'),
        dataDir: serversDir,
        port: await freePort(),
        uiPort: await freePort(),
        namespace: 'nectar-external',
      }))(),
    (async () =>
      startFerretDb({ executable: requireBinary('ferretdb'), dataDir: serversDir, port: await freePort() }))(),
  ]);
  product = await startProduct({
    env: {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'nectar-external',
      NECTAR_MONGODB_URI: ferret.uri.replace('/nectar', '/external_store'),
    },
  });
});

afterAll(async () => {
  await product?.stop();
  await Promise.all([temporal?.process.stop(), ferret?.process.stop()]);
});

test('the launcher starts no Temporal server and no FerretDB of its own', () => {
  expect(product.output()).toContain(`using the Temporal cluster at ${temporal.address} (namespace nectar-external)`);
  expect(product.output()).toContain('using the MongoDB store at NECTAR_MONGODB_URI');
  expect(fs.existsSync(path.join(product.dataDir, 'temporal.sqlite'))).toBe(false);
  expect(fs.existsSync(path.join(product.dataDir, 'ferretdb'))).toBe(false);
  expect(product.info.temporalAddress).toBe(temporal.address);
});

test('flows are stored in the given database and run in the given namespace', async () => {
  const saved = await product.request('POST', '/api/flows', {
    id: 'double',
    name: 'Double',
    nodes: [{ id: 'double', type: 'code', code: 'return { value: input.value * 2 };' }],
  });
  expect(saved.status).toBe(201);
  const run = await product.request('POST', '/api/flows/double/runs?wait=true', { input: { value: 21 } });
  expect(run.body.error).toBeUndefined();
  expect(run.body).toMatchObject({ status: 'completed', output: { value: 42 } });

  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(ferret.uri);
  try {
    const stored = await client.db('external_store').collection('flow_versions').findOne({ flowId: 'double' });
    expect(stored?.version).toBe(1);
  } finally {
    await client.close();
  }
  const { Connection, Client } = await import('@temporalio/client');
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const description = await new Client({ connection, namespace: 'nectar-external' }).workflow
      .getHandle(run.body.runId)
      .describe();
    expect(description.status.name).toBe('COMPLETED');
  } finally {
    await connection.close();
  }
});
