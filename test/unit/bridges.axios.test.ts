/** The in-isolate `axios` against a real express server on 127.0.0.1, and the egress policy in front of it. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { runSnippet } from './bridges.harness';
import { listenLocally, LocalServer } from '../support/localServer';

const OPEN_LOOPBACK = { allow: ['127.0.0.1'] };
let server: Server;
let local: LocalServer;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(express.json());
  app.use(express.text());
  app.all('/echo', (request, response) => {
    response.json({
      method: request.method,
      query: request.query,
      body: request.body ?? null,
      authorization: request.headers.authorization ?? null,
      contentType: request.headers['content-type'] ?? null,
    });
  });
  app.post('/leads', (request, response) => response.status(201).json({ id: `lead-${String(request.body.email)}` }));
  app.get('/text', (_request, response) => response.type('text/plain').send('plain words'));
  app.get('/status/:code', (request, response) =>
    response.status(Number(request.params.code)).json({ reason: `status ${request.params.code}` }),
  );
  app.all('/redirect', (request, response) =>
    response.redirect(Number(request.query.code ?? 302), String(request.query.to)),
  );
  app.get('/big', (_request, response) => response.type('text/plain').send('x'.repeat(256 * 1024)));
  app.get('/never', () => undefined);
  // 8 MiB of zeros, sent gzip-compressed as a few KiB: the limit must count what the body decompresses to.
  const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
  app.get('/gzip-bomb', (_request, response) =>
    response.set({ 'content-type': 'text/plain', 'content-encoding': 'gzip' }).send(bomb),
  );
  local = await listenLocally(app);
  server = local.server;
  base = local.url;
});

afterAll(async () => {
  await local?.close();
});

test('get sends params and headers and answers data, status and headers', async () => {
  const outcome = await runSnippet(
    `const response = await axios.get('${base}/echo', { params: { name: 'Acme Inc', page: 2 }, headers: { Authorization: 'Bearer t0k' } });
     return { data: response.data, status: response.status, contentType: response.headers['content-type'] };`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toEqual({
    ok: true,
    value: {
      data: {
        method: 'GET',
        query: { name: 'Acme Inc', page: '2' },
        body: null,
        authorization: 'Bearer t0k',
        contentType: null,
      },
      status: 200,
      contentType: 'application/json; charset=utf-8',
    },
  });
});

test('post, put and patch send JSON bodies; delete and request(config) work too', async () => {
  const outcome = await runSnippet(
    `const post = await axios.post('${base}/echo', { a: 1 });
     const put = await axios.put('${base}/echo', { b: [2] }, { headers: { 'X-Extra': 'yes' } });
     const patch = await axios.patch('${base}/echo', { c: null });
     const del = await axios.delete('${base}/echo', { params: { id: 7 } });
     const viaConfig = await axios({ method: 'POST', url: '/echo', baseURL: '${base}', data: { d: true } });
     return [post, put, patch, del, viaConfig].map((r) => [r.data.method, r.data.body, r.data.contentType, r.data.query]);`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome.ok && outcome.value).toEqual([
    ['POST', { a: 1 }, 'application/json', {}],
    ['PUT', { b: [2] }, 'application/json', {}],
    ['PATCH', { c: null }, 'application/json', {}],
    ['DELETE', null, null, { id: '7' }],
    ['POST', { d: true }, 'application/json', {}],
  ]);
});

test('defaults: axios.defaults.headers.common, create() with a baseURL and headers, instances kept apart', async () => {
  const outcome = await runSnippet(
    `axios.defaults.headers.common['Authorization'] = 'Bearer global';
     const api = axios.create({ baseURL: '${base}', headers: { 'X-Team': 'growth' } });
     api.defaults.headers.common['Authorization'] = 'Bearer instance';
     const viaInstance = await api.get('/echo');
     const viaGlobal = await axios.get('${base}/echo');
     return [viaInstance.data.authorization, viaGlobal.data.authorization];`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toEqual({ ok: true, value: ['Bearer instance', 'Bearer global'] });
});

test('interceptors change requests and responses, and eject removes one', async () => {
  const outcome = await runSnippet(
    `const api = axios.create({ baseURL: '${base}' });
     api.interceptors.request.use((config) => { config.headers.Authorization = 'Bearer from-interceptor'; return config; });
     const tagger = api.interceptors.response.use((response) => ({ ...response, data: { ...response.data, tagged: true } }));
     const first = await api.get('/echo');
     api.interceptors.response.eject(tagger);
     const second = await api.get('/echo');
     api.interceptors.response.use(undefined, (error) => ({ data: 'recovered from ' + error.response.status }));
     const recovered = await api.get('/status/500');
     return [first.data.authorization, first.data.tagged, second.data.tagged ?? null, recovered.data];`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toEqual({ ok: true, value: ['Bearer from-interceptor', true, null, 'recovered from 500'] });
});

test('text bodies go out as text and text responses come back as strings', async () => {
  const outcome = await runSnippet(
    `const sent = await axios.post('${base}/echo', 'hello there', { headers: { 'Content-Type': 'text/plain' } });
     const text = await axios.get('${base}/text');
     return { echoed: sent.data.body, text: text.data };`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toEqual({ ok: true, value: { echoed: 'hello there', text: 'plain words' } });
});

test('an error status rejects with an AxiosError carrying response.status and response.data', async () => {
  const outcome = await runSnippet(
    `try { await axios.get('${base}/status/404'); return 'no error'; }
     catch (error) { return { name: error.name, message: error.message, code: error.code, isAxiosError: axios.isAxiosError(error),
                              status: error.response.status, data: error.response.data }; }`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toEqual({
    ok: true,
    value: {
      name: 'AxiosError',
      message: 'Request failed with status code 404',
      code: 'ERR_BAD_REQUEST',
      isAxiosError: true,
      status: 404,
      data: { reason: 'status 404' },
    },
  });
  const server500 = await runSnippet(`return axios.get('${base}/status/503')`, { egress: OPEN_LOOPBACK });
  expect(server500).toMatchObject({ ok: false, error: { name: 'AxiosError', code: 'ERR_BAD_RESPONSE', status: 503 } });
  const accepted = await runSnippet(
    `return (await axios.get('${base}/status/404', { validateStatus: () => true })).status`,
    {
      egress: OPEN_LOOPBACK,
    },
  );
  expect(accepted).toEqual({ ok: true, value: 404 });
});

test('redirects are followed, and a 303 after a post becomes a get', async () => {
  const outcome = await runSnippet(
    `const response = await axios.post('${base}/redirect?code=303&to=' + encodeURIComponent('/echo?after=1'), { x: 1 });
     return response.data;`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toEqual({
    ok: true,
    value: { method: 'GET', query: { after: '1' }, body: null, authorization: null, contentType: null },
  });
});

test('every redirect target is checked: a hop to metadata or another loopback address is refused', async () => {
  for (const target of [
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.2:1/',
    'http://[::1]:1/',
    'http://10.0.0.1/',
  ]) {
    const outcome = await runSnippet(`return axios.get('${base}/redirect?to=' + encodeURIComponent('${target}'))`, {
      egress: OPEN_LOOPBACK,
    });
    expect(outcome).toMatchObject({ ok: false, error: { name: 'EgressError', code: 'EGRESS_DENIED' } });
    if (!outcome.ok)
      expect(outcome.error.message).toMatch(/refused: (cloud metadata|loopback|private) addresses are closed/);
  }
});

test('without the allow-list, loopback, private, link-local and metadata destinations are refused before connecting', async () => {
  const port = (server.address() as AddressInfo).port;
  const targets = [
    `http://127.0.0.1:${port}/echo`,
    `http://localhost:${port}/echo`,
    'http://10.0.0.1/',
    'http://192.168.1.1/',
    'http://172.16.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00::1]/',
    'http://0.0.0.0/',
    // Other spellings of loopback: decimal, hex, octal, short form, IPv4-mapped IPv6.
    `http://2130706433:${port}/`,
    `http://0x7f000001:${port}/`,
    `http://017700000001:${port}/`,
    `http://127.1:${port}/`,
    `http://[::ffff:127.0.0.1]:${port}/`,
  ];
  for (const url of targets) {
    const outcome = await runSnippet(`return axios.get('${url}')`, { egress: { allow: [] } });
    expect(outcome).toMatchObject({ ok: false, error: { name: 'EgressError', code: 'EGRESS_DENIED' } });
    if (!outcome.ok) expect(outcome.error.message).toMatch(/NECTAR_EGRESS_ALLOW/);
  }
});

test("the platform's own services stay closed when the allow-list opens their address, directly and by redirect", async () => {
  const port = (server.address() as AddressInfo).port;
  const egress = { allow: ['127.0.0.1'], platform: [`127.0.0.1:${port}`] };
  const direct = await runSnippet(`return axios.get('${base}/echo')`, { egress });
  expect(direct).toMatchObject({
    ok: false,
    error: { name: 'EgressError', message: expect.stringMatching(/platform's own services/) },
  });
  const byName = await runSnippet(`return axios.get('http://localhost:${port}/echo')`, {
    egress: { ...egress, allow: ['localhost'] },
  });
  expect(byName).toMatchObject({ ok: false, error: { name: 'EgressError' } });
});

test('only http and https are spoken', async () => {
  const outcome = await runSnippet(`return axios.get('file:///etc/passwd')`, { egress: OPEN_LOOPBACK });
  expect(outcome).toMatchObject({
    ok: false,
    error: { name: 'AxiosError', message: expect.stringMatching(/unsupported protocol file:/) },
  });
});

test('a response body past the limit is refused with an error that names the limit', async () => {
  const outcome = await runSnippet(`return (await axios.get('${base}/big')).data.length`, {
    egress: OPEN_LOOPBACK,
    maxResponseBytes: 64 * 1024,
  });
  expect(outcome).toMatchObject({
    ok: false,
    error: { name: 'ResponseTooLargeError', message: expect.stringMatching(/65536-byte limit/) },
  });
  const small = await runSnippet(`return (await axios.get('${base}/big')).data.length`, {
    egress: OPEN_LOOPBACK,
    maxResponseBytes: 1024 * 1024,
  });
  expect(small).toEqual({ ok: true, value: 256 * 1024 });
});

test('the size limit counts the decompressed body, and the request body is bounded too', async () => {
  const bomb = await runSnippet(`return (await axios.get('${base}/gzip-bomb')).data.length`, {
    egress: OPEN_LOOPBACK,
    maxResponseBytes: 1024 * 1024,
  });
  expect(bomb).toMatchObject({ ok: false, error: { name: 'ResponseTooLargeError' } });
  const upload = await runSnippet(`return axios.post('${base}/echo', 'y'.repeat(300 * 1024))`, {
    egress: OPEN_LOOPBACK,
    maxResponseBytes: 128 * 1024,
  });
  expect(upload).toMatchObject({
    ok: false,
    error: { name: 'RequestTooLargeError', message: expect.stringMatching(/131072-byte limit/) },
  });
});

test("a request that outlives the node's remaining time ends with a TimeoutError", async () => {
  const outcome = await runSnippet(`return axios.get('${base}/never')`, { egress: OPEN_LOOPBACK, timeoutMs: 1_000 });
  expect(outcome).toMatchObject({ ok: false, error: { name: 'TimeoutError' } });
});
