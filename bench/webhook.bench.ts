/**
 * Webhooks under load (autocannon, keep-alive, closed loop) against the whole product as `npm start` runs it, with a
 * baseline in the same run: a process of the bench's own (staticBaseline.ts) answering a static 202 behind express and
 * the middleware of the API (the baseline the goals are set against), and, for reference, a static 202 from a plain HTTP handler like
 * the one webhook deliveries are served on (ahead of express).
 *  - async webhooks: accept rate and p50/p99 with 8 clients, as a ratio of the static baseline (goal ≥ 0.5), and
 *    every 2xx matched by exactly one run in Temporal (no request lost);
 *  - sync webhooks of a one-node flow: p50/p99 with 1 client (goal p50 ≤ 13 ms) and req/s with 8 clients (goal ≥ 100).
 * BENCH_SECONDS (default 10) sets the length of the static and sync rows; BENCH_ASYNC_REQUESTS (default 4000) the async
 * row's count (a count, not a duration, so that every request sent is answered and can be matched with its run).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import autocannon from 'autocannon';
import { startProduct, eventually, Product } from '../test/support/product';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_REQUESTS = 300;
const ASYNC_REQUESTS = Number(process.env.BENCH_ASYNC_REQUESTS ?? 4000);

interface Figures {
  label: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
}

async function load(
  label: string,
  url: string,
  connections: number,
  options: { amount?: number; duration?: number } = {},
): Promise<Figures> {
  const started = performance.now();
  let lastAnswerAt = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ order: 42, items: [{ sku: 'A-1', qty: 2 }] }),
        ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? SECONDS }),
      },
      (error: Error | null, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', () => (lastAnswerAt = performance.now()));
  });
  return {
    label,
    // Answers per second from the first request to the last answer: autocannon ends a row on a whole-second tick, which
    // for a row of a few seconds would count up to a second of idle time.
    reqPerSec: result.requests.total / ((lastAnswerAt - started) / 1000),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    failed: result.non2xx + result.errors,
  };
}

function print(figures: Figures): void {
  console.log(
    `${figures.label.padEnd(34)} ${figures.reqPerSec.toFixed(0).padStart(7)} req/s   p50 ${String(figures.p50).padStart(4)} ms   p99 ${String(figures.p99).padStart(5)} ms   2xx ${figures.ok}   failed ${figures.failed}`,
  );
}

async function flowRuns(temporal: Client, flowId: string): Promise<number> {
  return (await temporal.workflow.count(`NectarFlowId = '${flowId}'`)).count;
}

async function openRuns(temporal: Client): Promise<number> {
  return (await temporal.workflow.count(`ExecutionStatus = 'Running'`)).count;
}

async function save(product: Product, id: string, respond: 'async' | 'sync'): Promise<void> {
  const saved = await product.request('PUT', `/api/flows/${id}`, {
    id,
    name: id,
    nodes: [{ id: 'ack', type: 'code', code: 'return { y: 1, order: input.body.order };' }],
    triggers: [{ type: 'webhook', respond }],
  });
  if (saved.status !== 200) throw new Error(`could not save ${id}: ${JSON.stringify(saved.body)}`);
}

/** Forks the baseline server (logging at the gateway's level here) and answers its base URL. */
async function startBaseline(): Promise<{ baseUrl: string; stop: () => void }> {
  const child = fork(path.join(__dirname, 'staticBaseline.js'), [], {
    env: { ...process.env, NECTAR_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { baseUrl: `http://127.0.0.1:${line.toString().trim()}`, stop: () => child.kill() };
}

export async function run(): Promise<void> {
  const product = await startProduct({ env: { NECTAR_LOG_LEVEL: 'warn' } });
  const baselineServer = await startBaseline();
  const temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  try {
    await save(product, 'bench-async', 'async');
    await save(product, 'bench-sync', 'sync');
    const staticUrl = `${baselineServer.baseUrl}/hooks-static/bench-async`;
    const plainStaticUrl = `${baselineServer.baseUrl}/hooks-static-plain/bench-async`;
    const asyncUrl = `${product.baseUrl}/hooks/bench-async`;
    const syncUrl = `${product.baseUrl}/hooks/bench-sync`;

    console.log(
      `webhooks: autocannon, keep-alive, ${SECONDS} s per row after ${WARMUP_REQUESTS} warm-up requests; gateway log level warn`,
    );
    await load('warm-up', staticUrl, 8, { amount: WARMUP_REQUESTS });
    const baseline = await load('static 202 (express), 8 clients', staticUrl, 8);
    print(baseline);
    await load('warm-up', plainStaticUrl, 8, { amount: WARMUP_REQUESTS });
    const plainBaseline = await load('static 202, plain handler, 8 clients', plainStaticUrl, 8);
    print(plainBaseline);

    let accepted = 0;
    accepted += (await load('warm-up', asyncUrl, 8, { amount: WARMUP_REQUESTS })).ok;
    // Like the baseline's, the measured row starts on a quiet machine: the warm-up's runs finish first.
    await eventually(
      async () =>
        (await flowRuns(temporal, 'bench-async')) >= accepted && (await openRuns(temporal)) === 0 ? true : undefined,
      300_000,
    );
    const asyncFigures = await load(`async webhook, 8 clients (${ASYNC_REQUESTS})`, asyncUrl, 8, {
      amount: ASYNC_REQUESTS,
    });
    accepted += asyncFigures.ok;
    print(asyncFigures);
    console.log(
      `  async accept rate / static baseline: ${(asyncFigures.reqPerSec / baseline.reqPerSec).toFixed(2)} (goal ≥ 0.50); ` +
        `/ plain-handler static: ${(asyncFigures.reqPerSec / plainBaseline.reqPerSec).toFixed(2)}`,
    );

    // Every accepted delivery must be exactly one run: count them once visibility has caught up with the backlog.
    const drainStarted = Date.now();
    const runs = await eventually(async () => {
      const count = await flowRuns(temporal, 'bench-async');
      return count >= accepted && (await openRuns(temporal)) === 0 ? count : undefined;
    }, 900_000).catch(async () => flowRuns(temporal, 'bench-async'));
    const drained = (await openRuns(temporal)) === 0;
    console.log(
      `  accepted ${accepted}, runs ${runs}: ${runs === accepted ? 'none lost, none doubled' : 'MISMATCH'}; ` +
        `${drained ? `backlog of runs finished in ${((Date.now() - drainStarted) / 1000).toFixed(1)} s` : 'backlog still running after 900 s'}`,
    );

    await load('warm-up', syncUrl, 1, { amount: WARMUP_REQUESTS });
    const sync1 = await load('sync webhook 1 node, 1 client', syncUrl, 1);
    print(sync1);
    const sync8 = await load('sync webhook 1 node, 8 clients', syncUrl, 8);
    print(sync8);
    console.log(
      `  sync p50 (1 client) ${sync1.p50} ms (goal ≤ 13 ms); sync 8 clients ${sync8.reqPerSec.toFixed(0)} req/s (goal ≥ 100)`,
    );
  } finally {
    baselineServer.stop();
    await temporal.connection.close();
    await product.stop();
  }
}
