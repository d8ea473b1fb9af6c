/**
 * The gateway's budget of request-body bytes in flight, against the real product: with a 12 MiB budget, three 3.5 MiB
 * webhook bodies being sent are read, and a fourth (declared or chunked) is answered 503 with Retry-After naming the
 * budget before its body is read; the three complete as runs, and once they are answered, or their uploads are cut
 * off half-way, the budget is whole again. The gateway process is the same one throughout.
 */
import http from 'node:http';
import { eventually, Product, startProduct } from '../support/product';

const BUDGET = 12 * 1024 * 1024;
const BODY_BYTES = 3.5 * 1024 * 1024;

let product: Product;
let gatewayPid: number;
const statuses: number[] = [];

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A JSON body of BODY_BYTES bytes, `{"data":"xx…"}`. */
const body = Buffer.from(JSON.stringify({ data: 'x'.repeat(BODY_BYTES - '{"data":""}'.length) }));

function answerOf(request: http.ClientRequest): Promise<Answer> {
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        statuses.push(response.statusCode ?? 0);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: JSON.parse(Buffer.concat(chunks).toString()),
        });
      });
    });
  });
  answer.catch(() => undefined);
  return answer;
}

function hookRequest(headers: Record<string, string>): http.ClientRequest {
  return http.request({
    host: '127.0.0.1',
    port: product.ports.gateway,
    method: 'POST',
    path: '/hooks/flood',
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/**
 * A delivery whose body is being sent: half of it is on its way once this resolves. The gateway's `100 Continue` comes
 * from the same step that admits the request or refuses it, so once it is here, the request holds its share or has
 * been answered 503.
 */
function sending(): Promise<{ request: http.ClientRequest; answer: Promise<Answer> }> {
  const request = hookRequest({ 'content-length': String(body.length), expect: '100-continue' });
  const answer = answerOf(request);
  return new Promise((resolve, reject) => {
    request.on('continue', () => {
      request.write(body.subarray(0, body.length / 2));
      resolve({ request, answer });
    });
    answer.catch(reject);
    request.flushHeaders();
  });
}

/** A delivery declaring a full body and sending none: answered before its body is read, or held. */
function declaring(): Promise<Answer> {
  const request = hookRequest({ 'content-length': String(body.length) });
  const answer = answerOf(request);
  request.flushHeaders();
  return answer.finally(() => request.destroy());
}

async function inFlight(): Promise<number> {
  const metrics = await fetch(`${product.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${product.adminKey}` },
  });
  const line = (await metrics.text())
    .split('\n')
    .find((text) => text.startsWith('nectar_gateway_body_bytes_in_flight '));
  return Number(line?.split(' ')[1]);
}

async function completed(runId: string): Promise<any> {
  return eventually(async () => {
    const read = await product.request('GET', `/api/runs/${runId}`);
    return read.status === 200 && !['running', 'pending'].includes(read.body.status) ? read.body : undefined;
  }, 90_000);
}

function expectRefused(answer: Answer): void {
  expect(answer.status).toBe(503);
  expect(answer.headers['retry-after']).toMatch(/^\d+$/);
  expect(answer.body.error).toMatchObject({ code: 'body_budget_exhausted', limit: BUDGET });
  expect(answer.body.error.message).toContain('NECTAR_BODY_BYTES_IN_FLIGHT');
}

beforeAll(async () => {
  product = await startProduct({ env: { NECTAR_BODY_BYTES_IN_FLIGHT: '12mb' } });
  const saved = await product.request('PUT', '/api/flows/flood', {
    id: 'flood',
    name: 'flood',
    nodes: [{ id: 'measure', type: 'code', code: 'return { length: input.body.data.length };' }],
    triggers: [{ type: 'webhook', auth: { type: 'none' }, respond: 'async' }],
  });
  expect(saved).toMatchObject({ status: 200 });
  gatewayPid = product.pidOf('gateway');
}, 180_000);

afterAll(async () => {
  await product?.stop();
});

test('bodies past the budget are refused with 503 before they are read; the rest run; the budget comes back', async () => {
  const held = [await sending(), await sending(), await sending()];
  expect(await inFlight()).toBe(3 * body.length);

  // A fourth declared body, and a chunked one whose bytes pass what is left, are refused.
  expectRefused(await declaring());
  expectRefused(await declaring());
  const chunked = hookRequest({ 'transfer-encoding': 'chunked' });
  const chunkedAnswer = answerOf(chunked);
  chunked.write(body);
  expectRefused(await chunkedAnswer);
  chunked.destroy();

  // The three being read finish and run with every byte.
  for (const { request } of held) request.end(body.subarray(body.length / 2));
  const accepted = await Promise.all(held.map(({ answer }) => answer));
  for (const answer of accepted) {
    expect(answer.status).toBe(202);
    const run = await completed(answer.body.runId);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ length: BODY_BYTES - '{"data":""}'.length });
  }
  await eventually(async () => ((await inFlight()) === 0 ? true : undefined));

  // Uploads cut off half-way give their share back: the budget is whole again.
  const cut = [await sending(), await sending(), await sending()];
  expect(await inFlight()).toBe(3 * body.length);
  for (const { request } of cut) request.destroy();
  await eventually(async () => ((await inFlight()) === 0 ? true : undefined));

  // And a large body is accepted again.
  const again = await fetch(`${product.baseUrl}/hooks/flood`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  statuses.push(again.status);
  expect(again.status).toBe(202);
  expect((await completed(((await again.json()) as any).runId)).status).toBe('completed');

  // No 5xx but the budget's 503s, and the same gateway process.
  expect(statuses.filter((status) => status >= 500)).toEqual([503, 503, 503]);
  expect(product.pidOf('gateway')).toBe(gatewayPid);
  expect((await product.request('GET', '/healthz')).status).toBe(200);
}, 300_000);
