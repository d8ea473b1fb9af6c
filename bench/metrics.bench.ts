/**
 * Execution metrics: what recording costs per code-node execution, against the execution itself measured in the same
 * run, and how long each dashboard panel takes with 1,000,000 executions recorded, on the embedded FerretDB.
 *
 * Recording: a trivial node run N times in the sandbox (in this process) is the baseline; the recorder is then given
 * 30 s of executions at 100 per second on its own clock (the synchronous call a node makes, then a flush each second,
 * which writes them). Reported: the added
 * latency per node (the synchronous call; the flush runs beside the nodes, not on their path), this process's CPU per
 * execution for recording against the node's own, and FerretDB's CPU for the writes.
 *
 * Queries: 1,000,000 executions over 30 days (20 flows × 3 nodes, 10 % failing, 3 worker processes, as after two
 * restarts) are put through the recorder's own rollup code (store/metricsModel.ts) and the resulting documents
 * written directly: running a million executions through Temporal would take hours on this machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { requireBinary } from '../common/binaries';
import { freePort } from '../common/processes';
import type { ExecutionRequest } from '../sandbox/contract';
import { InProcessExecutor } from '../sandbox/inProcess';
import { startFerretDb } from '../store/ferretdb';
import {
  addError,
  addNode,
  addRun,
  BucketFigures,
  bucketStart,
  emptyBucket,
  METRICS_WINDOWS,
  RESOLUTIONS,
  rollupCollection,
  ROLLUP_PREFIX,
  RollupDocument,
  SERIES_PREFIX,
  SeriesDocument,
  seriesOf,
} from '../store/metricsModel';
import { MetricsReader } from '../store/metricsReader';
import { MetricsRecorder, NodeExecution } from '../store/metricsRecorder';

const EXECUTIONS = 1_000_000;
const NODE_SAMPLES = 500;
/** Executions given to the recorder: 30 s of a worker running 100 nodes per second (30 flushes). */
const RECORDED = 3_000;
const RECORDED_PER_SECOND = 100;
const DAY = 86_400_000;

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function processCpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function execution(i: number, at: number): NodeExecution {
  const failed = i % 10 === 9;
  return {
    flowId: `flow-${i % 20}`,
    flowVersion: 1,
    nodeId: `node-${i % 3}`,
    runId: `run-flow-${i % 20}-${i.toString(16).padStart(32, '0')}`,
    executionId: `e${i}`,
    activityId: '1',
    attempt: 1,
    trigger: 'api',
    status: failed ? 'failed' : 'succeeded',
    durationMs: 1 + (i % 50),
    memoryBytes: 800_000 + (i % 7) * 100_000,
    ...(failed ? { error: { type: 'CodeError', message: `declined ${i % 4}` } } : {}),
    at,
  };
}

async function recordingCost(db: ReturnType<MongoClient['db']>, ferretPid: number): Promise<void> {
  const sandbox = new InProcessExecutor({ prewarm: true });
  const request: ExecutionRequest = {
    nodeId: 'n',
    code: 'const f = (input) => ({ y: input.x + 1 });',
    input: { x: 1 },
    context: { trigger: { type: 'api', payload: null }, workflowContext: {}, steps: {}, env: {} },
  };
  for (let i = 0; i < 50; i++) await sandbox.execute(request);
  let cpu = process.cpuUsage();
  let wall = performance.now();
  for (let i = 0; i < NODE_SAMPLES; i++) await sandbox.execute(request);
  const nodeWallMs = (performance.now() - wall) / NODE_SAMPLES;
  const nodeCpuMs = cpuMs(process.cpuUsage(cpu)) / NODE_SAMPLES;
  sandbox.close();

  const started = Date.now();
  // The recorder's clock: executions arrive at RECORDED_PER_SECOND, so its flushes and rewrites happen as in a worker.
  let clock = started;
  const recorder = new MetricsRecorder(db, { workspaceOf: async () => 'default', flushMs: 60_000, now: () => clock });
  const ferretBefore = processCpuMs(ferretPid);
  cpu = process.cpuUsage();
  let callMs = 0;
  // As nodes arrive: each node's synchronous call, and a flush each second's worth.
  for (let i = 0; i < RECORDED; i++) {
    clock = started + Math.floor((i * 1000) / RECORDED_PER_SECOND);
    wall = performance.now();
    recorder.node(execution(i, clock));
    callMs += performance.now() - wall;
    if (i % RECORDED_PER_SECOND === RECORDED_PER_SECOND - 1) await recorder.flush();
  }
  await recorder.close();
  const recordCpuMs = cpuMs(process.cpuUsage(cpu)) / RECORDED;
  const ferretCpuMs = (processCpuMs(ferretPid) - ferretBefore) / RECORDED;
  const addedMs = callMs / RECORDED;
  console.log(
    JSON.stringify({
      recording: {
        executions: RECORDED,
        perSecond: RECORDED_PER_SECOND,
        nodeWallMsPerExecution: round(nodeWallMs),
        nodeCpuMsPerExecution: round(nodeCpuMs),
        addedLatencyMsPerNode: round(addedMs, 5),
        addedLatencyRatio: round(addedMs / nodeWallMs, 5),
        workerCpuMsPerExecutionForRecording: round(recordCpuMs, 4),
        workerCpuRatio: round(recordCpuMs / nodeCpuMs, 4),
        ferretDbCpuMsPerExecution: round(ferretCpuMs, 4),
      },
    }),
  );
}

/** The rollup documents 1M executions (and their runs) leave: minutes for the last 2 days (retention), hours, days. */
async function seedRollups(db: ReturnType<MongoClient['db']>, now: number): Promise<number> {
  const buckets = new Map<
    string,
    { collection: string; doc: Omit<RollupDocument, 'figures'>; figures: BucketFigures }
  >();
  const writers = ['w1', 'w2', 'w3'];
  for (let i = 0; i < EXECUTIONS; i++) {
    const at = now - 30 * DAY + Math.floor((i / EXECUTIONS) * 30 * DAY);
    const e = execution(i, at);
    const writer = writers[Math.floor((i / EXECUTIONS) * writers.length)];
    for (const resolution of RESOLUTIONS) {
      if (resolution === 'm' && at < now - 2 * DAY) continue;
      const start = bucketStart(at, resolution);
      const key = `${resolution}|${start}|${writer}`;
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = {
          collection: rollupCollection(resolution, start),
          doc: { _id: `default|${start}|${writer}`, workspace: 'default', at: new Date(start), writer },
          figures: emptyBucket(),
        };
        buckets.set(key, bucket);
      }
      addNode(bucket.figures, `${e.flowId}|${e.nodeId}|v`, e.status, e.durationMs, e.memoryBytes);
      if (e.error) addError(bucket.figures, e.flowId, e.nodeId, e.error.type, e.error.message, e.runId, at);
      if (i % 3 === 0)
        addRun(bucket.figures, `${e.flowId}|api|v`, e.status === 'failed' ? 'failed' : 'completed', 3 * e.durationMs);
    }
  }
  const byCollection = new Map<string, RollupDocument[]>();
  for (const bucket of buckets.values()) {
    const docs = byCollection.get(bucket.collection) ?? [];
    docs.push({ ...bucket.doc, figures: JSON.stringify(bucket.figures) });
    byCollection.set(bucket.collection, docs);
  }
  for (const [collection, docs] of byCollection) {
    await db.collection<RollupDocument>(collection).insertMany(docs);
    await db.collection<SeriesDocument>(collection.replace(ROLLUP_PREFIX, SERIES_PREFIX)).insertMany(
      docs.map(({ figures, ...head }) => ({
        ...head,
        series: JSON.stringify(seriesOf(JSON.parse(figures) as BucketFigures)),
      })),
    );
  }
  return buckets.size;
}

async function panelTimes(reader: MetricsReader, now: number): Promise<void> {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const times: Record<string, Record<string, number>> = {};
  for (const window of METRICS_WINDOWS) {
    times[window] = {};
    const query = { workspace: 'default', window };
    const panels: Record<string, () => Promise<unknown>> = {
      summary: () => reader.summary(query, now),
      timeseries: () => reader.timeseries(query, now),
      nodes: () => reader.nodes(query, now),
      errors: () => reader.errors({ ...query, limit: 10 }, now),
      summaryOneFlow: () => reader.summary({ ...query, flowId: 'flow-3' }, now),
    };
    for (const [panel, read] of Object.entries(panels)) {
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        await read();
        samples.push(performance.now() - started);
      }
      times[window][panel] = round(median(samples), 1);
    }
  }
  const started = performance.now();
  await reader.dailyExecutions('default', now);
  const usageMs = round(performance.now() - started, 1);
  const summary = (await reader.summary({ workspace: 'default', window: '30d' }, now)) as {
    executions: { total: number };
  };
  console.log(
    JSON.stringify({
      panelMsMedianOf3: times,
      usageDailyMs: usageMs,
      executionsIn30dWindow: summary.executions.total,
    }),
  );
}

function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-metrics-bench-'));
  const ferret = await startFerretDb({ executable: requireBinary('ferretdb'), dataDir: dir, port: await freePort() });
  const client = new MongoClient(ferret.uri);
  try {
    const db = client.db('nectar');
    console.log(
      `load average at start: ${os
        .loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}`,
    );
    await recordingCost(db, ferret.process.child.pid!);
    const now = Date.now();
    const started = performance.now();
    const documents = await seedRollups(db, now);
    console.log(
      JSON.stringify({
        seeded: { executions: EXECUTIONS, rollupDocuments: documents, ms: Math.round(performance.now() - started) },
      }),
    );
    await panelTimes(new MetricsReader(db), now);
    console.log(
      `load average at end: ${os
        .loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await client.close();
    await ferret.process.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
