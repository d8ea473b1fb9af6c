/**
 * Property-based fuzzing of the public HTTP surface, against a running product: random and mutated flow definitions,
 * run inputs, webhook bodies of every content type and encoding (truncated, mislabelled, compressed wrongly, oversized,
 * deeply nested), odd ids, query strings and headers. Every request must be answered (no dropped connection), never
 * with a 5xx, and an error must say what is wrong; the gateway's process must stay the same and healthy.
 */
import zlib from 'node:zlib';
import fc from 'fast-check';

export interface FuzzTarget {
  baseUrl: string;
  adminKey: string;
  gatewayPid: () => number;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** Flows the fuzzer saves first: webhooks with each auth and respond mode it aims at, and a plain flow for API runs. */
export const FUZZ_FLOWS = [
  { id: 'fuzz-open', auth: { type: 'none' } },
  { id: 'fuzz-header', auth: { type: 'header', value: 'fuzz-secret-value' } },
  { id: 'fuzz-hmac', auth: { type: 'hmac', secret: 'fuzz-shared-secret' } },
].map(({ id, auth }) => ({
  id,
  name: id,
  nodes: [{ id: 'echo', type: 'code', code: 'return { seen: typeof input };' }],
  triggers: [{ type: 'webhook', auth, respond: 'async' }],
}));

/** The limit the fuzzed product runs with (small, so that oversized bodies are cheap to send). */
export const FUZZ_BODY_LIMIT = 64 * 1024;

const printable = fc.string({
  unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'.split('')),
  maxLength: 40,
});
const anyText = fc.string({ unit: 'binary', maxLength: 60 });

const oddId = fc.oneof(
  fc.constantFrom(
    ...FUZZ_FLOWS.map((flow) => flow.id),
    'nope',
    '',
    '.',
    '..',
    '%2e%2e',
    '%00',
    '%zz',
    'a'.repeat(300),
    '%F0%9F%98%80',
    'run-x',
    '-',
    '_',
  ),
  printable.map((text) => encodeURIComponent(text)),
  anyText.map((text) => encodeURIComponent(text)),
);

const queryString = fc.oneof(
  fc.constant(''),
  fc
    .array(fc.tuple(printable, printable), { maxLength: 6 })
    .map((pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`),
  fc.constantFrom(
    '?%',
    '?a=%zz',
    '?a[b][c]=1&a[b]=2',
    '?=&=&&',
    `?${'x=1&'.repeat(2000)}`,
    '?version=-1',
    '?version=1e9',
    '?pageSize=abc',
    '?status=%00',
    '?wait=true&timeoutMs=-5',
    '?wait=maybe',
  ),
);

/** A JSON text nested `depth` deep, as arrays or objects. */
const nestedJson = fc
  .tuple(fc.integer({ min: 200, max: 60_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

const jsonBody = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: nestedJson },
  { weight: 1, arbitrary: fc.json().map((text) => text.slice(0, Math.max(0, text.length - 1))) },
);

const multipartBody = fc
  .tuple(printable, fc.uint8Array({ maxLength: 200 }), fc.boolean())
  .map(([name, data, closed]) => {
    const boundary = 'fuzzBoundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="${name.replace(/["\r\n]/g, '')}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    return Buffer.concat([Buffer.from(head), Buffer.from(data), Buffer.from(closed ? `\r\n--${boundary}--\r\n` : '')]);
  });

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'application/octet-stream',
  'multipart/form-data; boundary=fuzzBoundary',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/mixed; boundary=fuzzBoundary',
  'image/png',
  'garbage',
  ';;;',
);

const encoding = fc.constantFrom(
  undefined,
  undefined,
  undefined,
  'gzip',
  'deflate',
  'br',
  'identity',
  'zstd',
  'gzip, deflate',
  'x-unknown',
);

function encode(body: Buffer, how: string | undefined): Buffer {
  if (how === 'gzip') return zlib.gzipSync(body);
  if (how === 'deflate') return zlib.deflateSync(body);
  if (how === 'br') return zlib.brotliCompressSync(body);
  return body;
}

/** A body of some kind, then labelled and encoded rightly or wrongly, maybe cut short, maybe past the limit. */
const webhookBody = fc
  .record({
    raw: fc.oneof(
      jsonBody.map((text) => Buffer.from(text)),
      multipartBody,
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      printable.map((text) => Buffer.from(text)),
      fc.constant(Buffer.alloc(FUZZ_BODY_LIMIT + 100, 97)),
    ),
    type: contentType,
    label: encoding,
    compressWith: encoding,
    cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  })
  .map(({ raw, type, label, compressWith, cut }) => {
    let body = encode(raw, compressWith);
    if (cut !== undefined) body = body.subarray(0, Math.floor(body.length * cut));
    const headers: Record<string, string> = {};
    if (type) headers['content-type'] = type;
    if (label) headers['content-encoding'] = label;
    return { body, headers };
  });

const oddHeaders = fc.record(
  {
    'x-request-id': printable,
    'idempotency-key': fc.oneof(printable, fc.constant('k'.repeat(300))),
    'x-api-key': fc.constantFrom('fuzz-secret-value', 'wrong', ''),
    'x-nectar-signature': fc.constantFrom('sha256=00', 'sha256=', 'md5=1', 'garbage'),
    'x-nectar-timestamp': fc.constantFrom('0', '-1', '99999999999999', 'soon', String(Math.floor(Date.now() / 1000))),
    authorization: fc.constantFrom(
      'Basic !!!',
      'Basic ' + Buffer.from('u:p').toString('base64'),
      'Bearer nope',
      'Bearer ',
    ),
    'x-nectar-workspace': fc.constantFrom('default', 'nope', '../x', ''),
    origin: fc.constantFrom('https://evil.example', 'null'),
    accept: fc.constantFrom('*/*', 'text/html', 'application/json;q=0'),
  },
  { requiredKeys: [] },
);

const webhookRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
    route: fc.constantFrom('/hooks/', '/hooks-test/'),
    id: oddId,
    rest: fc.array(oddId, { maxLength: 3 }),
    query: queryString,
    body: webhookBody,
    headers: oddHeaders,
  })
  .map(({ method, route, id, rest, query, body, headers }) => ({
    method,
    path: `${route}${id || 'fuzz-open'}${rest.map((segment) => `/${segment}`).join('')}${query}`,
    headers: { ...headers, ...body.headers },
    body: method === 'GET' ? undefined : body.body,
  }));

/** A valid definition, then changed: a field dropped, replaced by any JSON, nested deep, or the whole of it random. */
const flowDefinition = fc.oneof(
  fc
    .record({
      drop: fc.constantFrom('id', 'name', 'nodes', 'edges', 'triggers', 'none'),
      set: fc.constantFrom('nodes', 'edges', 'triggers', 'name', 'execution', 'extra'),
      value: fc.jsonValue({ maxDepth: 4 }),
    })
    .map(({ drop, set, value }) => {
      const flow: Record<string, unknown> = { ...FUZZ_FLOWS[0], id: 'fuzz-saved', edges: [] };
      if (drop !== 'none') delete flow[drop];
      flow[set] = value;
      return JSON.stringify(flow);
    }),
  fc
    .record({
      code: anyText,
      type: fc.constantFrom('code', 'delay', 'wait', 'subflow', 'nope'),
      retry: fc.jsonValue({ maxDepth: 2 }),
    })
    .map(({ code, type, retry }) =>
      JSON.stringify({
        id: 'fuzz-saved',
        name: 'x',
        nodes: [{ id: 'n', type, code, retry, durationMs: -1, event: code }],
        edges: [{ from: 'n', to: 'n' }],
      }),
    ),
  fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)),
  nestedJson,
);

const apiRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc
    .record({ method: fc.constantFrom('POST', 'PUT'), id: oddId, body: flowDefinition })
    .map(({ method, id, body }) => ({
      method,
      path: method === 'POST' ? '/api/flows' : `/api/flows/${id || 'fuzz-saved'}`,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(body),
    })),
  fc
    .record({
      id: oddId,
      input: fc.oneof(
        fc.jsonValue({ maxDepth: 8 }).map((value) => JSON.stringify({ input: value })),
        nestedJson,
        jsonBody,
      ),
      query: queryString,
    })
    .map(({ id, input, query }) => ({
      method: 'POST',
      path: `/api/flows/${id || 'fuzz-open'}/runs${query.startsWith('?wait') ? '' : query}`,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(input),
    })),
  fc
    .record({ id: oddId, action: fc.constantFrom('', '/cancel', '/events', '/rerun', '/nope'), body: jsonBody })
    .map(({ id, action, body }) => ({
      method: action ? 'POST' : 'GET',
      path: `/api/runs/${id || 'run-x'}${action}`,
      headers: { 'content-type': 'application/json' },
      body: action ? Buffer.from(body) : undefined,
    })),
  fc
    .record({
      path: fc.constantFrom(
        '/api/runs',
        '/api/flows',
        '/api/flows/fuzz-open',
        '/api/flows/fuzz-open/versions',
        '/api/flows/fuzz-open/schedules',
        '/api/workspaces',
        '/api/variables',
        '/api/uploads/x',
        '/api/nope',
      ),
      query: queryString,
    })
    .map(({ path, query }) => ({ method: 'GET', path: `${path}${query}`, headers: {} })),
  fc.record({ body: webhookBody, headers: oddHeaders }).map(({ body, headers }) => ({
    method: 'POST',
    path: '/api/flows/fuzz-open/runs',
    headers: { ...headers, ...body.headers },
    body: body.body,
  })),
);

/** Most API requests carry the admin key; some carry what the odd headers gave them instead (then 401). */
function withKey(request: FuzzRequest, adminKey: string, keep: boolean): FuzzRequest {
  if (!request.path.startsWith('/api/') || (keep && request.headers.authorization)) return request;
  return { ...request, headers: { ...request.headers, authorization: `Bearer ${adminKey}` } };
}

export const fuzzRequest = fc.tuple(fc.oneof(webhookRequest, apiRequest), fc.integer({ min: 0, max: 9 }));

export interface FuzzFigures {
  cases: number;
  byStatus: Record<string, number>;
  seed: number;
  ms: number;
}

/** What one answer must be: an answer, not a 5xx, and for an error a JSON body with a code and a message. */
async function check(target: FuzzTarget, request: FuzzRequest, figures: FuzzFigures): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${target.baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new Error(
      `no answer (dropped connection or hang) to ${request.method} ${request.path.slice(0, 200)}: ${(error as Error).message} ${(error as { cause?: Error }).cause?.message ?? ''}`,
      { cause: error },
    );
  }
  const text = await response.text();
  figures.byStatus[response.status] = (figures.byStatus[response.status] ?? 0) + 1;
  if (response.status >= 500)
    throw new Error(`${response.status} for ${request.method} ${request.path.slice(0, 200)}: ${text.slice(0, 500)}`);
  if (response.status >= 400 && request.method !== 'HEAD') {
    let body: { error?: { code?: unknown; message?: unknown } } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      // checked below
    }
    if (typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string' || !body.error.message) {
      throw new Error(
        `${response.status} without an error naming the problem for ${request.method} ${request.path.slice(0, 200)}: ${text.slice(0, 300)}`,
      );
    }
  }
}

async function assertHealthy(target: FuzzTarget, pid: number): Promise<void> {
  const health = await fetch(`${target.baseUrl}/healthz`, { signal: AbortSignal.timeout(30_000) });
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}: ${await health.text()}`);
  if (target.gatewayPid() !== pid) throw new Error(`the gateway's process changed (${pid} → ${target.gatewayPid()})`);
}

/** Saves the fuzzer's flows on the target. */
export async function prepareFuzzTarget(target: FuzzTarget): Promise<void> {
  for (const flow of FUZZ_FLOWS) {
    const saved = await fetch(`${target.baseUrl}/api/flows/${flow.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${target.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(flow),
    });
    if (saved.status !== 200) throw new Error(`could not save ${flow.id}: ${saved.status} ${await saved.text()}`);
  }
}

/** Runs `cases` random requests (fast-check shrinks a failure to its simplest form); throws with the counterexample. */
export async function fuzz(
  target: FuzzTarget,
  options: { cases: number; seed?: number; healthEvery?: number; onProgress?: (done: number) => void },
): Promise<FuzzFigures> {
  const pid = target.gatewayPid();
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const figures: FuzzFigures = { cases: 0, byStatus: {}, seed, ms: 0 };
  const started = Date.now();
  const healthEvery = options.healthEvery ?? 100;
  await fc.assert(
    fc.asyncProperty(fuzzRequest, async ([request, chance]) => {
      figures.cases += 1;
      await check(target, withKey(request, target.adminKey, chance === 0), figures);
      if (figures.cases % healthEvery === 0) {
        await assertHealthy(target, pid);
        options.onProgress?.(figures.cases);
      }
    }),
    { numRuns: options.cases, seed, endOnFailure: false },
  );
  await assertHealthy(target, pid);
  figures.ms = Date.now() - started;
  return figures;
}
