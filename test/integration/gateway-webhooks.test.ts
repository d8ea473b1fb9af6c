/**
 * Webhook triggers end to end: every body type and auth mode, async and sync answers, idempotent redelivery, and a
 * gateway killed in the middle of a burst, after which every request that got a 2xx has exactly one run.
 */
import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { sleep } from '../../common/processes';
import { flowIdOfRunId } from '../../flow/ids';
import { REDACTED_SECRET } from '../../gateway/redact';
import { eventually, Product, startProduct } from '../support/product';

const ECHO = 'return { method: context.trigger.payload.method, trigger: context.trigger, input };';

function webhookFlow(id: string, trigger: Record<string, unknown>, code = ECHO) {
  return { id, name: id, nodes: [{ id: 'echo', type: 'code', code }], triggers: [{ type: 'webhook', ...trigger }] };
}

let product: Product;
let temporal: Client;

async function save(flow: Record<string, unknown>): Promise<void> {
  const saved = await product.request('PUT', `/api/flows/${flow.id}`, flow);
  expect(saved.status).toBe(200);
}

async function hook(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${product.baseUrl}${path}`, { method, body, headers });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

async function finishedRun(runId: string): Promise<any> {
  return eventually(async () => {
    const run = await product.request('GET', `/api/runs/${runId}`);
    expect(run.status).toBe(200); // accepted runs are readable at once: `pending` until Temporal has them
    return run.body.status === 'running' || run.body.status === 'pending' ? undefined : run.body;
  });
}

beforeAll(async () => {
  product = await startProduct({ env: { NECTAR_WEBHOOK_BODY_LIMIT: '64kb' } });
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
});

afterAll(async () => {
  await temporal?.connection.close();
  await product?.stop();
});

describe('webhook bodies and request parts', () => {
  beforeAll(() => save(webhookFlow('echo-hook', {})));

  test('an async JSON delivery answers 202 with the run, which sees method, path, query, headers and body', async () => {
    const response = await hook('POST', '/hooks/echo-hook/orders/42?source=shop&tag=a', JSON.stringify({ order: 42 }), {
      'content-type': 'application/json',
      'x-shop': 'nectar',
    });
    expect(response.status).toBe(202);
    expect(flowIdOfRunId(response.body.runId)).toBe('echo-hook');
    const run = await finishedRun(response.body.runId);
    expect(run.status).toBe('completed');
    expect(run.trigger).toBe('webhook');
    const trigger = run.output.trigger;
    expect(trigger.type).toBe('webhook');
    expect(trigger.payload).toMatchObject({
      method: 'POST',
      path: '/orders/42',
      query: { source: 'shop', tag: 'a' },
      body: { order: 42 },
    });
    expect(trigger.payload.headers['x-shop']).toBe('nectar');
    expect(run.output.input.body).toEqual({ order: 42 });
  });

  test('form, text and raw bodies arrive as fields, a string and base64', async () => {
    const form = await hook('POST', '/hooks/echo-hook', 'a=1&b=two&a=3', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    const text = await hook('PUT', '/hooks/echo-hook', 'hello there', { 'content-type': 'text/plain' });
    const raw = await hook('POST', '/hooks/echo-hook', Buffer.from([0, 1, 2, 255]), {
      'content-type': 'application/octet-stream',
    });
    const get = await hook('GET', '/hooks/echo-hook?x=1');
    for (const response of [form, text, raw, get]) expect(response.status).toBe(202);
    expect((await finishedRun(form.body.runId)).output.input.body).toEqual({ a: ['1', '3'], b: 'two' });
    expect((await finishedRun(text.body.runId)).output).toMatchObject({
      method: 'PUT',
      input: { body: 'hello there' },
    });
    expect((await finishedRun(raw.body.runId)).output.input.body).toEqual({
      encoding: 'base64',
      contentType: 'application/octet-stream',
      data: Buffer.from([0, 1, 2, 255]).toString('base64'),
    });
    expect((await finishedRun(get.body.runId)).output.input).toMatchObject({
      method: 'GET',
      query: { x: '1' },
      body: null,
    });
  });

  test('a body over the limit is refused with 413, invalid JSON with 400, and neither starts a run', async () => {
    const big = await hook('POST', '/hooks/echo-hook', JSON.stringify({ x: 'y'.repeat(70_000) }), {
      'content-type': 'application/json',
    });
    expect(big.status).toBe(413);
    const broken = await hook('POST', '/hooks/echo-hook', '{"x":', { 'content-type': 'application/json' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_body');
  });

  test('unknown flows, flows without a webhook trigger and bad flow ids answer 404 or 400', async () => {
    expect((await hook('POST', '/hooks/no-such-flow')).status).toBe(404);
    await save({ id: 'no-hook', name: 'no hook', nodes: [{ id: 'a', type: 'code', code: 'return 1;' }] });
    expect((await hook('POST', '/hooks/no-hook')).status).toBe(404);
    const bad = await hook('POST', '/hooks/-bad-');
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems[0].path).toBe('params.flowId');
  });

  test('a method the trigger does not list answers 405', async () => {
    await save(webhookFlow('post-only', { methods: ['POST'] }));
    expect((await hook('GET', '/hooks/post-only')).status).toBe(405);
    expect((await hook('POST', '/hooks/post-only')).status).toBe(202);
  });

  test('an invalid trigger is refused at save, naming the field', async () => {
    const saved = await product.request(
      'PUT',
      '/api/flows/bad-trigger',
      webhookFlow('bad-trigger', { auth: { type: 'hmac', secret: 'short' } }),
    );
    expect(saved.status).toBe(400);
    expect(saved.body.error.problems.map((problem: { path: string }) => problem.path)).toContain(
      'triggers[0].auth.secret',
    );
  });
});

describe('multipart uploads', () => {
  test('files are stored and reach the run as references, fields as values; the file downloads for its workspace', async () => {
    await save(webhookFlow('upload-hook', {}, 'return { fields: input.body.fields, files: input.body.files };'));
    const bytes = crypto.randomBytes(100_000); // above the 64 kB body limit: uploads have their own
    const form = new FormData();
    form.append('note', 'invoice for March');
    form.append('invoice', new Blob([bytes], { type: 'application/pdf' }), 'march.pdf');
    const response = await fetch(`${product.baseUrl}/hooks/upload-hook`, { method: 'POST', body: form });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    const run = await finishedRun(runId);
    expect(run.output.fields).toEqual({ note: 'invoice for March' });
    expect(run.output.files).toHaveLength(1);
    const [file] = run.output.files;
    expect(file).toMatchObject({
      field: 'invoice',
      filename: 'march.pdf',
      contentType: 'application/pdf',
      size: 100_000,
      sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    });
    const download = await fetch(`${product.baseUrl}${file.url}`, {
      headers: { authorization: `Bearer ${product.adminKey}` },
    });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await fetch(`${product.baseUrl}${file.url}`)).status).toBe(401);
    expect((await product.request('GET', '/api/uploads/upl_000000000000000000000000')).status).toBe(404);
  });
});

describe('webhook auth', () => {
  beforeAll(async () => {
    await save(webhookFlow('header-hook', { auth: { type: 'header', header: 'X-Hook-Key', value: 'right-key-123' } }));
    await save(webhookFlow('basic-hook', { auth: { type: 'basic', username: 'shop', password: 'open-sesame' } }));
    await save(
      webhookFlow('hmac-hook', { auth: { type: 'hmac', secret: 'a-long-shared-secret', toleranceSeconds: 60 } }),
    );
  });

  test('header key: the right key is accepted and kept out of the run; a wrong or missing one gets 401', async () => {
    const right = await hook('POST', '/hooks/header-hook', '{}', {
      'content-type': 'application/json',
      'x-hook-key': 'right-key-123',
    });
    expect(right.status).toBe(202);
    expect((await finishedRun(right.body.runId)).output.input.headers['x-hook-key']).toBeUndefined();
    expect((await hook('POST', '/hooks/header-hook', '{}', { 'x-hook-key': 'wrong-key-123' })).status).toBe(401);
    expect((await hook('POST', '/hooks/header-hook', '{}')).status).toBe(401);
  });

  test('HTTP basic: right credentials accepted, wrong ones refused', async () => {
    const basic = (user: string, password: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    });
    expect((await hook('POST', '/hooks/basic-hook', 'x', basic('shop', 'open-sesame'))).status).toBe(202);
    expect((await hook('POST', '/hooks/basic-hook', 'x', basic('shop', 'open-sesame!'))).status).toBe(401);
    expect((await hook('POST', '/hooks/basic-hook', 'x', basic('other', 'open-sesame'))).status).toBe(401);
    expect((await hook('POST', '/hooks/basic-hook', 'x')).status).toBe(401);
  });

  test('HMAC-SHA256: a fresh, correct signature over the raw body is accepted; a wrong or stale one is refused', async () => {
    const body = JSON.stringify({ event: 'paid', amount: 10 });
    const sign = (secret: string, timestamp: number, raw: string) =>
      `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`;
    const now = Math.floor(Date.now() / 1000);
    const send = (signature: string, timestamp: number, raw = body) =>
      hook('POST', '/hooks/hmac-hook', raw, {
        'content-type': 'application/json',
        'x-nectar-signature': signature,
        'x-nectar-timestamp': String(timestamp),
      });
    const right = await send(sign('a-long-shared-secret', now, body), now);
    expect(right.status).toBe(202);
    expect((await finishedRun(right.body.runId)).output.input.body).toEqual({ event: 'paid', amount: 10 });
    expect((await send(sign('another-long-secret!', now, body), now)).status).toBe(401);
    expect((await send(sign('a-long-shared-secret', now, body), now, body.replace('10', '11'))).status).toBe(401);
    const stale = now - 3_600;
    const staleResponse = await send(sign('a-long-shared-secret', stale, body), stale);
    expect(staleResponse.status).toBe(401);
    expect(staleResponse.body.error.message).toMatch(/from now/);
    expect((await hook('POST', '/hooks/hmac-hook', body)).status).toBe(401);
  });
});

describe('webhook credentials in the API', () => {
  const signed = (secret: string) => {
    const body = '{"paid":true}';
    const timestamp = String(Math.floor(Date.now() / 1000));
    return hook('POST', '/hooks/secret-hook', body, {
      'content-type': 'application/json',
      'x-nectar-signature': `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
      'x-nectar-timestamp': timestamp,
    });
  };
  const rawText = async (path: string) => {
    const response = await fetch(`${product.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${product.adminKey}` },
    });
    expect(response.status).toBe(200);
    return response.text();
  };

  test('no response shows a credential; a GET → edit → PUT round trip keeps it; a new one replaces it', async () => {
    const first = 'first-shared-secret-123';
    await save(webhookFlow('secret-hook', { auth: { type: 'hmac', secret: first } }));
    for (const path of [
      '/api/flows/secret-hook',
      '/api/flows/secret-hook?version=1',
      '/api/flows/secret-hook/versions',
      '/api/flows',
      '/api/flows/header-hook',
      '/api/flows/basic-hook',
    ]) {
      const text = await rawText(path);
      for (const secret of [first, 'right-key-123', 'open-sesame']) expect(text).not.toContain(secret);
    }
    const shown = (await product.request('GET', '/api/flows/secret-hook')).body.definition;
    expect(shown.triggers[0].auth).toMatchObject({ type: 'hmac', secret: REDACTED_SECRET });
    expect((await product.request('GET', '/api/flows/basic-hook')).body.definition.triggers[0].auth).toEqual({
      type: 'basic',
      username: 'shop',
      password: REDACTED_SECRET,
    });

    // The UI's round trip: what GET showed, edited, saved back.
    const edited = await product.request('PUT', '/api/flows/secret-hook', { ...shown, name: 'renamed' });
    expect(edited.body).toEqual({ id: 'secret-hook', version: 2 });
    expect(await rawText('/api/flows/secret-hook')).not.toContain(first);
    expect((await signed(first)).status).toBe(202);
    expect((await signed(REDACTED_SECRET)).status).toBe(401);

    const second = 'second-shared-secret-456';
    await save({ ...shown, triggers: [{ ...shown.triggers[0], auth: { ...shown.triggers[0].auth, secret: second } }] });
    expect((await signed(second)).status).toBe(202);
    expect((await signed(first)).status).toBe(401);

    // A redacted credential of another kind of auth has nothing to keep: 400 naming the field.
    const switched = await product.request('PUT', '/api/flows/secret-hook', {
      ...shown,
      triggers: [{ type: 'webhook', auth: { type: 'header', value: REDACTED_SECRET } }],
    });
    expect(switched.status).toBe(400);
    expect(switched.body.error.problems.map((problem: { path: string }) => problem.path)).toEqual([
      'triggers[0].auth.value',
    ]);
    expect((await signed(second)).status).toBe(202);
  });
});

describe('sync webhooks', () => {
  test('answer with the flow output', async () => {
    await save(webhookFlow('sync-hook', { respond: 'sync' }, 'return { doubled: input.body.n * 2 };'));
    const response = await hook('POST', '/hooks/sync-hook', JSON.stringify({ n: 21 }), {
      'content-type': 'application/json',
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ doubled: 42 });
    expect(flowIdOfRunId(response.headers.get('x-nectar-run-id') ?? '')).toBe('sync-hook');
  });

  test('answer with the status, headers and body a node sets in `response`', async () => {
    const code =
      "return { response: { status: 201, headers: { 'x-order': String(input.body.id), 'content-type': 'text/csv' }, body: 'id\\n' + input.body.id } };";
    await save(webhookFlow('custom-hook', { respond: 'sync' }, code));
    const response = await hook('POST', '/hooks/custom-hook', JSON.stringify({ id: 7 }), {
      'content-type': 'application/json',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-order')).toBe('7');
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.body).toBe('id\n7');
  });

  test('a failed run answers 500 with its error and run id', async () => {
    await save(webhookFlow('failing-hook', { respond: 'sync' }, "if (input) throw new Error('no stock'); return 1;"));
    const response = await hook('POST', '/hooks/failing-hook');
    expect(response.status).toBe(500);
    expect(response.body.error).toMatchObject({ code: 'run_failed', message: 'no stock' });
    expect(flowIdOfRunId(response.body.error.runId)).toBe('failing-hook');
  });

  test('past the timeout, 202 with a link to the run, which then finishes', async () => {
    const code = 'const end = Date.now() + 1500; while (Date.now() < end) {} return { late: true };';
    await save(webhookFlow('slow-hook', { respond: 'sync', timeoutMs: 300 }, code));
    const response = await hook('POST', '/hooks/slow-hook');
    expect(response.status).toBe(202);
    expect(response.body.status).toBe('running');
    expect(response.headers.get('location')).toBe(`/api/runs/${response.body.runId}`);
    const run = await finishedRun(response.body.runId);
    expect(run).toMatchObject({ status: 'completed', output: { late: true } });
  });
});

describe('idempotent redelivery', () => {
  test('the same Idempotency-Key answers the first run, even after it finished; another key starts another', async () => {
    await save(webhookFlow('idem-hook', {}));
    const send = (key: string, n: number) =>
      hook('POST', '/hooks/idem-hook', JSON.stringify({ n }), {
        'content-type': 'application/json',
        'idempotency-key': key,
      });
    const first = await send('delivery-1', 1);
    expect(first.status).toBe(202);
    const again = await send('delivery-1', 2);
    expect(again.status).toBe(202);
    expect(again.body.runId).toBe(first.body.runId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await finishedRun(first.body.runId);
    const late = await send('delivery-1', 3);
    expect(late.body.runId).toBe(first.body.runId);
    expect((await finishedRun(first.body.runId)).output.input.body).toEqual({ n: 1 });
    const other = await send('delivery-2', 4);
    expect(other.body.runId).not.toBe(first.body.runId);
    const ids: string[] = [];
    for await (const workflow of temporal.workflow.list({ query: `NectarFlowId = 'idem-hook'` }))
      ids.push(workflow.workflowId);
    expect(ids.sort()).toEqual([first.body.runId, other.body.runId].sort());
  });
});

describe('a gateway killed during a burst', () => {
  test('every delivery that got a 2xx has exactly one run', async () => {
    await save(webhookFlow('burst-hook', {}, 'return { n: input.body.n };'));
    const accepted = new Map<number, string>();
    const deliver = async (n: number) => {
      try {
        const response = await hook('POST', '/hooks/burst-hook', JSON.stringify({ n }), {
          'content-type': 'application/json',
        });
        if (response.status >= 200 && response.status < 300) accepted.set(n, response.body.runId);
      } catch {
        // the connection died with the gateway: no answer, no promise made
      }
    };
    const burst: Promise<void>[] = [];
    for (let n = 0; n < 120; n += 1) {
      burst.push(deliver(n));
      if (n === 40) process.kill(product.pidOf('gateway'), 'SIGKILL');
      await sleep(15);
    }
    await Promise.all(burst);
    // the launcher restarts the gateway; deliveries after that are accepted again
    await eventually(
      async () => ((await hook('GET', '/healthz').catch(() => undefined))?.status === 200 ? true : undefined),
      60_000,
    );
    for (let n = 120; n < 130; n += 1) await deliver(n);
    expect(accepted.size).toBeGreaterThan(10);

    const runsByN = new Map<number, string[]>();
    await eventually(async () => {
      runsByN.clear();
      for await (const workflow of temporal.workflow.list({ query: `NectarFlowId = 'burst-hook'` })) {
        if (workflow.status.name !== 'COMPLETED') return undefined;
        const result = (await temporal.workflow.getHandle(workflow.workflowId).result()) as { output: { n: number } };
        runsByN.set(result.output.n, [...(runsByN.get(result.output.n) ?? []), workflow.workflowId]);
      }
      return [...accepted.keys()].every((n) => runsByN.has(n)) ? true : undefined;
    }, 60_000);
    for (const [n, runId] of accepted) expect(runsByN.get(n)).toEqual([runId]);
    for (const ids of runsByN.values()) expect(ids).toHaveLength(1);
  });
});
