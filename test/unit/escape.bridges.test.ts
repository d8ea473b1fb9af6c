/**
 * Hostile code against the host bridges, through the whole sandbox (pool, hardening, bridges, limits): whatever the
 * code does to its own realm, the egress policy is decided on the host, and nothing a function started outlives it.
 * Each attempt is followed by a healthy execution.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EgressPolicy } from '../../sandbox/contract';
import type { ExecutionOutcome, ExecutionRequest } from '../../sandbox/contract';
import { InProcessExecutor } from '../../sandbox/inProcess';

const sandbox = new InProcessExecutor();

const context: ExecutionRequest['context'] = {
  trigger: { type: 'api', payload: null },
  workflowContext: {},
  steps: {},
  env: {},
};
const CLOSED: EgressPolicy = { allow: [] };

let server: http.Server;
let base: string;
const seen: string[] = [];
const abandoned: string[] = [];

function run(
  code: string,
  egress: EgressPolicy = CLOSED,
  limits: ExecutionRequest['limits'] = {},
): Promise<ExecutionOutcome> {
  return sandbox.execute({ nodeId: 'escape-bridges', code, input: { base }, context, egress, limits });
}

beforeAll(async () => {
  server = http.createServer((request, response) => {
    seen.push(request.url ?? '');
    if (request.url?.startsWith('/slow')) {
      // Never answers on its own: the request ends only when the client gives up.
      request.on('close', () => abandoned.push(request.url ?? ''));
      return;
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ url: request.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  sandbox.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(async () => {
  expect(await run('return 1 + 1;')).toMatchObject({ ok: true, output: 2 });
});

it('loopback stays closed however the realm is polluted first', async () => {
  const code = `const f = async (input) => {
    Object.prototype.allow = ['127.0.0.1']; Object.prototype.egress = { allow: ['127.0.0.1'] }; Array.prototype.includes = () => true;
    try { await axios.get(input.base + '/polluted'); return 'reached'; } catch (error) { return error.name + ':' + error.code; }
  };`;
  expect(await run(code)).toMatchObject({ ok: true, output: 'EgressError:EGRESS_DENIED' });
  expect(seen).not.toContain('/polluted');
});

it('a URL getter that changes its answer between reads cannot pass one check and connect to another address', async () => {
  const code = `const f = async (input) => {
    let reads = 0;
    const config = { get url() { reads += 1; return reads === 1 ? 'http://93.184.216.34/' : input.base + '/swapped'; } };
    try { await axios.request(config); return 'answered'; } catch (error) { return error.name; }
  };`;
  const outcome = await run(code, { allow: ['93.184.216.34'] }, { timeoutMs: 3_000 });
  expect(seen).not.toContain('/swapped');
  expect(outcome.ok || outcome.error.type !== 'InternalError').toBe(true);
});

it('a request left running when the function returns is abandoned, not finished behind its back', async () => {
  const code = "const f = (input) => { axios.get(input.base + '/slow-leak').catch(() => {}); return 'returned'; };";
  expect(await run(code, { allow: ['127.0.0.1'] })).toMatchObject({ ok: true, output: 'returned' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const arrived = seen.includes('/slow-leak');
  // Either it never left, or the server saw the client hang up.
  if (arrived) expect(abandoned).toContain('/slow-leak');
});

it('a request that outlives the time limit ends the function with its time limit', async () => {
  const code = "const f = async (input) => { await axios.get(input.base + '/slow-wait'); return 'late'; };";
  expect(await run(code, { allow: ['127.0.0.1'] }, { timeoutMs: 300 })).toMatchObject({
    ok: false,
    error: { type: 'TimeoutError' },
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(abandoned).toContain('/slow-wait');
});
