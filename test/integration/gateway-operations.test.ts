/** Operational edges: readiness, request ids in structured logs, security headers, CORS, rate limits, graceful stop. */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { eventually, Product, startProduct } from '../support/product';

let product: Product;

beforeAll(async () => {
  product = await startProduct({
    env: { NECTAR_CORS_ORIGINS: 'http://ui.example', NECTAR_RATE_LIMIT_PER_MINUTE: '5' },
  });
});

afterAll(async () => {
  await product?.stop();
});

test('/readyz answers ready once Temporal and the store answer', async () => {
  const ready = await product.request('GET', '/readyz', undefined, {});
  expect(ready.status).toBe(200);
  expect(ready.body).toMatchObject({ status: 'ready', temporal: 'ok', store: 'ok' });
});

test('every answer carries a request id, which the structured log records', async () => {
  const given = await product.request('GET', '/api/flows', undefined, {
    authorization: `Bearer ${product.adminKey}`,
    'x-request-id': 'trace-abc-123',
  });
  expect(given.headers.get('x-request-id')).toBe('trace-abc-123');
  const generated = await product.request('GET', '/api/flows/no-such-flow');
  expect(generated.status).toBe(404);
  const id = generated.headers.get('x-request-id')!;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const logFile = path.join(product.dataDir, 'logs', 'gateway.log');
  const lines = await eventually(async () => {
    const entries = fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    return entries.some((entry) => entry.reqId === id) ? entries : undefined;
  });
  expect(lines.find((entry) => entry.reqId === id)).toMatchObject({
    method: 'GET',
    path: '/api/flows/no-such-flow',
    status: 404,
    service: 'gateway',
  });
  expect(lines.find((entry) => entry.reqId === 'trace-abc-123')).toMatchObject({ status: 200 });
});

test('security headers on API answers', async () => {
  const response = await product.request('GET', '/api/flows');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('x-powered-by')).toBeNull();
});

test('CORS answers the configured origin only', async () => {
  const preflight = await fetch(`${product.baseUrl}/api/flows`, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://ui.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe('http://ui.example');
  expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
  const allowed = await product.request('GET', '/api/flows', undefined, {
    authorization: `Bearer ${product.adminKey}`,
    origin: 'http://ui.example',
  });
  expect(allowed.headers.get('access-control-allow-origin')).toBe('http://ui.example');
  const other = await product.request('GET', '/api/flows', undefined, {
    authorization: `Bearer ${product.adminKey}`,
    origin: 'http://evil.example',
  });
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
});

test('webhook deliveries (served ahead of express) carry the same request ids, log lines, security and CORS headers', async () => {
  const flow = {
    id: 'edge-hook',
    name: 'edge hook',
    nodes: [{ id: 'a', type: 'code', code: 'return input.body;' }],
    triggers: [{ type: 'webhook', respond: 'sync' }],
  };
  expect((await product.request('PUT', '/api/flows/edge-hook', flow)).status).toBe(200);

  const delivered = await fetch(`${product.baseUrl}/hooks/edge-hook/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-request-id': 'hook-trace-1',
      origin: 'http://ui.example',
    },
    body: zlib.gzipSync(JSON.stringify({ zipped: true })),
  });
  expect(delivered.status).toBe(200);
  expect(await delivered.json()).toEqual({ zipped: true });
  expect(delivered.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(delivered.headers.get('x-request-id')).toBe('hook-trace-1');
  expect(delivered.headers.get('x-content-type-options')).toBe('nosniff');
  expect(delivered.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(delivered.headers.get('access-control-allow-origin')).toBe('http://ui.example');

  const preflight = await fetch(`${product.baseUrl}/hooks/edge-hook`, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://ui.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');

  const badEncoding = await fetch(`${product.baseUrl}/hooks/edge-hook/%E0%A4%A`, { method: 'POST' });
  expect(badEncoding.status).toBe(400);
  expect(((await badEncoding.json()) as { error: { message: string } }).error.message).toContain('%E0%A4%A');
  const badId = await fetch(`${product.baseUrl}/hooks/bad%20id`, { method: 'POST' });
  expect(badId.status).toBe(400);
  expect(((await badId.json()) as { error: { problems: unknown[] } }).error.problems).toEqual([
    expect.objectContaining({ path: 'params.flowId' }),
  ]);
  const unknownEncoding = await fetch(`${product.baseUrl}/hooks/edge-hook`, {
    method: 'POST',
    headers: { 'content-encoding': 'snappy' },
    body: 'x',
  });
  expect(unknownEncoding.status).toBe(415);

  const logFile = path.join(product.dataDir, 'logs', 'gateway.log');
  const logged = await eventually(async () =>
    fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((entry) => entry.reqId === 'hook-trace-1'),
  );
  expect(logged).toMatchObject({ method: 'POST', path: '/hooks/edge-hook/', status: 200 });
});

test('an API key past its rate limit gets 429 with Retry-After; other keys and the admin key do not', async () => {
  await product.request('POST', '/api/workspaces', { id: 'limited', name: 'Limited' });
  const first = (await product.request('POST', '/api/workspaces/limited/keys', { name: 'a' })).body.key;
  const second = (await product.request('POST', '/api/workspaces/limited/keys', { name: 'b' })).body.key;
  const statuses: number[] = [];
  for (let i = 0; i < 12; i += 1)
    statuses.push((await product.request('GET', '/api/flows', undefined, { authorization: `Bearer ${first}` })).status);
  // a minute boundary may fall inside the loop and restart the count: 12 requests still put 6 in one window
  expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
  expect(statuses).toContain(429);
  const refused = await product.request('GET', '/api/flows', undefined, { authorization: `Bearer ${first}` });
  if (refused.status === 429) {
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body.error.code).toBe('rate_limited');
  }
  expect((await product.request('GET', '/api/flows', undefined, { authorization: `Bearer ${second}` })).status).toBe(
    200,
  );
  for (let i = 0; i < 8; i += 1) expect((await product.request('GET', '/api/flows')).status).toBe(200);
});

test('a stopping gateway finishes the requests it accepted, then the launcher starts it again', async () => {
  const slow = 'const end = Date.now() + 1500; while (Date.now() < end) {} return { finished: true };';
  await product.request('PUT', '/api/flows/slow-sync', {
    id: 'slow-sync',
    name: 'slow',
    nodes: [{ id: 'a', type: 'code', code: slow }],
    triggers: [{ type: 'webhook', respond: 'sync' }],
  });
  const pid = product.pidOf('gateway');
  const inFlight = fetch(`${product.baseUrl}/hooks/slow-sync`, { method: 'POST' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  process.kill(pid, 'SIGTERM');
  const response = await inFlight;
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ finished: true });
  await eventually(async () => (product.pidOf('gateway') !== pid ? true : undefined), 30_000);
  await eventually(
    async () => ((await fetch(`${product.baseUrl}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined),
    30_000,
  );
});
