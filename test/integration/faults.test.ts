/**
 * Parts of the product stopped (SIGSTOP: hung) or killed (SIGKILL) under the gateway: every request is answered in
 * bounded time, the API answers 503 with Retry-After naming the part, /healthz says which part is down, async webhooks
 * are still accepted and run once the part is back (also by a gateway started while the store hangs, from the
 * webhook settings it last knew), the launcher restarts a dead Temporal server or FerretDB, and a caller's retry with
 * an Idempotency-Key never makes a second run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { sleep } from '../../common/processes';
import { eventually, Product, startProduct } from '../support/product';

let product: Product;
let temporal: Client;

/** Every request in this file must be answered within this (it fails, rather than hangs, otherwise). */
const ANSWER_WITHIN_MS = 20_000;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${product.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${product.adminKey}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const pidOf = (part: 'ferretdb' | 'temporal') => product.pidOf(part);

async function completed(runId: string) {
  return eventually(async () => {
    const run = await call('GET', `/api/runs/${runId}`).catch(() => undefined);
    return run?.status === 200 && run.body.status === 'completed' ? run.body : undefined;
  }, 90_000);
}

/** The fault-hook runs whose output is `{ n }`. */
async function runsOutputting(n: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const workflow of temporal.workflow.list({ query: `NectarFlowId = 'fault-hook'` })) {
    const result = (await temporal.workflow.getHandle(workflow.workflowId).result()) as { output: { n: number } };
    if (result.output.n === n) ids.push(workflow.workflowId);
  }
  return ids;
}

/** An API run start with the same Idempotency-Key each time, as a client retrying it sends. */
const keyedApiStart = () =>
  call('POST', '/api/flows/fault-hook/runs', { input: { body: { n: 6 } } }, { 'idempotency-key': 'api-retried-6' });

async function healthy() {
  await eventually(
    async () => ((await call('GET', '/healthz').catch(() => undefined))?.status === 200 ? true : undefined),
    90_000,
  );
}

beforeAll(async () => {
  product = await startProduct({ env: { NECTAR_DEPENDENCY_TIMEOUT_MS: '2000' } });
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  const saved = await call('PUT', '/api/flows/fault-hook', {
    id: 'fault-hook',
    name: 'fault hook',
    nodes: [{ id: 'echo', type: 'code', code: 'return { n: input.body && input.body.n };' }],
    triggers: [{ type: 'webhook', auth: { type: 'none' }, respond: 'async' }],
  });
  expect(saved.status).toBe(200);
  // The webhook's settings are read once, so the gateway knows them when the store is gone.
  const warm = await call('POST', '/hooks/fault-hook', { n: 0 });
  expect(warm.status).toBe(202);
  await completed(warm.body.runId);
});

afterAll(async () => {
  for (const part of ['ferretdb', 'temporal'] as const) {
    try {
      process.kill(pidOf(part), 'SIGCONT');
    } catch {
      // not running
    }
  }
  await temporal?.connection.close();
  await product?.stop();
});

describe('FerretDB hung (SIGSTOP)', () => {
  let accepted: string;

  beforeAll(() => process.kill(pidOf('ferretdb'), 'SIGSTOP'));

  test('the API answers 503 with Retry-After naming the store', async () => {
    const flows = await call('GET', '/api/flows');
    expect(flows.status).toBe(503);
    expect(flows.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(flows.body.error.code).toBe('store_unavailable');
  });

  test('/healthz answers 503 saying the store is down and Temporal is not', async () => {
    const health = await call('GET', '/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unavailable', down: ['store'], temporal: 'ok' });
    expect(health.body.store).toMatch(/^down/);
  });

  test('an async webhook is still accepted', async () => {
    const response = await call('POST', '/hooks/fault-hook', { n: 1 });
    expect(response.status).toBe(202);
    accepted = response.body.runId;
  });

  test('once the store is back, the accepted delivery has run', async () => {
    process.kill(pidOf('ferretdb'), 'SIGCONT');
    await healthy();
    expect((await completed(accepted)).output).toEqual({ n: 1 });
  });
});

describe('Temporal hung (SIGSTOP)', () => {
  let accepted: string;
  let keyed: number;

  beforeAll(() => process.kill(pidOf('temporal'), 'SIGSTOP'));

  test('an API run answers 503 with Retry-After naming Temporal', async () => {
    const run = await call('POST', '/api/flows/fault-hook/runs', { input: { body: { n: 2 } } });
    expect(run.status).toBe(503);
    expect(run.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(run.body.error.code).toBe('temporal_unavailable');
  });

  test('/healthz says Temporal is down', async () => {
    const health = await call('GET', '/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ down: ['temporal'], store: 'ok' });
  });

  test('an async webhook is still accepted', async () => {
    const response = await call('POST', '/hooks/fault-hook', { n: 3 });
    expect(response.status).toBe(202);
    accepted = response.body.runId;
  });

  test('a keyed API start answers 503 while Temporal hangs', async () => {
    const run = await keyedApiStart();
    expect(run.status).toBe(503);
    expect(run.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  test('a keyed delivery the caller gave up on, retried once Temporal is back, is one run', async () => {
    const first = await call('POST', '/hooks/fault-hook', { n: 4 }, { 'idempotency-key': 'retried-4' }).catch(
      () => undefined,
    );
    keyed = first?.status ?? 0;
    process.kill(pidOf('temporal'), 'SIGCONT');
    await healthy();
    const retry = await call('POST', '/hooks/fault-hook', { n: 4 }, { 'idempotency-key': 'retried-4' });
    expect(retry.status).toBe(202);
    expect((await completed(accepted)).output).toEqual({ n: 3 });
    await completed(retry.body.runId);
    expect({ firstAnswer: keyed, runs: await runsOutputting(4) }).toEqual({
      firstAnswer: keyed,
      runs: [retry.body.runId],
    });
  });
});

describe('Temporal back', () => {
  test('the keyed API start retried after its 503 answers one run: the one its first attempt may have left behind', async () => {
    await healthy();
    const retry = await keyedApiStart();
    expect(retry.status).toBe(202);
    await completed(retry.body.runId);
    const again = await keyedApiStart();
    expect(again.body.runId).toBe(retry.body.runId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await runsOutputting(6)).toEqual([retry.body.runId]);
  });
});

describe('a gateway started while the store hangs', () => {
  const settingsFile = () => path.join(product.dataDir, 'webhook-journal', 'webhook-settings.json');
  const knownVersion = (flowId: string): number | undefined => {
    try {
      return JSON.parse(fs.readFileSync(settingsFile(), 'utf8')).flows[flowId]?.version.version;
    } catch {
      return undefined;
    }
  };
  const coldHook = (auth: Record<string, string>) => ({
    id: 'cold-hook',
    name: 'cold hook',
    nodes: [{ id: 'echo', type: 'code', code: 'return { n: input.body && input.body.n };' }],
    triggers: [{ type: 'webhook', auth, respond: 'async' }],
  });

  test('accepts async webhooks by the settings last known on disk (a save replaced them), and they run once the store is back', async () => {
    // Saved, read by a delivery, then saved again with a header required and read again: the file holds the second.
    expect((await call('PUT', '/api/flows/cold-hook', coldHook({ type: 'none' }))).status).toBe(200);
    expect((await call('POST', '/hooks/cold-hook', { n: 0 })).status).toBe(202);
    await eventually(async () => (knownVersion('cold-hook') === 1 ? true : undefined), 30_000);
    expect((await call('PUT', '/api/flows/cold-hook', coldHook({ type: 'header', value: 'cold-secret' }))).status).toBe(
      200,
    );
    expect((await call('POST', '/hooks/cold-hook', { n: 0 }, { 'x-api-key': 'cold-secret' })).status).toBe(202);
    await eventually(async () => (knownVersion('cold-hook') === 2 && knownVersion('fault-hook') ? true : undefined));

    process.kill(pidOf('ferretdb'), 'SIGSTOP');
    const gateway = product.pidOf('gateway');
    process.kill(gateway, 'SIGKILL');
    await eventually(async () => (product.pidOf('gateway') !== gateway ? true : undefined), 60_000);
    const accepted = await eventually(async () => {
      const answer = await call('POST', '/hooks/fault-hook', { n: 8 }).catch(() => undefined);
      return answer?.status === 202 ? answer : undefined;
    }, 60_000);
    expect((await call('POST', '/hooks/cold-hook', { n: 9 })).status).toBe(401);
    const keyed = await call('POST', '/hooks/cold-hook', { n: 9 }, { 'x-api-key': 'cold-secret' });
    expect(keyed.status).toBe(202);
    // A flow it never read cannot be told apart from none while the store hangs: 503, never 404.
    expect((await call('POST', '/hooks/never-read', { n: 1 })).status).toBe(503);
    expect((await call('GET', '/healthz')).body).toMatchObject({ down: ['store'] });

    process.kill(pidOf('ferretdb'), 'SIGCONT');
    expect((await completed(accepted.body.runId)).output).toEqual({ n: 8 });
    expect((await completed(keyed.body.runId)).output).toEqual({ n: 9 });
    await healthy();
  });
});

describe('killed (SIGKILL)', () => {
  test.each(['ferretdb', 'temporal'] as const)(
    '%s is restarted by the launcher and deliveries accepted meanwhile run',
    async (part) => {
      const before = pidOf(part);
      process.kill(before, 'SIGKILL');
      const response = await call('POST', '/hooks/fault-hook', { n: 5 });
      expect(response.status).toBe(202);
      await eventually(async () => (pidOf(part) !== before ? true : undefined), 60_000);
      await healthy();
      expect((await completed(response.body.runId)).output).toEqual({ n: 5 });
    },
  );
});

describe('FerretDB killed again and again under load', () => {
  const KILLS = 4;
  const gatewayLog = () => {
    try {
      return fs.readFileSync(path.join(product.dataDir, 'logs', 'gateway.log'), 'utf8');
    } catch {
      return '';
    }
  };

  test('deliveries and API reads racing each kill are answered 202/200 or 503 with Retry-After, never 500', async () => {
    await healthy();
    const logFrom = gatewayLog().length;
    const answers: { what: string; status: number; retryAfter: string | null }[] = [];
    let stopped = false;
    // Several requests always in flight, so some meet the store at the moment it dies (mid-operation, on a pooled
    // connection, waiting in the pool, selecting a server) and while it restarts.
    // Deliveries are paced (each becomes a run); reads, which start nothing, less so.
    const stream = async (what: string, pauseMs: number, send: () => ReturnType<typeof call>) => {
      while (!stopped) {
        const answer = await send().catch(() => undefined);
        answers.push({ what, status: answer?.status ?? 0, retryAfter: answer?.headers.get('retry-after') ?? null });
        await sleep(pauseMs);
      }
    };
    const streams = [
      ...[1, 2].map(() => stream('webhook', 250, () => call('POST', '/hooks/fault-hook', { n: 10 }))),
      ...[1, 2].flatMap(() => [
        stream('flow', 10, () => call('GET', '/api/flows/fault-hook')),
        stream('flows', 10, () => call('GET', '/api/flows')),
        stream('versions', 10, () => call('GET', '/api/flows/fault-hook/versions')),
      ]),
    ];
    for (let kill = 0; kill < KILLS; kill += 1) {
      await healthy();
      await sleep(200 + Math.random() * 1_500);
      const before = pidOf('ferretdb');
      process.kill(before, 'SIGKILL');
      await eventually(async () => (pidOf('ferretdb') !== before ? true : undefined), 90_000);
    }
    await healthy();
    stopped = true;
    await Promise.all(streams);

    const tally: Record<string, number> = {};
    for (const { what, status } of answers) tally[`${what} ${status}`] = (tally[`${what} ${status}`] ?? 0) + 1;
    const unhandled = gatewayLog()
      .slice(logFrom)
      .split('\n')
      .filter((line) => line.includes('unhandled error'))
      .slice(0, 5);
    const wrong = answers.filter(({ what, status }) => ![what === 'webhook' ? 202 : 200, 503].includes(status)).length;
    const withoutRetryAfter = answers.filter(({ status, retryAfter }) => status === 503 && !retryAfter).length;
    expect({ tally, wrong, withoutRetryAfter, unhandled }).toEqual({
      tally,
      wrong: 0,
      withoutRetryAfter: 0,
      unhandled: [],
    });
    // The store was down at some point of the load, and the load went on through it.
    expect(answers.some(({ status }) => status === 503)).toBe(true);
    expect(answers.filter(({ what, status }) => what === 'webhook' && status === 202).length).toBeGreaterThan(KILLS);
  });
});
