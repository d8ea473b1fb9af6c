/**
 * Event triggers under load, against the whole product as `npm start` runs it and a real PostgreSQL:
 *  - latency from a committed row to its run's start (Temporal's start time of the run), p50/p99, rows one at a time;
 *  - sustained rate: BENCH_PG_ROWS rows committed as fast as one client can (100 a transaction), runs started per
 *    second from the first commit to the last run's start, and every row matched by exactly one run;
 *  - in the same run, the async webhook intake's accept rate (8 clients) and its rate of runs started, as the reference.
 */
import { Client, Connection } from '@temporalio/client';
import autocannon from 'autocannon';
import { sleep } from '../common/processes';
import { eventually, Product, startProduct } from '../test/support/product';
import { startLocalPostgres } from '../test/support/postgres';

const LATENCY_ROWS = Number(process.env.BENCH_LATENCY_ROWS ?? 100);
const SUSTAINED_ROWS = Number(process.env.BENCH_PG_ROWS ?? 2000);
const WEBHOOK_REQUESTS = Number(process.env.BENCH_WEBHOOK_REQUESTS ?? 2000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function save(product: Product, flow: Record<string, unknown> & { id: string }): Promise<void> {
  const saved = await product.request('PUT', `/api/flows/${flow.id}`, flow);
  if (saved.status !== 200) throw new Error(`could not save ${flow.id}: ${JSON.stringify(saved.body)}`);
}

/** Start times of a flow's runs, once there are `count` of them (visibility catches up). */
async function runStarts(
  temporal: Client,
  flowId: string,
  count: number,
  timeoutMs = 600_000,
): Promise<Map<string, number>> {
  return eventually(async () => {
    const starts = new Map<string, number>();
    for await (const run of temporal.workflow.list({ query: `NectarFlowId = '${flowId}'` }))
      starts.set(run.workflowId, run.startTime.getTime());
    if (starts.size > count) throw new Error(`${starts.size} runs of ${flowId}, expected ${count}: an event ran twice`);
    return starts.size === count ? starts : undefined;
  }, timeoutMs);
}

/** Until no run of a flow is open (the listeners, which never end, are not runs). */
async function idle(temporal: Client): Promise<void> {
  await eventually(
    async () =>
      (await temporal.workflow.count(`WorkflowType = 'interpreterWorkflow' AND ExecutionStatus = 'Running'`)).count ===
      0
        ? true
        : undefined,
    1_800_000,
  );
}

export async function run(): Promise<void> {
  const pg = await startLocalPostgres();
  const product = await startProduct({ env: { NECTAR_LOG_LEVEL: 'warn', NECTAR_EGRESS_ALLOW: '127.0.0.1' } });
  const temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  try {
    await pg.client.query('CREATE TABLE bench_latency (id serial PRIMARY KEY, note text)');
    await pg.client.query('CREATE TABLE bench_load (id serial PRIMARY KEY, note text)');
    await product.request('PUT', '/api/variables/BENCH_DB', { value: pg.url });
    const node = [{ id: 'ack', type: 'code', code: 'return { id: input.new.id };' }];
    await save(product, {
      id: 'bench-pg-latency',
      name: 'latency',
      nodes: node,
      triggers: [{ type: 'postgres', urlVariable: 'BENCH_DB', table: 'bench_latency', operations: ['insert'] }],
    });
    await save(product, {
      id: 'bench-pg-load',
      name: 'load',
      nodes: node,
      triggers: [{ type: 'postgres', urlVariable: 'BENCH_DB', table: 'bench_load', operations: ['insert'] }],
    });
    await save(product, {
      id: 'bench-hook',
      name: 'hook',
      nodes: [{ id: 'ack', type: 'code', code: 'return { y: 1 };' }],
      triggers: [{ type: 'webhook', respond: 'async' }],
    });
    // Both listeners have installed their outboxes once each table carries a row trigger.
    await eventually(
      async () =>
        (await pg.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'nectar_%'`))
          .rows[0].n === 2
          ? true
          : undefined,
      60_000,
    );

    // Latency: one committed row at a time, the next once the previous row's run has finished (a quiet machine).
    const committedAt = new Map<number, number>();
    for (let index = 0; index < LATENCY_ROWS; index++) {
      const inserted = await pg.client.query<{ id: number }>(
        `INSERT INTO bench_latency (note) VALUES ('x') RETURNING id`,
      );
      committedAt.set(inserted.rows[0].id, Date.now());
      await eventually(
        async () =>
          (await temporal.workflow.count(`NectarFlowId = 'bench-pg-latency' AND ExecutionStatus = 'Completed'`)).count >
          index
            ? true
            : undefined,
        60_000,
      );
      await sleep(20);
    }
    const latencyStarts = await runStarts(temporal, 'bench-pg-latency', LATENCY_ROWS);
    const latencies: number[] = [];
    for (const [runId, startedAt] of latencyStarts) {
      const snapshot = (await temporal.workflow.getHandle(runId).result()) as { output: { id: number } };
      latencies.push(startedAt - committedAt.get(snapshot.output.id)!);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `postgres row committed → run started (${LATENCY_ROWS} rows, each after the previous run finished): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms`,
    );
    await idle(temporal);

    // Sustained: rows committed as fast as one client can, 100 a transaction.
    const loadStarted = Date.now();
    for (let written = 0; written < SUSTAINED_ROWS; written += 100) {
      await pg.client.query(`INSERT INTO bench_load (note) SELECT 'x' FROM generate_series(1, $1)`, [
        Math.min(100, SUSTAINED_ROWS - written),
      ]);
    }
    const committedIn = Date.now() - loadStarted;
    const loadStarts = await runStarts(temporal, 'bench-pg-load', SUSTAINED_ROWS);
    const lastStart = Math.max(...loadStarts.values());
    const pgRate = SUSTAINED_ROWS / ((lastStart - loadStarted) / 1000);
    const left = (await pg.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM nectar.outbox`)).rows[0].n;
    console.log(
      `postgres sustained: ${SUSTAINED_ROWS} rows committed in ${(committedIn / 1000).toFixed(1)} s, runs started at ${pgRate.toFixed(0)} events/s ` +
        `(first commit → last run start); runs ${loadStarts.size}, outbox left ${left}: ${loadStarts.size === SUSTAINED_ROWS && left === 0 ? 'none lost, none doubled' : 'MISMATCH'}`,
    );
    await idle(temporal);

    // The reference: async webhooks, 8 clients, the same trivial flow.
    const hookStarted = Date.now();
    const result = await autocannon({
      url: `${product.baseUrl}/hooks/bench-hook`,
      method: 'POST',
      connections: 8,
      amount: WEBHOOK_REQUESTS,
      headers: { 'content-type': 'application/json' },
      body: '{"order":42}',
    });
    const acceptedIn = Date.now() - hookStarted;
    const hookStarts = await runStarts(temporal, 'bench-hook', result['2xx']);
    const hookRate = result['2xx'] / ((Math.max(...hookStarts.values()) - hookStarted) / 1000);
    console.log(
      `webhook intake (async, 8 clients, ${WEBHOOK_REQUESTS}): accepted ${(result['2xx'] / (acceptedIn / 1000)).toFixed(0)} req/s (p50 ${result.latency.p50} ms), ` +
        `runs started at ${hookRate.toFixed(0)} runs/s; ${hookStarts.size} runs for ${result['2xx']} accepted`,
    );
    console.log(`  postgres events/s ÷ webhook runs started/s: ${(pgRate / hookRate).toFixed(2)}`);
  } finally {
    await temporal.connection.close();
    await product.stop();
    await pg.stop();
  }
}
