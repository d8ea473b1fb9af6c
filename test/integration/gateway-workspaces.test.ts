/**
 * Workspaces, their API keys and variables, isolation (a key of one workspace gets 404 for everything of another,
 * runs included), plan limits at save, and execution quotas.
 */
import { MongoClient } from 'mongodb';
import { DEFAULT_WORKSPACE } from '../../flow/ids';
import { eventually, Product, startProduct } from '../support/product';

let product: Product;
const keys: Record<string, string> = {};

const as = (workspace: string) => ({ authorization: `Bearer ${keys[workspace]}`, 'content-type': 'application/json' });
const call = (workspace: string, method: string, path: string, body?: unknown) =>
  product.request(method, path, body ?? (method === 'GET' || method === 'DELETE' ? undefined : {}), as(workspace));

const flow = (id: string, code: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  nodes: [{ id: 'main', type: 'code', code, ...extra }],
});

beforeAll(async () => {
  product = await startProduct();
  for (const [id, plan] of [
    ['acme', 'starter'],
    ['globex', 'starter'],
  ] as const) {
    expect((await product.request('POST', '/api/workspaces', { id, name: id.toUpperCase(), plan })).status).toBe(201);
    const key = await product.request('POST', `/api/workspaces/${id}/keys`, { name: 'ci' });
    expect(key.status).toBe(201);
    keys[id] = key.body.key;
  }
});

afterAll(async () => {
  await product?.stop();
});

describe('workspaces and keys', () => {
  test('the admin key manages workspaces; a workspace key sees its own only', async () => {
    expect((await product.request('POST', '/api/workspaces', { id: 'acme', name: 'again' })).status).toBe(409);
    const bad = await product.request('POST', '/api/workspaces', { id: '-x', name: '', plan: 'gold' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems.map((problem: { path: string }) => problem.path)).toEqual(
      expect.arrayContaining(['body.id', 'body.name', 'body.plan']),
    );
    const listed = await product.request('GET', '/api/workspaces');
    expect(listed.body.workspaces.map((workspace: { id: string }) => workspace.id)).toEqual(
      expect.arrayContaining([DEFAULT_WORKSPACE, 'acme', 'globex']),
    );
    expect((await call('acme', 'GET', '/api/workspaces')).status).toBe(403);
    expect((await call('acme', 'POST', '/api/workspaces', { id: 'mine', name: 'mine' })).status).toBe(403);
    const own = await call('acme', 'GET', '/api/workspaces/acme');
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      id: 'acme',
      plan: 'starter',
      limits: { executionsPerMonth: 1000, timeoutMs: 30000, memoryMb: 64 },
    });
    expect((await call('acme', 'GET', '/api/workspaces/globex')).status).toBe(404);
    expect((await call('acme', 'GET', '/api/workspaces/globex/keys')).status).toBe(404);
  });

  test('keys are listed without their secret, and a revoked key stops working', async () => {
    const created = await call('acme', 'POST', '/api/workspaces/acme/keys', { name: 'temporary' });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^nk_acme_/);
    const listed = await call('acme', 'GET', '/api/workspaces/acme/keys');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect(listed.body.keys.map((key: { id: string }) => key.id)).toContain(created.body.id);
    const temporary = { authorization: `Bearer ${created.body.key}` };
    expect((await product.request('GET', '/api/flows', undefined, temporary)).status).toBe(200);
    expect((await call('globex', 'DELETE', `/api/workspaces/acme/keys/${created.body.id}`)).status).toBe(404);
    expect((await call('acme', 'DELETE', `/api/workspaces/acme/keys/${created.body.id}`)).status).toBe(204);
    expect((await product.request('GET', '/api/flows', undefined, temporary)).status).toBe(401);
    expect((await call('acme', 'DELETE', `/api/workspaces/acme/keys/${created.body.id}`)).status).toBe(404);
    const mongo = new MongoClient(product.info.mongoUri);
    try {
      const stored = await mongo.db().collection('api_keys').find({}).toArray();
      expect(JSON.stringify(stored)).not.toContain(created.body.key);
    } finally {
      await mongo.close();
    }
  });
});

describe('isolation', () => {
  let runId: string;

  beforeAll(async () => {
    expect(
      (
        await call('acme', 'POST', '/api/flows', {
          ...flow('acme-flow', 'return { ok: true };'),
          triggers: [{ type: 'cron', cron: '@daily' }],
        })
      ).status,
    ).toBe(201);
    const run = await call('acme', 'POST', '/api/flows/acme-flow/runs?wait=true', { input: { secret: 'acme-data' } });
    expect(run.status).toBe(200);
    runId = run.body.runId;
  });

  test('another workspace gets 404 for the flow, its versions, schedules and runs', async () => {
    expect((await call('acme', 'GET', '/api/flows/acme-flow')).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/api/flows/acme-flow'],
      ['GET', '/api/flows/acme-flow/versions'],
      ['GET', '/api/flows/acme-flow/schedules'],
      ['POST', '/api/flows/acme-flow/schedules/cron/trigger'],
      ['POST', '/api/flows/acme-flow/runs'],
      ['DELETE', '/api/flows/acme-flow'],
      ['GET', `/api/runs/${runId}`],
      ['GET', `/api/runs/${runId}/stream`],
      ['POST', `/api/runs/${runId}/rerun`],
      ['POST', `/api/runs/${runId}/cancel`],
    ]) {
      const response = await call('globex', method, path);
      expect([method, path, response.status]).toEqual([method, path, 404]);
    }
    expect((await call('globex', 'GET', '/api/flows')).body.flows).toEqual([]);
    expect((await product.request('GET', `/api/runs/${runId}`)).status).toBe(404);
    expect(
      (
        await product.request('GET', `/api/runs/${runId}`, undefined, {
          authorization: `Bearer ${product.adminKey}`,
          'x-nectar-workspace': 'acme',
        })
      ).status,
    ).toBe(200);
  });

  test('run lists are per workspace', async () => {
    const acmeRuns = await eventually(async () => {
      const runs = (await call('acme', 'GET', '/api/runs')).body.runs;
      return runs.length > 0 ? runs : undefined;
    });
    expect(acmeRuns.map((run: { runId: string }) => run.runId)).toContain(runId);
    expect((await call('globex', 'GET', '/api/runs')).body.runs).toEqual([]);
    expect((await call('globex', 'GET', '/api/runs?flowId=acme-flow')).body.runs).toEqual([]);
  });

  test('a subflow node reaches only flows of its own workspace', async () => {
    const caller = (id: string, target: string) => ({
      id,
      name: id,
      nodes: [{ id: 'child', type: 'subflow', flowId: target }],
    });
    expect(
      (await call('acme', 'POST', '/api/flows', flow('acme-helper', 'return { from: "acme", got: input };'))).status,
    ).toBe(201);
    expect((await call('acme', 'POST', '/api/flows', caller('acme-caller', 'acme-helper'))).status).toBe(201);
    const own = await call('acme', 'POST', '/api/flows/acme-caller/runs?wait=true', { input: { n: 1 } });
    expect(own.body).toMatchObject({ status: 'completed', output: { from: 'acme', got: { n: 1 } } });

    expect((await call('globex', 'POST', '/api/flows', caller('globex-caller', 'acme-helper'))).status).toBe(201);
    const foreign = await call('globex', 'POST', '/api/flows/globex-caller/runs?wait=true', { input: { n: 2 } });
    expect(foreign.body.status).toBe('failed');
    expect(foreign.body.error).toMatchObject({
      nodeId: 'child',
      message: expect.stringContaining('flow acme-helper does not exist'),
    });
    expect(JSON.stringify(foreign.body)).not.toContain('"from":"acme"');
  });

  test('a flow id another workspace holds cannot be taken over', async () => {
    const taken = await call('globex', 'PUT', '/api/flows/acme-flow', flow('acme-flow', 'return 2;'));
    expect(taken.status).toBe(409);
    expect((await call('acme', 'GET', '/api/flows/acme-flow')).body.version).toBe(1);
  });
});

describe('workspace variables', () => {
  const READ_ENV = 'return { token: env.SALESFORCE_TOKEN ?? null, viaContext: context.env.SALESFORCE_TOKEN ?? null };';

  test('set, listed by name only, stored sealed, seen by the workspace’s functions only, deleted', async () => {
    expect((await call('acme', 'PUT', '/api/variables/SALESFORCE_TOKEN', { value: 's3cret-acme-token' })).status).toBe(
      201,
    );
    expect(
      (await call('acme', 'PUT', '/api/variables/SALESFORCE_TOKEN', { value: 's3cret-acme-token-2' })).status,
    ).toBe(200);
    const listed = await call('acme', 'GET', '/api/variables');
    expect(listed.body.variables.map((variable: { name: string }) => variable.name)).toEqual(['SALESFORCE_TOKEN']);
    expect(JSON.stringify(listed.body)).not.toContain('s3cret');
    expect((await call('globex', 'GET', '/api/variables')).body.variables).toEqual([]);

    const mongo = new MongoClient(product.info.mongoUri);
    try {
      const stored = await mongo.db().collection('workspace_variables').find({}).toArray();
      expect(stored).toHaveLength(1);
      expect(JSON.stringify(stored)).not.toContain('s3cret');
    } finally {
      await mongo.close();
    }

    await call('acme', 'PUT', '/api/flows/acme-env', flow('acme-env', READ_ENV));
    await call('globex', 'PUT', '/api/flows/globex-env', flow('globex-env', READ_ENV));
    const acme = await call('acme', 'POST', '/api/flows/acme-env/runs?wait=true');
    expect(acme.body.output).toEqual({ token: 's3cret-acme-token-2', viaContext: 's3cret-acme-token-2' });
    const globex = await call('globex', 'POST', '/api/flows/globex-env/runs?wait=true');
    expect(globex.body.output).toEqual({ token: null, viaContext: null });

    expect((await call('globex', 'DELETE', '/api/variables/SALESFORCE_TOKEN')).status).toBe(404);
    expect((await call('acme', 'DELETE', '/api/variables/SALESFORCE_TOKEN')).status).toBe(204);
    expect((await call('acme', 'POST', '/api/flows/acme-env/runs?wait=true')).body.output).toEqual({
      token: null,
      viaContext: null,
    });
  });

  test('bad names and values are refused naming the field', async () => {
    const name = await call('acme', 'PUT', '/api/variables/1BAD', { value: 'x' });
    expect(name.status).toBe(400);
    expect(name.body.error.problems[0].path).toBe('params.name');
    const value = await call('acme', 'PUT', '/api/variables/GOOD', { value: 42 });
    expect(value.body.error.problems[0].path).toBe('body.value');
  });
});

describe('plans and quotas', () => {
  test('node limits above the plan are refused at save, and allowed after an upgrade', async () => {
    const big = {
      ...flow('big', 'return 1;'),
      nodes: [{ id: 'main', type: 'code', code: 'return 1;', timeoutMs: 45_000, memoryMb: 128 }],
    };
    const refused = await call('globex', 'PUT', '/api/flows/big', big);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('above_plan_limits');
    expect(refused.body.error.problems.map((problem: { path: string }) => problem.path)).toEqual([
      'nodes[0].timeoutMs',
      'nodes[0].memoryMb',
    ]);
    expect((await call('globex', 'GET', '/api/flows/big')).status).toBe(404);
    expect((await product.request('PATCH', '/api/workspaces/globex', { plan: 'professional' })).body.limits).toEqual({
      executionsPerMonth: 100000,
      timeoutMs: 60000,
      memoryMb: 128,
    });
    expect((await call('globex', 'PUT', '/api/flows/big', big)).status).toBe(200);
  });

  test('over quota, new runs get 429 and a running run stops at its next node with a quota error', async () => {
    expect(
      (
        await product.request('POST', '/api/workspaces', {
          id: 'tiny',
          name: 'Tiny',
          plan: 'enterprise',
          limits: { executionsPerMonth: 3 },
        })
      ).status,
    ).toBe(201);
    keys.tiny = (await product.request('POST', '/api/workspaces/tiny/keys', { name: 'k' })).body.key;
    const chain = {
      id: 'tiny-chain',
      name: 'chain',
      nodes: [
        { id: 'one', type: 'code', code: 'return { n: 1 };' },
        { id: 'two', type: 'code', code: 'return { n: input.n + 1 };' },
      ],
      edges: [{ from: 'one', to: 'two' }],
      triggers: [{ type: 'webhook' }],
    };
    expect((await call('tiny', 'POST', '/api/flows', chain)).status).toBe(201);
    const first = await call('tiny', 'POST', '/api/flows/tiny-chain/runs?wait=true');
    expect(first.body).toMatchObject({ status: 'completed', output: { n: 2 } });
    const second = await call('tiny', 'POST', '/api/flows/tiny-chain/runs?wait=true');
    expect(second.body.status).toBe('failed');
    expect(second.body.nodes.find((node: { id: string }) => node.id === 'one').status).toBe('succeeded');
    expect(second.body.error).toMatchObject({ nodeId: 'two', type: 'QuotaExceeded' });
    const refused = await call('tiny', 'POST', '/api/flows/tiny-chain/runs');
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toMatch(/3 executions/);
    expect((await fetch(`${product.baseUrl}/hooks/tiny-chain`, { method: 'POST' })).status).toBe(429);
    expect((await call('tiny', 'GET', '/api/workspaces/tiny')).body.usage).toMatchObject({
      executions: 3,
      remaining: 0,
    });
    // other workspaces are not affected
    expect((await call('acme', 'POST', '/api/flows/acme-flow/runs')).status).toBe(202);

    expect((await product.request('POST', '/api/workspaces/tiny/usage/reset')).body.usage.executions).toBe(0);
    expect((await call('tiny', 'POST', '/api/flows/tiny-chain/runs?wait=true')).body.status).toBe('completed');
  });
});
