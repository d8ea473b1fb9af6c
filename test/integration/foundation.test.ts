/**
 * The foundation slice end to end: a flow saved through the API, run by the interpreter workflow on a real Temporal
 * dev server, its code nodes in isolated-vm, its branch chosen by nextPath; flows and runs survive a restart.
 */
import fs from 'node:fs';
import { Connection, Client } from '@temporalio/client';
import { isPortFree } from '../../common/processes';
import { DEFAULT_WORKSPACE, flowIdOfRunId, isRunId } from '../../flow/ids';
import { readRunSearchAttributes } from '../../temporal/searchAttributes';
import { Product, startProduct } from '../support/product';
import { APPROVAL_LOGIC } from '../support/seedSamples';

const approvalFlow = {
  id: 'purchase-approval',
  name: 'Purchase approval',
  nodes: [
    { id: 'route', type: 'code', name: 'Approval logic', code: APPROVAL_LOGIC },
    {
      id: 'executive-approval',
      type: 'code',
      name: 'Executive approval',
      code: "async function executive(input, context) { console.log('escalating', { amount: context.trigger.payload.purchaseAmount }); return { approvedBy: 'executive', amount: context.trigger.payload.purchaseAmount }; }",
    },
    {
      id: 'manager-approval',
      type: 'code',
      code: "const manager = (input, context) => ({ approvedBy: 'manager', by: context.workflowContext.nodeId });",
    },
    {
      id: 'auto-approve',
      type: 'code',
      code: "return { approvedBy: 'auto', previous: context.steps.route.nextPath };",
    },
  ],
  edges: [
    { from: 'route', to: 'executive-approval', path: 'executive-approval' },
    { from: 'route', to: 'manager-approval', path: 'manager-approval' },
    { from: 'route', to: 'auto-approve', path: 'auto-approve' },
  ],
};

let product: Product;

beforeAll(async () => {
  product = await startProduct();
});

afterAll(async () => {
  await product?.stop();
});

describe('the API behind the admin key', () => {
  test('healthz answers without a key once Temporal and the store answer', async () => {
    const response = await product.request('GET', '/healthz', undefined, {});
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', temporal: 'ok', store: 'ok' });
  });

  test('a missing key is 401', async () => {
    const response = await product.request('GET', '/api/flows', undefined, {});
    expect(response.status).toBe(401);
    expect(response.body.error.message).toMatch(/Authorization/);
  });

  test('a wrong key is 401', async () => {
    const response = await product.request('GET', '/api/flows', undefined, { authorization: 'Bearer not-the-key' });
    expect(response.status).toBe(401);
    expect(response.body.error.message).toBe('invalid API key');
  });
});

describe('bad input', () => {
  test('a malformed flow gets 400 naming each problem', async () => {
    const response = await product.request('POST', '/api/flows', {
      id: 'bad flow!',
      nodes: [
        { id: 'a', type: 'code', code: 'const f = (input) => { return input.x + ; };' },
        { id: 'a', type: 'code', code: 'return 1;', timeoutMs: 999999 },
        { id: 'b', type: 'shell', code: 'ls' },
      ],
      edges: [{ from: 'a', to: 'nowhere' }],
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_flow');
    const paths = response.body.error.problems.map((problem: { path: string }) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['id', 'name', 'nodes[1].timeoutMs', 'nodes[2].type']));
  });

  test('graph and code problems come with their place, code ones with line and column', async () => {
    const response = await product.request('POST', '/api/flows', {
      id: 'broken',
      name: 'Broken',
      nodes: [
        { id: 'a', type: 'code', code: 'const f = (input) => {\n  return input.x + ;\n};' },
        { id: 'a', type: 'code', code: 'return 1;' },
        { id: 'c', type: 'code', code: 'let x = 1;' },
      ],
      edges: [{ from: 'a', to: 'nowhere' }],
    });
    expect(response.status).toBe(400);
    const problems = response.body.error.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'nodes[1].id', message: 'duplicate node id "a"' }),
        expect.objectContaining({ path: 'edges[0].to', message: 'no node with id "nowhere"' }),
      ]),
    );
    const withCode = await product.request('POST', '/api/flows', {
      id: 'broken',
      name: 'Broken',
      nodes: [
        { id: 'a', type: 'code', code: 'const f = (input) => {\n  return input.x + ;\n};' },
        { id: 'c', type: 'code', code: 'let x = 1;' },
      ],
      edges: [],
    });
    expect(withCode.status).toBe(400);
    expect(withCode.body.error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'nodes[0].code', rule: 'syntax', line: 2, column: 20 }),
        expect.objectContaining({ path: 'nodes[1].code', rule: 'no-function', line: 1, column: 1 }),
      ]),
    );
  });

  test('a body that is not JSON gets 400, not 500', async () => {
    const response = await product.request('POST', '/api/flows', '{"id": ', {
      authorization: `Bearer ${product.adminKey}`,
      'content-type': 'application/json',
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_json');
  });

  test('an unknown flow is 404, for reading and for running', async () => {
    expect((await product.request('GET', '/api/flows/no-such-flow')).status).toBe(404);
    const run = await product.request('POST', '/api/flows/no-such-flow/runs', { input: {} });
    expect(run.status).toBe(404);
    expect(run.body.error.message).toBe('flow "no-such-flow" not found');
  });

  test('an unknown run is 404', async () => {
    expect((await product.request('GET', '/api/runs/run-nothing-0123456789abcdef0123456789abcdef')).status).toBe(404);
    expect((await product.request('GET', '/api/runs/whatever')).status).toBe(404);
  });

  test('a run body with unknown fields is 400 naming them', async () => {
    const response = await product.request('POST', '/api/flows/purchase-approval/runs', { input: {}, inptu: 1 });
    expect(response.status).toBe(400);
    expect(response.body.error.problems[0].path).toBe('body');
  });
});

describe('the approval slice', () => {
  test('saving a flow creates version 1, a second save version 2, a duplicate create is 409', async () => {
    const created = await product.request('POST', '/api/flows', approvalFlow);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 'purchase-approval', version: 1 });
    const again = await product.request('POST', '/api/flows', approvalFlow);
    expect(again.status).toBe(409);
    const updated = await product.request('PUT', '/api/flows/purchase-approval', approvalFlow);
    expect(updated.body).toEqual({ id: 'purchase-approval', version: 2 });
    const read = await product.request('GET', '/api/flows/purchase-approval');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: 'purchase-approval', version: 2, definition: { nodes: approvalFlow.nodes } });
  });

  test.each([
    [20000, 'executive-approval', { approvedBy: 'executive', amount: 20000 }],
    [5000, 'manager-approval', { approvedBy: 'manager', by: 'manager-approval' }],
    [50, 'auto-approve', { approvedBy: 'auto', previous: 'auto-approve' }],
  ])('amount %d takes the %s branch', async (amount, branch, output) => {
    const response = await product.request('POST', '/api/flows/purchase-approval/runs?wait=true', {
      input: { purchaseAmount: amount, requestingUser: 'ada' },
    });
    expect(response.status).toBe(200);
    const run = response.body;
    expect(run).toMatchObject({ status: 'completed', flowId: 'purchase-approval', flowVersion: 2, output });
    const ran = run.nodes
      .filter((node: { status: string }) => node.status === 'succeeded')
      .map((node: { id: string }) => node.id);
    expect(ran).toEqual(['route', branch]);
    const skipped = run.nodes
      .filter((node: { status: string }) => node.status === 'skipped')
      .map((node: { id: string }) => node.id);
    expect(skipped.sort()).toEqual(
      ['auto-approve', 'executive-approval', 'manager-approval'].filter((id) => id !== branch).sort(),
    );
    for (const node of run.nodes.filter((n: { status: string }) => n.status === 'succeeded')) {
      expect(node.durationMs).toBeGreaterThan(0);
      expect(node.memoryBytes).toBeGreaterThan(0);
      expect(typeof node.startedAt).toBe('string');
    }
    expect(run.nodes[0].output).toEqual({ nextPath: branch });

    const again = await product.request('GET', `/api/runs/${run.runId}`);
    expect(again.body).toEqual(run);
  });

  test('logs are captured per node with level, time and structured arguments', async () => {
    const response = await product.request('POST', '/api/flows/purchase-approval/runs?wait=true', {
      input: { purchaseAmount: 12345 },
    });
    const executive = response.body.nodes.find((node: { id: string }) => node.id === 'executive-approval');
    expect(executive.logs).toEqual([
      {
        level: 'log',
        nodeId: 'executive-approval',
        timestamp: expect.any(String),
        args: ['escalating', { amount: 12345 }],
      },
    ]);
  });

  test('an async run answers 202 with the run id, and the run can be read until it completes', async () => {
    const started = await product.request('POST', '/api/flows/purchase-approval/runs', {
      input: { purchaseAmount: 50 },
    });
    expect(started.status).toBe(202);
    expect(isRunId(started.body.runId)).toBe(true);
    expect(flowIdOfRunId(started.body.runId)).toBe('purchase-approval');
    let run;
    for (let i = 0; i < 100; i++) {
      run = (await product.request('GET', `/api/runs/${started.body.runId}`)).body;
      if (run.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ approvedBy: 'auto', previous: 'auto-approve' });
  });

  test("a node that throws fails the run with its message and a stack on the user's line", async () => {
    const flow = {
      id: 'thrower',
      name: 'Thrower',
      nodes: [
        {
          id: 'validate',
          type: 'code',
          code: "const processUserData = (input, context) => {\n  const user = input.userData;\n  if (!user.email || !user.name) {\n    throw new Error('Missing required fields');\n  }\n  return user;\n};",
        },
      ],
    };
    expect((await product.request('POST', '/api/flows', flow)).status).toBe(201);
    const response = await product.request('POST', '/api/flows/thrower/runs?wait=true', {
      input: { userData: { name: 'x' } },
    });
    expect(response.body.status).toBe('failed');
    expect(response.body.error).toMatchObject({
      name: 'Error',
      message: 'Missing required fields',
      nodeId: 'validate',
    });
    expect(response.body.error.stack).toMatch(/validate\.js:4:/);
    expect(response.body.nodes[0]).toMatchObject({ id: 'validate', status: 'failed', attempt: 1 });
  });

  test('the runs carry the search attributes the Temporal Web UI filters on', async () => {
    const connection = await Connection.connect({ address: product.info.temporalAddress });
    try {
      const client = new Client({ connection });
      const runs = [];
      for await (const execution of client.workflow.list({ query: "NectarFlowId = 'purchase-approval'" }))
        runs.push(execution);
      expect(runs.length).toBeGreaterThanOrEqual(4);
      const first = runs[0];
      expect(first.type).toBe('interpreterWorkflow');
      expect(readRunSearchAttributes(first.typedSearchAttributes)).toEqual({
        flowId: 'purchase-approval',
        flowVersion: 2,
        trigger: 'api',
        workspace: DEFAULT_WORKSPACE,
      });
    } finally {
      await connection.close();
    }
  });

  test('the Temporal Web UI is served at the URL the launcher prints', async () => {
    const response = await fetch(product.info.temporalUiUrl!);
    expect(response.status).toBe(200);
  });
});

describe('restart', () => {
  test('a second start on the same data finds the flows and the run history, and a stop frees every port', async () => {
    const before = await product.request('POST', '/api/flows/purchase-approval/runs?wait=true', {
      input: { purchaseAmount: 5000 },
    });
    expect(before.body.status).toBe('completed');
    const { dataDir, adminKey, ports } = product;
    await product.stop();
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true);
    expect(fs.existsSync(`${dataDir}/running.json`)).toBe(false);

    product = await startProduct({ dataDir, adminKey });
    const flow = await product.request('GET', '/api/flows/purchase-approval');
    expect(flow.body.version).toBe(2);
    const after = await product.request('GET', `/api/runs/${before.body.runId}`);
    expect(after.status).toBe(200);
    // The same run, but the restarted Temporal Web UI listens on a port chosen afresh.
    const withoutLink = ({ temporalUrl: _link, ...run }: Record<string, unknown>) => run;
    expect(withoutLink(after.body)).toEqual(withoutLink(before.body));
    expect(after.body.temporalUrl).toContain(`/workflows/${before.body.runId}/`);
    const fresh = await product.request('POST', '/api/flows/purchase-approval/runs?wait=true', {
      input: { purchaseAmount: 20000 },
    });
    expect(fresh.body.output).toEqual({ approvedBy: 'executive', amount: 20000 });
  });
});
