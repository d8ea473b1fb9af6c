/**
 * The gateway's last guard, on the built code in a process of its own: an error that escapes a request (a synchronous
 * throw, an `error` event nobody listens to, a rejection nobody awaits) answers 500 for that request only, logged with
 * its request id, and the same process goes on serving.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, sleep } from '../../common/processes';

const GUARD = path.resolve(__dirname, '..', '..', 'dist', 'gateway', 'requestGuard.js');
const LOGGING = path.resolve(__dirname, '..', '..', 'dist', 'gateway', 'logging.js');

const SERVER = `
const http = require('node:http');
const { EventEmitter } = require('node:events');
const { guardRequests, inRequestContext, installProcessGuard } = require(${JSON.stringify(GUARD)});
const { tagRequest } = require(${JSON.stringify(LOGGING)});
installProcessGuard();
http.createServer(guardRequests((request, response) => {
  tagRequest(request, response);
  if (request.url === '/throw') throw new Error('thrown in the handler');
  if (request.url === '/emit') return void setTimeout(() => new EventEmitter().emit('error', new Error('emitted, no listener')), 5);
  if (request.url === '/reject') return void (async () => { await new Promise((r) => setTimeout(r, 5)); throw new Error('rejected, not awaited'); })();
  if (request.url === '/after-body') {
    request.on('data', () => {});
    return void request.on('end', inRequestContext(() => setTimeout(() => new EventEmitter().emit('error', new Error('after the body')), 5)));
  }
  response.end(JSON.stringify({ pid: process.pid }));
})).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
`;

let child: ChildProcess;
let port: number;
let output = '';

beforeAll(async () => {
  port = await freePort();
  child = spawn(process.execPath, ['-e', SERVER], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  for (let waited = 0; !output.includes('listening'); waited += 50) {
    if (waited > 10_000 || child.exitCode !== null) throw new Error(`the guarded server did not start:\n${output}`);
    await sleep(50);
  }
});

afterAll(() => {
  child?.kill('SIGKILL');
});

test.each(['/throw', '/emit', '/reject', '/after-body'])(
  '%s answers 500 with the request id, and the process goes on',
  async (route) => {
    const response = await fetch(`http://127.0.0.1:${port}${route}`, {
      method: 'POST',
      body: 'x'.repeat(100_000),
      headers: { 'x-request-id': `guard-${route.slice(1)}` },
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: {
        code: 'internal',
        message: expect.stringContaining('gateway log'),
        requestId: `guard-${route.slice(1)}`,
      },
    });
    const ok = await fetch(`http://127.0.0.1:${port}/`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { pid: number }).pid).toBe(child.pid);
    expect(child.exitCode).toBeNull();
    expect(output).toContain(`"reqId":"guard-${route.slice(1)}"`);
  },
);
