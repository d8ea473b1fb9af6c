/** Retention on the embedded store (FerretDB): what is older than the period goes, what is newer stays. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Db, MongoClient } from 'mongodb';
import { requireBinary } from '../../common/binaries';
import { freePort } from '../../common/processes';
import { FerretDb, startFerretDb } from '../../store/ferretdb';
import { dailyCollection, EXECUTIONS_PREFIX, rollupCollection, RUNS_PREFIX } from '../../store/metricsModel';
import { pruneExpired, takeRetentionLease } from '../../store/retention';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-02T12:00:00.000Z');
let ferret: FerretDb;
let client: MongoClient;
let db: Db;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-retention-'));
  ferret = await startFerretDb({ executable: requireBinary('ferretdb'), dataDir: dir, port: await freePort() });
  client = new MongoClient(ferret.uri);
  db = client.db('nectar');
}, 60_000);

afterAll(async () => {
  await client?.close();
  await ferret?.process.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('records, outputs and revisions older than the period are removed; newer ones and the current draft kept', async () => {
  const names = {
    oldExecutions: dailyCollection(EXECUTIONS_PREFIX, NOW - 31 * DAY),
    newExecutions: dailyCollection(EXECUTIONS_PREFIX, NOW - 29 * DAY),
    oldRuns: dailyCollection(RUNS_PREFIX, NOW - 40 * DAY),
    newRuns: dailyCollection(RUNS_PREFIX, NOW),
    oldMinutes: rollupCollection('m', NOW - 3 * DAY),
    newMinutes: rollupCollection('m', NOW - 1 * DAY),
    keptHours: rollupCollection('h', NOW - 100 * DAY),
    oldHours: rollupCollection('h', NOW - 401 * DAY),
    keptDays: rollupCollection('d', NOW - 380 * DAY),
  };
  for (const name of Object.values(names)) await db.collection(name).insertOne({ at: new Date() });
  await db.collection('node_outputs').insertMany([
    { _id: 'old' as never, json: '1', createdAt: new Date(NOW - 31 * DAY) },
    { _id: 'new' as never, json: '2', createdAt: new Date(NOW - 1 * DAY) },
  ]);
  await db.collection('flows').insertOne({ _id: 'f' as never, draft: 1 });
  await db.collection('flow_draft_revisions').insertMany([
    { _id: 'f@draft-1' as never, createdAt: new Date(NOW - 60 * DAY) },
    { _id: 'f@draft-2' as never, createdAt: new Date(NOW - 60 * DAY), purpose: 'step-test' },
    { _id: 'f@draft-3' as never, createdAt: new Date(NOW - 2 * DAY), purpose: 'step-test' },
  ]);

  for (const collection of ['node_attempts', 'run_live_logs', 'node_costs'])
    await db.collection(collection).insertMany([
      { _id: 'old' as never, at: new Date(NOW - 31 * DAY) },
      { _id: 'new' as never, at: new Date(NOW - 1 * DAY) },
    ]);

  const pruned = await pruneExpired(db, { retentionDays: 30, rollupRetentionDays: 400 }, NOW);

  expect(pruned.droppedCollections.sort()).toEqual(
    [names.oldExecutions, names.oldRuns, names.oldMinutes, names.oldHours].sort(),
  );
  const left = (await db.listCollections({}, { nameOnly: true }).toArray()).map((collection) => collection.name);
  for (const name of [names.newExecutions, names.newRuns, names.newMinutes, names.keptHours, names.keptDays])
    expect(left).toContain(name);
  expect((await db.collection('node_outputs').find({}).toArray()).map((doc) => doc._id)).toEqual(['new']);
  expect(
    (await db.collection('flow_draft_revisions').find({}).toArray()).map((doc) => doc._id as unknown as string).sort(),
  ).toEqual(['f@draft-1', 'f@draft-3']);
  for (const collection of ['node_attempts', 'run_live_logs', 'node_costs'])
    expect((await db.collection(collection).find({}).toArray()).map((doc) => doc._id)).toEqual(['new']);
  expect(pruned).toMatchObject({ nodeOutputs: 1, draftRevisions: 1, runJournal: 2, nodeCosts: 1 });
});

test('one process per interval takes the lease', async () => {
  expect(await takeRetentionLease(db, 'a', NOW)).toBe(true);
  expect(await takeRetentionLease(db, 'b', NOW + 1_000)).toBe(false);
  expect(await takeRetentionLease(db, 'b', NOW + 3_600_000)).toBe(true);
});
