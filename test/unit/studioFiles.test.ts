/** The studio's files as the gateway sends them: precompressed copies chosen by Accept-Encoding, cache headers. */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import express from 'express';
import { errorHandler } from '../../gateway/errors';
import { acceptedEncodings } from '../../gateway/precompressed';
import { studioFiles } from '../../gateway/studio';

const script = 'export const greeting = "hello";\n'.repeat(200);
let server: http.Server;
let port: number;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-files-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>studio</title>');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'not served');
  const asset = path.join(dir, 'assets', 'index-abc123.js');
  fs.writeFileSync(asset, script);
  fs.writeFileSync(`${asset}.br`, zlib.brotliCompressSync(script));
  fs.writeFileSync(`${asset}.gz`, zlib.gzipSync(script));
  fs.writeFileSync(path.join(dir, 'assets', 'plain-abc.css'), 'body{}');
  const app = express();
  app.use(studioFiles(dir));
  app.use(errorHandler);
  server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

function get(urlPath: string, acceptEncoding?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const request = http.get(
      { port, path: urlPath, headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    request.on('error', reject);
  });
}

test('Accept-Encoding: tokens, q=0 refusals and the wildcard', () => {
  expect([...acceptedEncodings('gzip, deflate, br, zstd')].sort()).toEqual(['br', 'deflate', 'gzip', 'zstd']);
  expect([...acceptedEncodings('gzip;q=1.0, br;q=0')]).toEqual(['gzip']);
  expect([...acceptedEncodings('*;q=0.5, gzip;q=0')]).toEqual(['br']);
  expect([...acceptedEncodings('identity')]).toEqual(['identity']);
  expect(acceptedEncodings(undefined).size).toBe(0);
});

test('a hashed asset: brotli when accepted, else gzip, else as it is; cached for good, varying by encoding', async () => {
  const br = await get('/assets/index-abc123.js', 'gzip, deflate, br');
  expect(br.status).toBe(200);
  expect(br.headers['content-encoding']).toBe('br');
  expect(br.headers['content-type']).toMatch(/^text\/javascript/);
  expect(br.headers.vary).toMatch(/Accept-Encoding/i);
  expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(zlib.brotliDecompressSync(br.body).toString()).toBe(script);
  expect(br.body.length).toBeLessThan(script.length / 10);

  const gzip = await get('/assets/index-abc123.js', 'gzip');
  expect(gzip.headers['content-encoding']).toBe('gzip');
  expect(zlib.gunzipSync(gzip.body).toString()).toBe(script);

  const plain = await get('/assets/index-abc123.js');
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.headers.vary).toMatch(/Accept-Encoding/i);
  expect(plain.body.toString()).toBe(script);

  const uncompressed = await get('/assets/plain-abc.css', 'br, gzip');
  expect(uncompressed.headers['content-encoding']).toBeUndefined();
  expect(uncompressed.headers['content-type']).toMatch(/^text\/css/);
  expect(uncompressed.body.toString()).toBe('body{}');
});

test('index.html is always revalidated; missing files and paths out of the assets folder are 404s, a malformed one a 400', async () => {
  const index = await get('/', 'br');
  expect(index.status).toBe(200);
  expect(index.headers['cache-control']).toBe('no-cache');
  expect(index.headers['content-type']).toMatch(/^text\/html/);
  for (const wrong of ['/assets/missing.js', '/assets/..%2fsecret.txt', '/assets/%2e%2e/secret.txt']) {
    const response = await get(wrong, 'br');
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body.toString()).error.code).toBe('not_found');
  }
  expect((await get('/secret.txt')).status).toBe(404);
  // A path that is not URL-encoded text is the caller's mistake, not a missing file.
  expect((await get('/assets/%ZZ', 'br')).status).toBe(400);
});
