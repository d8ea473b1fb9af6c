/**
 * `npm run bench -- latency`: how long a caller waits for a short durable run, against the whole product as `npm start`
 * runs it, with baselines measured in the same run on the same Temporal server:
 *  - one-node sync webhook, 1 client: p50/p99 (goal p50 ≤ 15 ms), against a hand-written Temporal workflow with one
 *    local activity calling the same runCode activity, started the same way (HTTP in, eager start on a worker sharing
 *    the client's native connection, wait for the result; goal ≤ 1.15×), and the floor: a workflow that does nothing,
 *    started the same way;
 *  - the same with 8 clients: runs per second and server CPU per request (every server process from /proc: gateway,
 *    worker, their sandbox processes, the Temporal dev server, FerretDB);
 *  - a 40-node chain of light nodes, by sync webhook and by `?wait=true` (goal ≤ 110 ms);
 *  - where the time of a one-node run goes: CPU per process, the run's own span in Temporal's history, and the Temporal
 *    server's synced writes (strace, in a short phase of its own since tracing slows the server);
 *  - stalls: any request past 3× the p50 and 1 s, with its run's history.
 * BENCH_LATENCY_REQUESTS (default 900) sets the requests of each one-node row, in 3 rounds, BENCH_CHAIN_RUNS (default 10)
 * the runs of each chain row; the machine's load average is printed, since other work on it moves every absolute figure.
 */
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { parseConfig } from '../common/config';
import { connectStore } from '../store/mongo';
import { startProduct, Product } from '../test/support/product';
import { createNectarWorker } from '../worker/nectarWorker';

const REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 900);
const ROUNDS = 3;
const CHAIN_RUNS = Number(process.env.BENCH_CHAIN_RUNS ?? 10);
const HAND_QUEUE = 'bench-latency-hand';
const LIGHT = 'return { y: (input && input.y || 0) + 1 };';
const TICKS_PER_SECOND = 100;

interface Sample {
  ms: number;
  status: number;
  runId?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, body: unknown): Promise<Sample> {
  const text = JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({
            ms: performance.now() - started,
            status: response.statusCode ?? 0,
            runId: response.headers['x-nectar-run-id'] as string | undefined,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(text);
  });
}

/** Closed loop: `clients` callers, each sending its next request when the previous is answered. */
async function load(
  url: string,
  body: unknown,
  clients: number,
  total: number,
): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = [];
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (sent < total) {
        sent++;
        samples.push(await post(url, body));
      }
    }),
  );
  return { samples, seconds: (performance.now() - started) / 1000 };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
};
const median = (values: number[]) => percentile(values, 50);
const ms = (value: number) => `${value.toFixed(1)} ms`;
const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

/** utime + stime of a process, in ms of CPU (0 once it is gone). */
function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function childrenOf(parents: number[]): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parents.includes(ppid)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Every server process of the product, by part (sandbox processes under the process that supervises them). */
function serverProcesses(product: Product): Record<string, number[]> {
  const gateway = product.pidOf('gateway');
  const worker = product.pidOf('worker');
  return {
    gateway: [gateway],
    'gateway sandboxes': childrenOf([gateway]),
    worker: [worker],
    'worker sandboxes': childrenOf([worker]),
    temporal: [product.pidOf('temporal')],
    ferretdb: [product.pidOf('ferretdb')],
  };
}

function cpuByPart(parts: Record<string, number[]>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(parts).map(([part, pids]) => [part, pids.reduce((sum, pid) => sum + cpuMs(pid), 0)]),
  );
}

/** Runs `work` and answers its CPU per request for each part, and the bench process's own (the client). */
async function withCpu<T extends { samples: Sample[] }>(
  parts: Record<string, number[]>,
  work: () => Promise<T>,
): Promise<T & { cpuPerRequest: Record<string, number> }> {
  const serving = Object.values(parts).some((pids) => pids.includes(process.pid));
  const before = cpuByPart(parts);
  const clientBefore = process.cpuUsage();
  const result = await work();
  const after = cpuByPart(parts);
  const client = process.cpuUsage(clientBefore);
  const count = result.samples.length;
  const cpuPerRequest: Record<string, number> = {};
  for (const part of Object.keys(parts)) cpuPerRequest[part] = (after[part] - before[part]) / count;
  if (!serving) cpuPerRequest['(bench process: client)'] = (client.user + client.system) / 1000 / count;
  return { ...result, cpuPerRequest };
}

function printCpu(cpu: Record<string, number>, label = 'server CPU per request'): number {
  const server = Object.entries(cpu)
    .filter(([part]) => !part.startsWith('('))
    .reduce((sum, [, value]) => sum + value, 0);
  const parts = Object.entries(cpu)
    .map(([part, value]) => `${part} ${value.toFixed(1)}`)
    .join(', ');
  console.log(`  ${label} ${ms(server)}: ${parts}`);
  return server;
}

/** A request past 3× the p50 and 1 s: its run's history, event by event, with times from the start. */
async function reportStalls(temporal: Client, label: string, samples: Sample[]): Promise<number> {
  const p50 = median(samples.map((sample) => sample.ms));
  const slow = samples.filter((sample) => sample.ms > Math.max(1_000, 3 * p50));
  for (const sample of slow.slice(0, 5)) {
    if (!sample.runId) {
      console.log(`  STALL ${label}: ${ms(sample.ms)} (status ${sample.status}, no run id)`);
      continue;
    }
    const events = (await temporal.workflow.getHandle(sample.runId).fetchHistory()).events ?? [];
    const at = (event: proto.api.history.v1.IHistoryEvent) =>
      Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
    const start = events[0] ? at(events[0]) : 0;
    const described = events.map((event) => {
      const type = proto.api.enums.v1.EventType[event.eventType ?? 0].replace(/^EVENT_TYPE_/, '');
      const timeout = event.workflowTaskTimedOutEventAttributes
        ? `(${proto.api.enums.v1.TimeoutType[event.workflowTaskTimedOutEventAttributes.timeoutType ?? 0]})`
        : '';
      const by = event.workflowTaskStartedEventAttributes?.identity;
      return `${type}${timeout}${by ? `[${by}]` : ''}@${(at(event) - start).toFixed(0)}`;
    });
    console.log(`  STALL ${label}: ${ms(sample.ms)} ${sample.runId}: ${described.join(' ')}`);
  }
  return slow.length;
}

/** The server side of a run from its history: start → first task completed → closed, in ms. */
async function historySpans(temporal: Client, runIds: string[]): Promise<{ firstTask: number; close: number }> {
  const firstTask: number[] = [];
  const close: number[] = [];
  for (const runId of runIds) {
    const events = (await temporal.workflow.getHandle(runId).fetchHistory()).events ?? [];
    const at = (event?: proto.api.history.v1.IHistoryEvent) =>
      event ? Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6 : NaN;
    const start = at(events[0]);
    firstTask.push(at(events.find((event) => event.workflowTaskCompletedEventAttributes)) - start);
    close.push(at(events.at(-1)) - start);
  }
  return { firstTask: median(firstTask), close: median(close) };
}

/** Synced writes of the Temporal server during `work` (strace on every thread): count and time per call. */
async function syncedWrites(pid: number, work: () => Promise<number>): Promise<string> {
  const tracer = spawn('strace', ['-f', '-c', '-e', 'trace=fsync,fdatasync', '-p', String(pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let report = '';
  tracer.stderr.on('data', (chunk: Buffer) => (report += chunk.toString()));
  const exited = new Promise<void>((resolve) => tracer.once('exit', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const runs = await work();
  tracer.kill('SIGINT');
  await exited;
  const rows = report.split('\n').filter((line) => /\b(fsync|fdatasync)\b/.test(line));
  if (rows.length === 0) return `strace gave nothing (${report.trim().split('\n').at(-1) ?? 'no output'})`;
  return rows
    .map((line) => {
      const [, seconds, usecsPerCall, calls] = line.trim().split(/\s+/);
      const name = line.trim().split(/\s+/).at(-1);
      return `${name}: ${(Number(calls) / runs).toFixed(1)} per run, ${(Number(usecsPerCall) / 1000).toFixed(2)} ms each (${Number(seconds).toFixed(2)} s in all, traced)`;
    })
    .join('; ');
}

/** The hand-written baseline and the floor, served over HTTP by this process: eager start on a worker of its own. */
async function startBaselineServer(product: Product): Promise<{ url: string; stop: () => Promise<void> }> {
  const config = parseConfig({
    ...process.env,
    TEMPORAL_ADDRESS: product.info.temporalAddress,
    NECTAR_MONGODB_URI: product.info.mongoUri,
    NECTAR_DATA_DIR: product.dataDir,
    NECTAR_TASK_QUEUE: HAND_QUEUE,
  });
  const connection = await NativeConnection.connect({ address: product.info.temporalAddress });
  const store = await connectStore(product.info.mongoUri, config.mongo.dbName);
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./latencyBaseline.workflows'),
    logger: new DefaultLogger('ERROR'),
  });
  const { worker, close } = await createNectarWorker({
    config,
    connection,
    store,
    tuning: { workflowBundle: { code } },
  });
  const running = worker.run();
  const client = new Client({ connection });
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const workflowId = `bench-${crypto.randomUUID()}`;
      const started =
        request.url === '/bare'
          ? client.workflow.start('bareWorkflow', { taskQueue: HAND_QUEUE, workflowId, requestEagerStart: true })
          : client.workflow.start('handWrittenChain', {
              taskQueue: HAND_QUEUE,
              workflowId,
              args: ['lat-one', ['ack'], true],
              requestEagerStart: true,
            });
      started
        .then((handle) => handle.result())
        .then(
          (output) => {
            response.writeHead(200, { 'content-type': 'application/json', 'x-nectar-run-id': workflowId });
            response.end(JSON.stringify(output));
          },
          (error: Error) => {
            response.writeHead(500, { 'content-type': 'text/plain' });
            response.end(error.message);
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.close();
      worker.shutdown();
      await running;
      await close();
      await connection.close();
      await store.close();
    },
  };
}

async function save(product: Product, definition: Record<string, unknown>): Promise<void> {
  const saved = await product.request('PUT', `/api/flows/${String(definition.id)}`, definition);
  if (saved.status !== 200) throw new Error(`could not save ${String(definition.id)}: ${JSON.stringify(saved.body)}`);
}

function chain(id: string, length: number): Record<string, unknown> {
  const nodes = Array.from({ length }, (_, i) => ({ id: `n${i}`, type: 'code', code: LIGHT }));
  const edges = nodes.slice(1).map((node, i) => ({ from: `n${i}`, to: node.id }));
  return { id, name: id, nodes, edges, triggers: [{ type: 'webhook', respond: 'sync' }] };
}

function gitRevision(): Promise<string> {
  return new Promise((resolve) =>
    execFile('git', ['rev-parse', '--short', 'HEAD'], (error, stdout) => resolve(error ? '?' : stdout.trim())),
  );
}

export async function run(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  console.log(
    `latency: ${REQUESTS} requests per one-node row in ${ROUNDS} rounds, closed loop, keep-alive; ` +
      `commit ${await gitRevision()}; eager start ${process.env.NECTAR_EAGER_START ?? 'true'}; load average ${loadAverage()}`,
  );
  const product = await startProduct({ env: { NECTAR_LOG_LEVEL: 'warn' } });
  const temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  let baseline: Awaited<ReturnType<typeof startBaselineServer>> | undefined;
  try {
    await save(product, {
      id: 'lat-one',
      name: 'lat-one',
      nodes: [{ id: 'ack', type: 'code', code: LIGHT }],
      triggers: [{ type: 'webhook', respond: 'sync' }],
    });
    await save(product, chain('lat-chain40', 40));
    baseline = await startBaselineServer(product);
    const rows = {
      'sync webhook, 1 node': `${product.baseUrl}/hooks/lat-one`,
      'hand-written, 1 local activity': `${baseline.url}/hand`,
      'bare workflow (floor)': `${baseline.url}/bare`,
    };
    const body = { y: 1 };
    // Warm-up: bundles, isolates, caches, and each worker's measure of the node (light nodes then run locally).
    for (const url of Object.values(rows)) await load(url, body, 1, 60);

    const parts = serverProcesses(product);
    // The baselines' server: this process (their worker, and the client), its sandboxes, the same Temporal and store.
    const baselineParts = {
      'bench process (worker + client)': [process.pid],
      'its sandboxes': childrenOf([process.pid]).filter((pid) =>
        fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sandbox'),
      ),
      temporal: parts.temporal,
      ferretdb: parts.ferretdb,
    };
    const byRow: Record<string, { p50s: number[]; all: Sample[]; cpu?: Record<string, number> }> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, url] of Object.entries(rows)) {
        const measured = await withCpu(label === 'sync webhook, 1 node' ? parts : baselineParts, () =>
          load(url, body, 1, Math.ceil(REQUESTS / ROUNDS)),
        );
        const row = (byRow[label] ??= { p50s: [], all: [] });
        row.p50s.push(median(measured.samples.map((sample) => sample.ms)));
        row.all.push(...measured.samples);
        if (round === ROUNDS - 1) row.cpu = measured.cpuPerRequest;
      }
    }
    console.log(`one node, 1 client (p50: median of ${ROUNDS} rounds; p99 over all ${REQUESTS}):`);
    for (const [label, row] of Object.entries(byRow)) {
      const latencies = row.all.map((sample) => sample.ms);
      const failed = row.all.filter((sample) => sample.status !== 200).length;
      console.log(
        `  ${label.padEnd(32)} p50 ${ms(median(row.p50s))}  p99 ${ms(percentile(latencies, 99))}  max ${ms(Math.max(...latencies))}  ` +
          `p99/p50 ${(percentile(latencies, 99) / median(row.p50s)).toFixed(2)}  ${(1000 / median(latencies)).toFixed(0)} req/s  non-200 ${failed}`,
      );
    }
    const ours = median(byRow['sync webhook, 1 node'].p50s);
    const hand = median(byRow['hand-written, 1 local activity'].p50s);
    const bare = median(byRow['bare workflow (floor)'].p50s);
    console.log(
      `  ours / hand-written ${(ours / hand).toFixed(2)}× (goal ≤ 1.15×); ours / floor ${(ours / bare).toFixed(2)}×; ` +
        `p50 goal ≤ 15 ms; load average ${loadAverage()}`,
    );
    let stalls = 0;
    for (const [label, row] of Object.entries(byRow)) stalls += await reportStalls(temporal, label, row.all);
    const cpuOf = (label: string) => printCpu(byRow[label].cpu ?? {}, `${label}: server CPU per request`);
    const ourCpu = cpuOf('sync webhook, 1 node');
    const handCpu = cpuOf('hand-written, 1 local activity');
    const bareCpu = cpuOf('bare workflow (floor)');
    console.log(
      `  CPU: ours / hand-written ${(ourCpu / handCpu).toFixed(2)}×, ours / floor ${(ourCpu / bareCpu).toFixed(2)}× (goal ≤ 15 ms; n8n 21.5 ms)`,
    );

    const eight = await withCpu(parts, () => load(rows['sync webhook, 1 node'], body, 8, REQUESTS));
    const eightLatencies = eight.samples.map((sample) => sample.ms);
    console.log(
      `one node, 8 clients (${REQUESTS}): ${(eight.samples.length / eight.seconds).toFixed(1)} req/s (goal ≥ 100; n8n 63), ` +
        `p50 ${ms(median(eightLatencies))}, p99 ${ms(percentile(eightLatencies, 99))} (p99/p50 ${(percentile(eightLatencies, 99) / median(eightLatencies)).toFixed(2)}), ` +
        `non-200 ${eight.samples.filter((sample) => sample.status !== 200).length}; load average ${loadAverage()}`,
    );
    printCpu(eight.cpuPerRequest, 'server CPU per request (goal ≤ 15 ms; n8n 21.5 ms)');
    stalls += await reportStalls(temporal, '8 clients', eight.samples);
    const handEight = await load(rows['hand-written, 1 local activity'], body, 8, Math.ceil(REQUESTS / ROUNDS));
    console.log(
      `  hand-written, 8 clients (${handEight.samples.length}): ${(handEight.samples.length / handEight.seconds).toFixed(1)} req/s → ours ${(eight.samples.length / eight.seconds / (handEight.samples.length / handEight.seconds)).toFixed(2)}× its rate`,
    );
    console.log(`stalls (past 3× p50 and 1 s): ${stalls}`);

    // Where the time of one run goes.
    const sampleRuns = byRow['sync webhook, 1 node'].all
      .slice(-50)
      .flatMap((sample) => (sample.runId ? [sample.runId] : []));
    const spans = await historySpans(temporal, sampleRuns);
    console.log(
      `one-node run in Temporal's history (median of ${sampleRuns.length}): start → first workflow task completed ${ms(spans.firstTask)}, start → closed ${ms(spans.close)}; ` +
        `the caller waited ${ms(ours)} in all`,
    );
    const traced = 100;
    console.log(
      `  Temporal server's synced writes (${traced} one-node runs, 1 client): ${await syncedWrites(
        product.pidOf('temporal'),
        async () => {
          await load(rows['sync webhook, 1 node'], body, 1, traced);
          return traced;
        },
      )}`,
    );
    console.log(
      `  floor's synced writes (${traced} bare runs): ${await syncedWrites(product.pidOf('temporal'), async () => {
        await load(rows['bare workflow (floor)'], body, 1, traced);
        return traced;
      })}`,
    );

    // 40-node chain of light nodes.
    await load(`${product.baseUrl}/hooks/lat-chain40`, body, 1, 3);
    const chainHook = await load(`${product.baseUrl}/hooks/lat-chain40`, body, 1, CHAIN_RUNS);
    const chainApi: number[] = [];
    for (let i = 0; i < CHAIN_RUNS; i++) {
      const started = performance.now();
      const answer = await product.request('POST', '/api/flows/lat-chain40/runs?wait=true', { input: body });
      if (answer.status !== 200) throw new Error(`chain run answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      chainApi.push(performance.now() - started);
    }
    console.log(
      `40-node chain of light nodes (median of ${CHAIN_RUNS}; goal ≤ 110 ms; n8n 166 ms): sync webhook ${ms(median(chainHook.samples.map((sample) => sample.ms)))}, ` +
        `API run with wait ${ms(median(chainApi))}; load average ${loadAverage()}`,
    );
  } finally {
    await baseline?.stop();
    await temporal.connection.close();
    await product.stop();
    agent.destroy();
  }
}
