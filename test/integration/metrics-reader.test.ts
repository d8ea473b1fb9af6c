/**
 * The dashboard's figures on the embedded store (FerretDB) equal what was recorded, at every window: executions and
 * runs spread over nine days by three writers, read back by each panel and checked against the figures worked out
 * from the executions themselves. The 7-day window reads whole days as daily buckets: its figures must not change.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Db, MongoClient } from 'mongodb';
import { requireBinary } from '../../common/binaries';
import { freePort } from '../../common/processes';
import { FerretDb, startFerretDb } from '../../store/ferretdb';
import {
  addError,
  addNode,
  addRun,
  DURATION_BOUNDS_MS,
  emptyBucket,
  MEMORY_BOUNDS_BYTES,
  METRICS_WINDOWS,
  NODE_HEAD,
  quantile,
  RUN_HEAD,
  windowRange,
} from '../../store/metricsModel';
import { MetricsReader } from '../../store/metricsReader';
import { MetricsRecorder, NodeExecution, RunClosed } from '../../store/metricsRecorder';

const MINUTE = 60_000;
const DAY = 86_400_000;
const NOW = Date.parse('2026-12-02T05:42:31.000Z');
let ferret: FerretDb;
let client: MongoClient;
let db: Db;
let dir: string;

const executions: NodeExecution[] = [];
const closed: RunClosed[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-metrics-reader-'));
  ferret = await startFerretDb({ executable: requireBinary('ferretdb'), dataDir: dir, port: await freePort() });
  client = new MongoClient(ferret.uri);
  db = client.db('nectar');
  const writers = [0, 1, 2].map(
    () => new MetricsRecorder(db, { workspaceOf: async () => 'default', flushMs: 3_600_000, now: () => NOW }),
  );
  for (let i = 0; NOW - 9 * DAY + i * 23 * MINUTE <= NOW; i++) {
    const at = NOW - 9 * DAY + i * 23 * MINUTE;
    const failed = i % 7 === 3;
    const flowId = `flow-${i % 2}`;
    const runId = `run-${flowId}-${i}`;
    const execution: NodeExecution = {
      flowId,
      flowVersion: 1,
      nodeId: `node-${i % 3}`,
      runId,
      executionId: `e${i}`,
      activityId: '1',
      attempt: 1,
      trigger: 'api',
      status: failed ? 'failed' : 'succeeded',
      durationMs: 1 + ((i * 37) % 400),
      memoryBytes: 300_000 + ((i * 7919) % 5) * 400_000,
      ...(failed ? { error: { type: 'CodeError', message: `declined ${i % 3}` } } : {}),
      at,
    };
    const run: RunClosed = {
      flowId,
      flowVersion: 1,
      runId,
      trigger: 'api',
      workspace: 'default',
      status: failed ? 'failed' : 'completed',
      startedAt: at - ((i * 13) % 900),
      at,
    };
    executions.push(execution);
    closed.push(run);
    writers[i % 3].node(execution);
    writers[i % 3].runClosed(run);
  }
  for (const writer of writers) await writer.close();
}, 120_000);

afterAll(async () => {
  await client?.close();
  await ferret?.process.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The window's figures worked out from the events themselves, with the model's own arithmetic. */
function expected(window: (typeof METRICS_WINDOWS)[number]) {
  const range = windowRange(window, NOW);
  const inside = (at: number) => at >= range.from && at < range.to + range.bucketMs;
  const bucket = emptyBucket();
  for (const e of executions.filter((x) => inside(x.at))) {
    addNode(bucket, `${e.flowId}|${e.nodeId}`, e.status, e.durationMs, e.memoryBytes);
    addNode(bucket, 'all', e.status, e.durationMs, e.memoryBytes);
    if (e.error) addError(bucket, e.flowId, e.nodeId, e.error.type, e.error.message, e.runId, e.at);
  }
  for (const run of closed.filter((x) => inside(x.at))) addRun(bucket, 'all', run.status, run.at - run.startedAt);
  return { range, bucket };
}

const percentiles = (figures: number[], head: number, maxIndex: number) => {
  const histogram = figures.slice(head, head + DURATION_BOUNDS_MS.length + 1);
  return {
    p50: quantile(histogram, DURATION_BOUNDS_MS, 0.5, figures[maxIndex]),
    p95: quantile(histogram, DURATION_BOUNDS_MS, 0.95, figures[maxIndex]),
    p99: quantile(histogram, DURATION_BOUNDS_MS, 0.99, figures[maxIndex]),
  };
};

describe.each(METRICS_WINDOWS)('the %s window', (window) => {
  const reader = () => new MetricsReader(db);

  test('summary: runs and executions by status, success rates and run durations as recorded', async () => {
    const { bucket } = expected(window);
    const runs = bucket.runs.all;
    const nodes = bucket.nodes.all;
    expect(runs[1] + runs[2]).toBeGreaterThan(0);
    const summary = await reader().summary({ workspace: 'default', window }, NOW);
    expect(summary.runs).toEqual({
      total: runs[1] + runs[2],
      completed: runs[1],
      failed: runs[2],
      cancelled: 0,
      successRate: Math.round((runs[1] / (runs[1] + runs[2])) * 10_000) / 10_000,
    });
    expect(summary.executions).toMatchObject({ total: nodes[0] + nodes[1], succeeded: nodes[0], failed: nodes[1] });
    expect(summary.runDurationMs).toEqual(percentiles(runs, RUN_HEAD, 5));
    const oneFlow = await reader().summary({ workspace: 'default', window, flowId: 'flow-1' }, NOW);
    const flowOne = Object.entries(bucket.nodes)
      .filter(([key]) => key.startsWith('flow-1|'))
      .reduce((total, [, figures]) => total + figures[0] + figures[1], 0);
    expect(oneFlow.executions.total).toBe(flowOne);
  });

  test('nodes: each node’s executions, duration percentiles and memory p95 as recorded', async () => {
    const { bucket } = expected(window);
    const answer = await reader().nodes({ workspace: 'default', window }, NOW);
    const memoryFrom = NODE_HEAD + DURATION_BOUNDS_MS.length + 1;
    const want = Object.entries(bucket.nodes)
      .filter(([key]) => key !== 'all')
      .map(([key, figures]) => {
        const [flowId, nodeId] = key.split('|');
        return {
          flowId,
          nodeId,
          executions: figures[0] + figures[1],
          succeeded: figures[0],
          failed: figures[1],
          cancelled: 0,
          durationMs: percentiles(figures, NODE_HEAD, 4),
          memoryBytes: {
            p95: quantile(
              figures.slice(memoryFrom, memoryFrom + MEMORY_BOUNDS_BYTES.length + 1),
              MEMORY_BOUNDS_BYTES,
              0.95,
              figures[5],
            ),
          },
        };
      });
    const key = (n: { flowId: string; nodeId: string }) => `${n.flowId}|${n.nodeId}`;
    expect([...answer.nodes].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      want.sort((a, b) => key(a).localeCompare(key(b))),
    );
  });

  test('errors: each message’s count and last time as recorded, with recent failed runs', async () => {
    const { bucket } = expected(window);
    const answer = await reader().errors({ workspace: 'default', window, limit: 100 }, NOW);
    const want = Object.values(bucket.errors).map((group) => [group.message, group.count, group.lastAt]);
    expect(answer.errors.map((group) => [group.message, group.count, Date.parse(group.lastAt)]).sort()).toEqual(
      want.sort(),
    );
    const failedRuns = new Set(closed.filter((run) => run.status === 'failed').map((run) => run.runId));
    for (const group of answer.errors) {
      expect(group.runIds.length).toBeGreaterThan(0);
      expect(group.runIds.length).toBeLessThanOrEqual(5);
      for (const runId of group.runIds) expect(failedRuns.has(runId)).toBe(true);
    }
  });

  test('timeseries: every bucket of the window, each as recorded', async () => {
    const { range } = expected(window);
    const answer = await reader().timeseries({ workspace: 'default', window }, NOW);
    expect(answer.buckets).toHaveLength((range.to - range.from) / range.bucketMs + 1);
    for (const entry of answer.buckets) {
      const at = Date.parse(entry.at);
      const inBucket = (x: { at: number }) => x.at >= at && x.at < at + range.bucketMs;
      const runs = closed.filter(inBucket);
      const nodes = executions.filter(inBucket);
      expect(entry.runs).toEqual({
        completed: runs.filter((run) => run.status === 'completed').length,
        failed: runs.filter((run) => run.status === 'failed').length,
        cancelled: 0,
      });
      expect(entry.executions).toEqual({
        succeeded: nodes.filter((e) => e.status === 'succeeded').length,
        failed: nodes.filter((e) => e.status === 'failed').length,
        cancelled: 0,
      });
    }
  });
});

test('rollups written before series were kept (no series documents) read the same', async () => {
  const reader = new MetricsReader(db);
  const figuresOf = async (workspace: string) => ({
    windows: await Promise.all(
      METRICS_WINDOWS.map(async (window) => ({
        summary: await reader.summary({ workspace, window }, NOW),
        timeseries: await reader.timeseries({ workspace, window }, NOW),
      })),
    ),
    daily: await reader.dailyExecutions(workspace, NOW),
  });
  const fromSeries = await figuresOf('default');
  for (const { name } of await db.listCollections().toArray()) {
    if (!name.startsWith('metrics_rollup_')) continue;
    const docs = await db.collection(name).find({ workspace: 'default' }).toArray();
    if (docs.length === 0) continue;
    await db
      .collection(name)
      .insertMany(
        docs.map(({ _id, ...doc }) => ({ ...doc, _id: `legacy-${String(_id)}` as never, workspace: 'legacy' })),
      );
  }
  expect(await figuresOf('legacy')).toEqual(fromSeries);
  expect(await figuresOf('default')).toEqual(fromSeries);
});
