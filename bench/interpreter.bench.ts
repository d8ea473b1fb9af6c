/**
 * The interpreter against hand-written Temporal workflows calling the same runCode activity the same number of
 * times, on one dev server and one worker process (this one), in the same run:
 *  - per-node overhead ratio (goal ≤ 1.15×), on a 20-node chain;
 *  - wall time of a 40-step chain of light nodes (goal < 1 s), of a 100-wide fan-out and join;
 *  - runs per second of a 3-node flow with 8 concurrent starters;
 *  - the effect of local activities, eager activity dispatch and eager workflow start, side by side.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, DefaultLogger } from '@temporalio/worker';
import type { Db } from 'mongodb';
import { createActivities } from '../activities';
import { NodeCosts } from '../activities/nodeCosts';
import { FlowVersionCache } from '../activities/flowCache';
import { OutputStore } from '../store/outputs';
import { requireBinary } from '../common/binaries';
import { freePort, startProcess, waitUntil } from '../common/processes';
import type { RunRequest } from '../flow/run';
import type { FlowDefinition } from '../flow/schema';
import type { FlowStore } from '../store/flows';
import { SANDBOX_PROCESS_PATH, SandboxSupervisor } from '../sandbox/supervisor';
import { DEV_SERVER_TUNING } from '../temporal/devServer';
import { runMetricsSinks } from '../worker/nectarWorker';
import { WorkerMetrics } from '../worker/prometheus';

const LIGHT = 'return { y: (input && input.y || 0) + 1 };';

function chain(id: string, length: number): FlowDefinition {
  const nodes = Array.from({ length }, (_, i) => ({ id: `n${i}`, type: 'code' as const, code: LIGHT }));
  const edges = nodes.slice(1).map((node, i) => ({ from: `n${i}`, to: node.id }));
  return { id, name: id, nodes, edges };
}

function fanOut(id: string, width: number): FlowDefinition {
  const branches = Array.from({ length: width }, (_, i) => ({ id: `b${i}`, type: 'code' as const, code: LIGHT }));
  return {
    id,
    name: id,
    nodes: [
      { id: 'start', type: 'code', code: LIGHT },
      ...branches,
      { id: 'join', type: 'code', code: 'return { n: Object.keys(input).length };' },
    ],
    edges: [
      ...branches.map((b) => ({ from: 'start', to: b.id })),
      ...branches.map((b) => ({ from: b.id, to: 'join' })),
    ],
  };
}

/** In-memory stand-ins for the store: the benchmark measures Temporal and the interpreter, not MongoDB. */
function memoryFlows(definitions: FlowDefinition[]): FlowStore {
  const byId = new Map(definitions.map((d) => [d.id, d]));
  const store = {
    version: async (flowId: string, version: number) => {
      const definition = byId.get(flowId);
      return definition && version === 1
        ? { flowId, version, definition, createdAt: new Date().toISOString() }
        : undefined;
    },
  };
  return store as unknown as FlowStore;
}

function memoryDb(): Db {
  const docs = new Map<string, unknown>();
  const collection = {
    insertOne: async (doc: { _id: string }) => void docs.set(doc._id, doc),
    findOne: async (filter: { _id: string }) => docs.get(filter._id) ?? null,
  };
  return { collection: () => collection } as unknown as Db;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function timeRuns(times: number, once: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await once();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

async function throughput(seconds: number, concurrency: number, once: () => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await once();
        done++;
      }
    }),
  );
  return done / seconds;
}

export async function run(): Promise<void> {
  console.log(
    `Temporal dev server on ${process.env.NECTAR_BENCH_TEMPORAL_DB === 'memory' ? 'in-memory SQLite' : 'SQLite on disk (as the product runs it)'}`,
  );
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-bench-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const server = startProcess({
    name: 'temporal',
    command: requireBinary('temporal'),
    args: [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'error',
      // The product persists to SQLite; NECTAR_BENCH_TEMPORAL_DB=memory shows what the disk costs.
      ...(process.env.NECTAR_BENCH_TEMPORAL_DB === 'memory'
        ? []
        : ['--db-filename', path.join(dataDir, 'temporal.sqlite')]),
      ...DEV_SERVER_TUNING,
    ],
    logFile: path.join(dataDir, 'temporal.log'),
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_'))),
  });
  const workers: Worker[] = [];
  // As the worker runs them: in supervised sandbox processes.
  const sandbox = new SandboxSupervisor({
    childPath: SANDBOX_PROCESS_PATH,
    processes: Math.min(2, os.availableParallelism()),
    graceMs: 2_000,
  });
  try {
    await waitUntil(
      'the Temporal dev server',
      async () => {
        const probe = await Connection.connect({ address, connectTimeout: '2s' });
        await probe.workflowService.getSystemInfo({});
        await probe.close();
        return true;
      },
      { timeoutMs: 60_000, process: server },
    );
    Runtime.install({ logger: new DefaultLogger('ERROR') });

    const chain20 = chain('chain20', 20);
    const chain40 = chain('chain40', 40);
    const three = chain('three', 3);
    const fan100 = fanOut('fan100', 100);
    const activities = createActivities({
      flows: new FlowVersionCache(memoryFlows([chain20, chain40, three, fan100])),
      functionEnv: () => ({}),
      latestVersion: async () => 1,
      workspaceOf: async () => undefined,
      outputs: new OutputStore(memoryDb()),
      sandbox,
      costs: new NodeCosts(),
    });
    const connection = await NativeConnection.connect({ address });
    const { code } = await import('@temporalio/worker').then((w) =>
      w.bundleWorkflowCode({
        workflowsPath: require.resolve('./interpreterBaseline.workflows'),
        logger: new DefaultLogger('ERROR'),
      }),
    );
    const queue = (eager: boolean) => `bench-${eager ? 'eager' : 'plain'}`;
    for (const eager of [false, true]) {
      const worker = await Worker.create({
        connection,
        taskQueue: queue(eager),
        workflowBundle: { code },
        activities,
        maxEagerActivityReservationsPerWorkflowTask: eager ? 3 : 0,
        // The interpreter tells runs starting and closing through a sink, as in the product's worker.
        sinks: runMetricsSinks(undefined, new WorkerMetrics(() => undefined)),
      });
      workers.push(worker);
    }
    const running = workers.map((worker) => worker.run());

    const remote = await Connection.connect({ address });
    const client = new Client({ connection: remote });
    const eagerClient = new Client({ connection: connection as unknown as Connection });
    const id = () => `bench-${crypto.randomUUID()}`;
    const interpret =
      (flow: FlowDefinition, opts: { local?: boolean; eagerActivity?: boolean; eagerStart?: boolean } = {}) =>
      () => {
        const request: RunRequest = {
          v: 1,
          flowId: flow.id,
          flowVersion: 1,
          trigger: { type: 'api', payload: {} },
          localActivities: opts.local,
        };
        return (opts.eagerStart ? eagerClient : client).workflow.execute('interpreterWorkflow', {
          taskQueue: queue(opts.eagerActivity === true),
          workflowId: id(),
          args: [request],
          requestEagerStart: opts.eagerStart,
        });
      };
    const handChain =
      (flow: FlowDefinition, local = false) =>
      () =>
        client.workflow.execute('handWrittenChain', {
          taskQueue: queue(false),
          workflowId: id(),
          args: [flow.id, flow.nodes.map((n) => n.id), local],
        });

    // Warm up both paths (bundles, isolates, caches).
    for (let i = 0; i < 3; i++) {
      await interpret(three)();
      await handChain(three)();
    }

    const reps = 5;
    // Like for like: the interpreter with every node a regular activity, as the hand-written workflow runs them.
    const hand20 = await timeRuns(reps, handChain(chain20));
    const interp20 = await timeRuns(reps, interpret(chain20, { local: false }));
    console.log(
      `20-node chain: hand-written ${ms(hand20)} (${ms(hand20 / 20)}/node), interpreter ${ms(interp20)} (${ms(interp20 / 20)}/node)`,
    );
    console.log(
      `  interpreter overhead per node: ${(interp20 / hand20).toFixed(3)}× the hand-written workflow (goal ≤ 1.15×)`,
    );
    const handLocal20 = await timeRuns(reps, handChain(chain20, true));
    const interpLocal20 = await timeRuns(reps, interpret(chain20, { local: true }));
    console.log(
      `  with local activities: hand-written ${ms(handLocal20)}, interpreter ${ms(interpLocal20)} → ${(interpLocal20 / handLocal20).toFixed(3)}×`,
    );

    console.log(
      '40-step chain of light nodes, wall time (goal < 1 s; Windmill publishes 2.1 s, plain Temporal 3.0 s):',
    );
    const variants: [string, Parameters<typeof interpret>[1]][] = [
      ['regular activities', { local: false }],
      ['+ eager activity dispatch', { local: false, eagerActivity: true }],
      ['default: light nodes local', { eagerActivity: true }],
      ['every node local', { local: true, eagerActivity: true }],
      ['every node local + eager start', { local: true, eagerStart: true }],
    ];
    const chain40Times: Record<string, number> = {};
    for (const [label, opts] of variants) chain40Times[label] = await timeRuns(3, interpret(chain40, opts));
    const base40 = chain40Times['regular activities'];
    for (const [label, time] of Object.entries(chain40Times))
      console.log(`  ${label.padEnd(32)} ${ms(time)}  (${(time / base40).toFixed(2)}× regular activities)`);
    const hand40 = await timeRuns(3, handChain(chain40));
    console.log(`  hand-written baseline (activities) ${ms(hand40)}`);

    const handFan = await timeRuns(3, () =>
      client.workflow.execute('handWrittenFanOut', {
        taskQueue: queue(false),
        workflowId: id(),
        args: [fan100.id, fan100.nodes.slice(1, -1).map((n) => n.id)],
      }),
    );
    const interpFan = await timeRuns(3, interpret(fan100, { local: false }));
    console.log(
      `100-wide fan-out and join: interpreter ${ms(interpFan)}, hand-written ${ms(handFan)} → ${(interpFan / handFan).toFixed(3)}×`,
    );

    console.log('3-node flow, runs per second with 8 concurrent starters (10 s each):');
    for (const [label, opts] of variants) {
      const rate = await throughput(10, 8, interpret(three, opts));
      console.log(`  ${label.padEnd(32)} ${rate.toFixed(1)} runs/s`);
    }
    const handRate = await throughput(10, 8, handChain(three));
    console.log(`  hand-written baseline (activities) ${handRate.toFixed(1)} runs/s`);
    await remote.close();
    for (const worker of workers) worker.shutdown();
    await Promise.all(running);
    await connection.close();
  } finally {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    sandbox.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
