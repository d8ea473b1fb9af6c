/**
 * Requests an attacker would send, against the real product: bodies cut off, mislabelled, wrongly compressed,
 * oversized, nested without end, and connections dropped half-way. Each gets the 4xx that names the problem, and the
 * gateway process that answered them is the same one, healthy, afterwards.
 */
import net from 'node:net';
import zlib from 'node:zlib';
import { sleep } from '../../common/processes';
import { Product, startProduct } from '../support/product';

let product: Product;
let gatewayPid: number;

async function hook(path: string, body: string | Buffer | undefined, headers: Record<string, string>) {
  const response = await fetch(`${product.baseUrl}${path}`, { method: 'POST', body, headers });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed };
}

/** Sends raw bytes on a socket and resolves with what came back before the server closed it, or after `waitMs`. */
function rawRequest(
  bytes: string | Buffer,
  options: { closeAfterWrite?: boolean; waitMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(product.ports.gateway, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.write(bytes, () => {
      if (options.closeAfterWrite) socket.destroy();
      else setTimeout(() => socket.end(), options.waitMs ?? 500);
    });
  });
}

const boundary = 'hostile-boundary';
const filePart = `--${boundary}\r\nContent-Disposition: form-data; name="doc"; filename="doc.txt"\r\nContent-Type: text/plain\r\n\r\n`;

beforeAll(async () => {
  product = await startProduct({ env: { NECTAR_WEBHOOK_BODY_LIMIT: '1mb', NECTAR_UPLOAD_LIMIT: '1mb' } });
  for (const respond of ['async', 'sync']) {
    const saved = await product.request('PUT', `/api/flows/open-${respond}`, {
      id: `open-${respond}`,
      name: `open ${respond}`,
      nodes: [{ id: 'echo', type: 'code', code: 'return { body: input.body };' }],
      triggers: [{ type: 'webhook', auth: { type: 'none' }, respond }],
    });
    expect(saved).toMatchObject({ status: 200 });
  }
  gatewayPid = product.pidOf('gateway');
});

afterAll(async () => {
  await product?.stop();
});

afterEach(async () => {
  expect(product.pidOf('gateway')).toBe(gatewayPid);
  expect((await product.request('GET', '/healthz')).status).toBe(200);
});

describe.each(['async', 'sync'])('a %s webhook with auth none', (respond) => {
  const path = `/hooks/open-${respond}`;

  test('a multipart body cut off inside a file answers 400 naming the multipart body', async () => {
    const answer = await hook(path, `${filePart}the first half of a fi`, {
      'content-type': `multipart/form-data; boundary=${boundary}`,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/multipart/);
  });

  test('a multipart body cut off before its closing boundary, or inside a part header, answers 400', async () => {
    const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    expect((await hook(path, `${filePart}whole file\r\n`, headers)).status).toBe(400);
    expect((await hook(path, `--${boundary}\r\nContent-Disposition: form-da`, headers)).status).toBe(400);
    expect((await hook(path, `--${boundary}--garbage`.repeat(3), headers)).status).toBeLessThan(500);
  });

  test('a multipart request without a boundary is refused, not accepted as a run', async () => {
    const answer = await hook(path, `${filePart}x\r\n--${boundary}--\r\n`, { 'content-type': 'multipart/form-data' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/boundary/i);
  });

  test('a body compressed wrongly answers 400; an unknown encoding 415', async () => {
    const garbage = await hook(path, 'not gzip at all', {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(garbage.status).toBe(400);
    const cut = zlib.gzipSync(JSON.stringify({ a: 'x'.repeat(1000) })).subarray(0, 30);
    expect((await hook(path, cut, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(
      400,
    );
    const unknown = await hook(path, '{}', { 'content-type': 'application/json', 'content-encoding': 'zstd-ish' });
    expect(unknown.status).toBe(415);
    expect(unknown.body.error.message).toMatch(/encoding/);
  });

  test('a body past the limit answers 413, also when it only grows past it once inflated', async () => {
    expect((await hook(path, 'x'.repeat(1024 * 1024 + 10), { 'content-type': 'text/plain' })).status).toBe(413);
    const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024, 32));
    expect((await hook(path, bomb, { 'content-type': 'text/plain', 'content-encoding': 'gzip' })).status).toBe(413);
  });

  test('JSON nested 200,000 deep answers 400 naming the nesting limit', async () => {
    const answer = await hook(path, `${'['.repeat(200_000)}${']'.repeat(200_000)}`, {
      'content-type': 'application/json',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('payload_too_deep');
    expect(answer.body.error.message).toMatch(/256/);
  });

  test('JSON that is not JSON answers 400', async () => {
    expect((await hook(path, '{"a":', { 'content-type': 'application/json' })).status).toBe(400);
  });
});

describe('the API', () => {
  test('a run input nested 5,000 deep answers 400 naming the nesting limit', async () => {
    const input = `{"input":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`;
    const answer = await product.request('POST', '/api/flows/open-async/runs', input);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('payload_too_deep');
  });

  test('an event payload nested too deep answers 400', async () => {
    const answer = await product.request(
      'POST',
      '/api/runs/run-open-async-00000000000000000000000000000000/events',
      `{"event":"x","payload":${'['.repeat(300)}${']'.repeat(300)}}`,
    );
    expect(answer.status).toBe(400);
  });

  test('a JSON body with a wrong content encoding answers 400 or 415, never 500', async () => {
    const answer = await fetch(`${product.baseUrl}/api/flows/open-async/runs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${product.adminKey}`,
        'content-type': 'application/json',
        'content-encoding': 'deflate',
      },
      body: '{"input":1}',
    });
    expect(answer.status).toBe(400);
  });
});

describe('connections dropped half-way', () => {
  test('a body cut by the client, a stalled multipart upload, and garbage instead of HTTP leave the gateway serving', async () => {
    const head = (path: string, type: string, length: number) =>
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`;
    await rawRequest(
      `${head('/hooks/open-async', `multipart/form-data; boundary=${boundary}`, 10_000)}${filePart}partial`,
      { closeAfterWrite: true },
    );
    await rawRequest(`${head('/hooks/open-sync', 'application/json', 5_000)}{"a":`, { closeAfterWrite: true });
    await rawRequest(`${head('/api/flows', 'application/json', 5_000)}{"a":`, { closeAfterWrite: true });
    const garbage = await rawRequest('\u0000\u0001GARBAGE / HTTP/9\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    await sleep(200);
  });
});
