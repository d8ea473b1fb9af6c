/** The in-isolate `MongoClient` against a real FerretDB started for this file. */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BSON, MongoClient as HostClient, ObjectId as HostObjectId } from 'mongodb';
import { requireBinary } from '../../common/binaries';
import { freePort, waitUntil } from '../../common/processes';
import { FerretDb, startFerretDb } from '../../store/ferretdb';
import { runSnippet } from './bridges.harness';

const OPEN_LOOPBACK = { allow: ['127.0.0.1'] };
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-bridges-mongo-'));
let ferret: FerretDb;
let uri: string;
let host: HostClient;

beforeAll(async () => {
  ferret = await startFerretDb({ executable: requireBinary('ferretdb'), dataDir, port: await freePort() });
  uri = ferret.uri.replace('/nectar', '/shop');
  host = new HostClient(uri);
  await host.connect();
});

afterAll(async () => {
  await host?.close();
  await ferret?.process.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('insert, find with sort/skip/limit/project, findOne, count and aggregate, with ObjectIds round-tripping', async () => {
  const outcome = await runSnippet(
    `const client = new MongoClient('${uri}');
     await client.connect();
     const orders = client.db().collection('orders');
     await orders.deleteMany({});
     const one = await orders.insertOne({ customer: 'ada', amount: 120, placedAt: new Date('2024-03-01T10:00:00Z') });
     const many = await orders.insertMany([{ customer: 'bob', amount: 30 }, { customer: 'ada', amount: 75 }, { customer: 'cyd', amount: 300 }]);
     const page = await orders.find({ amount: { $gte: 50 } }).sort({ amount: -1 }).skip(1).limit(2).project({ _id: 0, customer: 1, amount: 1 }).toArray();
     const byId = await orders.findOne({ _id: one.insertedId });
     const byRegex = await orders.countDocuments({ customer: /^AD/i });
     const totals = await orders.aggregate([{ $group: { _id: '$customer', total: { $sum: '$amount' } } }, { $sort: { _id: 1 } }]).toArray();
     await client.close();
     return {
       insertedIsObjectId: one.insertedId instanceof ObjectId, insertedCount: many.insertedCount,
       page, byIdCustomer: byId.customer, sameId: byId._id.equals(one.insertedId),
       placedAtIsDate: byId.placedAt instanceof Date, placedAt: byId.placedAt.toISOString(),
       byRegex, totals, insertedId: one.insertedId };`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toMatchObject({
    ok: true,
    value: {
      insertedIsObjectId: true,
      insertedCount: 3,
      page: [
        { customer: 'ada', amount: 120 },
        { customer: 'ada', amount: 75 },
      ],
      byIdCustomer: 'ada',
      sameId: true,
      placedAtIsDate: true,
      placedAt: '2024-03-01T10:00:00.000Z',
      byRegex: 2,
      totals: [
        { _id: 'ada', total: 195 },
        { _id: 'bob', total: 30 },
        { _id: 'cyd', total: 300 },
      ],
    },
  });
  // An ObjectId's JSON form is its hex string, and it is a real ObjectId in the database.
  const insertedId = outcome.ok ? (outcome.value as { insertedId: string }).insertedId : '';
  const stored = await host
    .db('shop')
    .collection('orders')
    .findOne({ _id: new HostObjectId(insertedId) });
  expect(stored).toMatchObject({ customer: 'ada', amount: 120, placedAt: new Date('2024-03-01T10:00:00Z') });
});

test('updateOne, updateMany, deleteOne and deleteMany answer their counts; the first call connects by itself', async () => {
  await host.db('shop').collection('stock').deleteMany({});
  await host
    .db('shop')
    .collection('stock')
    .insertMany([
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 2 },
      { sku: 'c', qty: 3 },
    ]);
  const outcome = await runSnippet(
    `const client = new MongoClient('${uri}');
     const stock = client.db('shop').collection('stock');
     const one = await stock.updateOne({ sku: 'a' }, { $set: { qty: 10 } });
     const many = await stock.updateMany({ qty: { $lt: 5 } }, { $inc: { qty: 100 } });
     const upsert = await stock.updateOne({ sku: 'z' }, { $set: { qty: 0 } }, { upsert: true });
     const removedOne = await stock.deleteOne({ sku: 'b' });
     const removedMany = await stock.deleteMany({ qty: { $gte: 100 } });
     const left = await stock.find({}, { projection: { _id: 0 } }).sort({ sku: 1 }).toArray();
     await client.close();
     const bulk = await client.db('shop').collection('stock').bulkWrite([
       { insertOne: { document: { sku: 'y', qty: 5 } } }, { deleteOne: { filter: { sku: 'y' } } }]);
     if (bulk.insertedCount !== 1 || bulk.deletedCount !== 1) throw new Error('bulkWrite counts: ' + JSON.stringify(bulk));
     const indexName = await client.db('shop').collection('stock').createIndex({ sku: 1 }, { unique: true });
     if (typeof indexName !== 'string') throw new Error('createIndex answered ' + JSON.stringify(indexName));
     const shorthand = await MongoClient.connect('${uri}');
     if ((await shorthand.db().collection('stock').countDocuments()) !== left.length) throw new Error('MongoClient.connect read another count');
     await shorthand.close();
     return { one: [one.matchedCount, one.modifiedCount], many: many.modifiedCount, upserted: upsert.upsertedCount,
              removed: [removedOne.deletedCount, removedMany.deletedCount], left };`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toEqual({
    ok: true,
    value: {
      one: [1, 1],
      many: 2,
      upserted: 1,
      removed: [1, 1],
      left: [
        { sku: 'a', qty: 10 },
        { sku: 'z', qty: 0 },
      ],
    },
  });
});

test('without the allow-list the database host is refused, as an address and by name', async () => {
  const port = new URL(uri.replace('mongodb://', 'http://')).port;
  for (const target of [
    `mongodb://127.0.0.1:${port}/shop`,
    `mongodb://localhost:${port}/shop`,
    'mongodb://10.0.0.7:27017/shop',
    'mongodb://169.254.169.254/x',
  ]) {
    const outcome = await runSnippet(
      `const client = new MongoClient('${target}'); await client.connect(); return 'connected';`,
      {
        egress: { allow: [] },
      },
    );
    expect(outcome).toMatchObject({
      ok: false,
      error: { name: 'EgressError', code: 'EGRESS_DENIED', message: expect.stringMatching(/NECTAR_EGRESS_ALLOW/) },
    });
  }
});

test("the platform's own store stays closed when the allow-list opens its address", async () => {
  const port = new URL(uri.replace('mongodb://', 'http://')).port;
  const outcome = await runSnippet(`await new MongoClient('${uri}').connect(); return 'connected';`, {
    egress: { allow: ['127.0.0.1'], platform: [`127.0.0.1:${port}`] },
  });
  expect(outcome).toMatchObject({
    ok: false,
    error: { name: 'EgressError', message: expect.stringMatching(/platform's own services/) },
  });
});

test('driver options that act on the host are refused', async () => {
  for (const target of [
    `${uri}?tlsCAFile=/etc/passwd`,
    `${uri}?authMechanism=MONGODB-AWS`,
    `${uri}?proxyHost=10.0.0.1`,
  ]) {
    const outcome = await runSnippet(`await new MongoClient('${target}').connect(); return 'connected';`, {
      egress: OPEN_LOOPBACK,
    });
    expect(outcome).toMatchObject({
      ok: false,
      error: { name: 'MongoError', message: expect.stringMatching(/not available to function code/) },
    });
  }
});

test('documents read past the response limit are refused with an error that names the limit', async () => {
  const big = host.db('shop').collection('big');
  await big.deleteMany({});
  await big.insertMany(Array.from({ length: 40 }, (_, index) => ({ index, filler: 'x'.repeat(4_000) })));
  const outcome = await runSnippet(
    `return (await new MongoClient('${uri}').db().collection('big').find({}).toArray()).length;`,
    {
      egress: OPEN_LOOPBACK,
      maxResponseBytes: 64 * 1024,
    },
  );
  expect(outcome).toMatchObject({
    ok: false,
    error: { name: 'ResponseTooLargeError', message: expect.stringMatching(/65536-byte limit/) },
  });
});

test('a client the code never closes is closed when the execution ends', async () => {
  // A TCP relay in front of FerretDB counts the connections the execution leaves open.
  const open = new Set<net.Socket>();
  const ferretPort = Number(new URL(uri.replace('mongodb://', 'http://')).port);
  const relay = net.createServer((incoming) => {
    const outgoing = net.connect(ferretPort, '127.0.0.1');
    open.add(incoming);
    incoming.once('close', () => open.delete(incoming));
    incoming.pipe(outgoing).pipe(incoming);
    incoming.on('error', () => outgoing.destroy());
    outgoing.on('error', () => incoming.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
  const relayUri = `mongodb://127.0.0.1:${(relay.address() as net.AddressInfo).port}/shop`;
  try {
    const outcome = await runSnippet(
      `const client = new MongoClient('${relayUri}'); await client.connect();
       await client.db().collection('left_open').insertOne({ at: 1 }); return 'left open';`,
      { egress: OPEN_LOOPBACK },
    );
    expect(outcome).toEqual({ ok: true, value: 'left open' });
    expect(await host.db('shop').collection('left_open').countDocuments()).toBe(1);
    await waitUntil('the relay has no open connections', async () => open.size === 0, { timeoutMs: 10_000 });
  } finally {
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => relay.close(resolve));
  }
});

/**
 * A replica-set member that announces another member by IP address: the driver connects to announced members
 * without a DNS lookup, so this is the path the lookup hook alone would miss. FerretDB has no replica sets, so a
 * small server speaking the wire protocol's handshake stands in for the announcing member.
 */
function startAnnouncingMember(announced: string): Promise<net.Server> {
  let me = '';
  const server = net.createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 16 && pending.length >= pending.readInt32LE(0)) {
        const message = pending.subarray(0, pending.readInt32LE(0));
        pending = pending.subarray(message.length);
        socket.write(answer(message, me));
      }
    });
  });
  const answer = (message: Buffer, me: string): Buffer => {
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    const hello = BSON.serialize({
      ok: 1,
      isWritablePrimary: true,
      ismaster: true,
      setName: 'rs0',
      hosts: [me, announced],
      me,
      minWireVersion: 0,
      maxWireVersion: 21,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      topologyVersion: { processId: new BSON.ObjectId(), counter: BSON.Long.fromNumber(0) },
    });
    const header = (length: number, replyOpCode: number) => {
      const buffer = Buffer.alloc(16);
      buffer.writeInt32LE(length, 0);
      buffer.writeInt32LE(requestId + 1, 4);
      buffer.writeInt32LE(requestId, 8);
      buffer.writeInt32LE(replyOpCode, 12);
      return buffer;
    };
    if (opCode === 2004) {
      // OP_QUERY (the driver's first handshake) is answered with OP_REPLY.
      const body = Buffer.alloc(20);
      body.writeInt32LE(1, 16);
      return Buffer.concat([header(16 + 20 + hello.length, 1), body, hello]);
    }
    const body = Buffer.from([0, 0, 0, 0, 0]);
    return Buffer.concat([header(16 + body.length + hello.length, 2013), body, hello]);
  };
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      me = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      resolve(server);
    }),
  );
}

test('a replica-set member announced by an internal IP address is refused', async () => {
  const member = await startAnnouncingMember('10.0.0.9:27017');
  try {
    const port = (member.address() as net.AddressInfo).port;
    const outcome = await runSnippet(
      `const client = new MongoClient('mongodb://127.0.0.1:${port}/?replicaSet=rs0&serverSelectionTimeoutMS=3000');
       await client.connect();
       return client.db('x').collection('y').findOne({});`,
      { egress: OPEN_LOOPBACK },
    );
    expect(outcome).toMatchObject({
      ok: false,
      error: { name: 'EgressError', message: expect.stringMatching(/10\.0\.0\.9.*private/) },
    });
  } finally {
    member.close();
  }
});
