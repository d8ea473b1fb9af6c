/**
 * The embedded store's FerretDB is built with scripts/ferretdb-sqlite-pushdown.patch: lookups by _id and top-level
 * string equalities are answered from SQLite's indexes (upstream scans the whole collection), and every query still
 * returns exactly what MongoDB would, arrays that contain the value included.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Collection, Document, MongoClient, ObjectId } from 'mongodb';
import { requireBinary } from '../../common/binaries';
import { freePort } from '../../common/processes';
import { FerretDb, startFerretDb } from '../../store/ferretdb';

let ferret: FerretDb;
let client: MongoClient;
let dir: string;
type Scratch = { _id: string | ObjectId } & Document;
let records: Collection<Scratch>;

const WEIRD = 'he said "hi" <&> é \\ \u2028 \n end';
const OID = new ObjectId();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-ferretdb-pushdown-'));
  ferret = await startFerretDb({ executable: requireBinary('ferretdb'), dataDir: dir, port: await freePort() });
  client = new MongoClient(ferret.uri);
  records = client.db('pushdown').collection<Scratch>('records');
  await records.createIndex({ runId: 1, nodeId: 1 });
  await records.insertMany([
    { _id: '1', runId: 'x', nodeId: 'q' },
    { _id: '2', runId: ['x', 'y'], nodeId: 'q' },
    { _id: '3', runId: ['y'] },
    { _id: '4' },
    { _id: '5', runId: { nested: 'x' } },
    { _id: '6', runId: 5 },
    { _id: '7', runId: WEIRD, nodeId: 'q' },
    { _id: OID, runId: 'x', nodeId: 'r' },
    { _id: '9', 'run-id': 'x', run_id: 'x' },
    { _id: '11', runId: [{ c: 'x' }, 'x'] },
  ]);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await ferret?.process.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function idsOf(filter: Document): Promise<string[]> {
  return (await records.find(filter).toArray()).map((doc) => String(doc._id)).sort();
}

test('queries answer what MongoDB answers: equality on strings matches arrays that contain them, not other types', async () => {
  expect(await idsOf({ runId: 'x' })).toEqual(['1', '11', '2', String(OID)].sort());
  expect(await idsOf({ runId: 'x', nodeId: 'q' })).toEqual(['1', '2']);
  expect(await idsOf({ runId: WEIRD })).toEqual(['7']);
  expect(await idsOf({ _id: '7', runId: WEIRD })).toEqual(['7']);
  expect(await idsOf({ _id: OID })).toEqual([String(OID)]);
  expect(await idsOf({ _id: OID, runId: 'x' })).toEqual([String(OID)]);
  expect(await idsOf({ 'run-id': 'x' })).toEqual(['9']);
  expect(await idsOf({ run_id: 'x' })).toEqual(['9']);
  expect(await idsOf({ runId: 'none' })).toEqual([]);
  expect(await idsOf({ _id: 'none' })).toEqual([]);
  expect(await idsOf({ runId: 5 })).toEqual(['6']);
  expect(await idsOf({ runId: { $in: ['y'] } })).toEqual(['2', '3']);
  expect(await idsOf({ runId: 'x', $or: [{ nodeId: 'q' }, { nodeId: 'r' }] })).toEqual(['1', '2', String(OID)].sort());
  expect(await idsOf({ 'runId.c': 'x' })).toEqual(['11']);
  expect(await records.countDocuments({ runId: 'x' })).toBe(4);
});

test('lookups by _id and by indexed string fields are answered from the index, not a scan', async () => {
  const planOf = async (filter: Document) => JSON.stringify((await records.find(filter).explain()).queryPlanner);
  expect(await planOf({ _id: '7' })).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
  expect(await planOf({ runId: 'x', nodeId: 'q' })).toMatch(/USING INDEX \S+_runId_1_nodeId_1/);
  expect(await planOf({ runId: 'x', nodeId: 'q' })).not.toMatch(/SCAN/);
});

test('writes by filter change exactly the matching documents', async () => {
  const scratch = client.db('pushdown').collection<{ _id: string; group?: string | string[]; n: number }>('scratch');
  await scratch.insertMany([
    { _id: 'a', group: 'g', n: 1 },
    { _id: 'b', group: ['g', 'h'], n: 1 },
    { _id: 'c', group: 'h', n: 1 },
  ]);
  expect((await scratch.updateMany({ group: 'g' }, { $inc: { n: 1 } })).modifiedCount).toBe(2);
  expect((await scratch.updateOne({ _id: 'new' }, { $set: { n: 9 } }, { upsert: true })).upsertedCount).toBe(1);
  expect((await scratch.updateOne({ _id: 'new' }, { $set: { n: 10 } }, { upsert: true })).modifiedCount).toBe(1);
  expect((await scratch.deleteMany({ group: 'h' })).deletedCount).toBe(2);
  const left = await scratch.find({}, { sort: { _id: 1 } }).toArray();
  expect(left).toEqual([
    { _id: 'a', group: 'g', n: 2 },
    { _id: 'new', n: 10 },
  ]);
});
