/**
 * The run journal's attempt records on the embedded store (FerretDB): inserted first (an upsert costs the store 7–8
 * times the CPU), updated when the key is taken — a chain node that said it was running, an attempt run again after
 * a crash — alone or inside a batch; and a fused chain's batches: records wait a while to go together, all of them
 * written once the chain finishes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { requireBinary } from '../../common/binaries';
import { freePort } from '../../common/processes';
import { FerretDb, startFerretDb } from '../../store/ferretdb';
import { AttemptBatches, AttemptRecord, RunJournal } from '../../store/runJournal';

let ferret: FerretDb;
let client: MongoClient;
let dir: string;
let journal: RunJournal;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-run-journal-'));
  ferret = await startFerretDb({ executable: requireBinary('ferretdb'), dataDir: dir, port: await freePort() });
  client = new MongoClient(ferret.uri);
  journal = new RunJournal(client.db('journal'));
  await journal.ensureIndexes();
}, 60_000);

afterAll(async () => {
  await client?.close();
  await ferret?.process.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const startedAt = '2026-12-02T10:00:00.000Z';

function attempt(runId: string, nodeId: string, fields: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    runId,
    nodeId,
    execution: 1,
    attempt: 1,
    status: 'succeeded',
    startedAt,
    endedAt: '2026-12-02T10:00:00.005Z',
    durationMs: 5,
    memoryBytes: 1000,
    ...fields,
  };
}

test('a record whose key is taken replaces it: after running, and when the attempt runs again', async () => {
  await journal.recordRunning({ runId: 'r1', nodeId: 'a', execution: 1, attempt: 1, startedAt, chain: 'a' });
  expect((await journal.attemptsOf('r1', 'a')).map((record) => record.status)).toEqual(['running']);

  await journal.recordAttempt(attempt('r1', 'a', { chain: 'a', input: { $nectarRef: 'x', 'a.b': 1 } }));
  expect(await journal.attemptsOf('r1', 'a')).toEqual([
    attempt('r1', 'a', { chain: 'a', input: { $nectarRef: 'x', 'a.b': 1 } }),
  ]);

  await journal.recordAttempt(attempt('r1', 'a', { status: 'failed', durationMs: 9, chain: 'a' }));
  const [again] = await journal.attemptsOf('r1', 'a');
  expect(again).toMatchObject({ status: 'failed', durationMs: 9 });
  // A late word that the node runs does not undo the record of how it ended.
  await journal.recordRunning({ runId: 'r1', nodeId: 'a', execution: 1, attempt: 1, startedAt, chain: 'a' });
  expect((await journal.attemptsOf('r1', 'a'))[0].status).toBe('failed');
});

test('a batch with some keys taken writes every record, the taken ones replaced', async () => {
  await journal.recordRunning({ runId: 'r2', nodeId: 'b', execution: 1, attempt: 1, startedAt, chain: 'a' });
  await journal.recordAttempt(attempt('r2', 'd', { status: 'failed' }));
  await journal.recordAttempts(['a', 'b', 'c', 'd'].map((nodeId) => attempt('r2', nodeId, { chain: 'a' })));
  const { attempts } = await journal.attemptsPage('r2', undefined, 10);
  expect(attempts.map((record) => [record.nodeId, record.status, record.chain])).toEqual([
    ['a', 'succeeded', 'a'],
    ['b', 'succeeded', 'a'],
    ['c', 'succeeded', 'a'],
    ['d', 'succeeded', 'a'],
  ]);
});

test('a batch refused for another reason than a taken key fails', async () => {
  // A record past the store's 16 MiB document limit.
  const huge = attempt('r3', 'big', { input: 'x'.repeat(17 * 1024 * 1024) });
  await expect(journal.recordAttempts([attempt('r3', 'small'), huge])).rejects.toThrow();
});

test("a chain's records wait to go together, and all are written once it finishes", async () => {
  const writes: number[] = [];
  const counted: Pick<RunJournal, 'recordAttempts'> = {
    recordAttempts: async (records) => {
      writes.push(records.length);
      await journal.recordAttempts(records);
    },
  };
  const batches = new AttemptBatches(counted);
  const written = ['a', 'b', 'c'].map((nodeId) => batches.recordAttempt(attempt('r4', nodeId, { chain: 'a' })));
  await new Promise((resolve) => setTimeout(resolve, 5));
  expect(writes).toEqual([]);
  await Promise.all(written);
  expect(writes).toEqual([3]);

  const more = ['d', 'e'].map((nodeId) => batches.recordAttempt(attempt('r4', nodeId, { chain: 'a' })));
  batches.finish();
  const last = batches.recordAttempt(attempt('r4', 'f', { chain: 'a' }));
  await Promise.all([...more, last]);
  expect(writes).toEqual([3, 2, 1]);
  const { attempts } = await journal.attemptsPage('r4', undefined, 10);
  expect(attempts.map((record) => record.nodeId)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
});
