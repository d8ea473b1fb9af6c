/**
 * Drafts end to end: a flow's working copy saved without a version, its test URL (`/hooks-test/:flowId`) and draft
 * runs with the draft revision pinned, while the production URL (`/hooks/:flowId`) keeps running the saved version.
 */
import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { REDACTED_SECRET } from '../../gateway/redact';
import { FLOW_VERSION } from '../../temporal/searchAttributes';
import { eventually, Product, startProduct } from '../support/product';

let product: Product;
let temporal: Client;
const keys: Record<string, string> = {};

/** A one-node flow; `trigger` adds a webhook trigger with those settings. */
function flow(id: string, code: string, trigger?: Record<string, unknown>) {
  return {
    id,
    name: id,
    nodes: [{ id: 'main', type: 'code', code }],
    ...(trigger ? { triggers: [{ type: 'webhook', ...trigger }] } : {}),
  };
}

/** An API call as the admin, or with the key of a workspace. */
function call(method: string, path: string, body?: unknown, workspace?: string) {
  if (!workspace) return product.request(method, path, body);
  return product.request(method, path, body, {
    authorization: `Bearer ${keys[workspace]}`,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  });
}

async function hook(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${product.baseUrl}${path}`, { method, body, headers });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

async function finishedRun(runId: string, workspace?: string): Promise<any> {
  return eventually(async () => {
    const run = await call('GET', `/api/runs/${runId}`, undefined, workspace);
    expect(run.status).toBe(200);
    return run.body.status === 'running' || run.body.status === 'pending' ? undefined : run.body;
  });
}

async function flowVersionAttribute(runId: string): Promise<string | undefined> {
  return (await temporal.workflow.getHandle(runId).describe()).typedSearchAttributes.get(FLOW_VERSION);
}

async function createWorkspace(id: string, body: Record<string, unknown> = {}): Promise<void> {
  expect((await product.request('POST', '/api/workspaces', { id, name: id, ...body })).status).toBe(201);
  keys[id] = (await product.request('POST', `/api/workspaces/${id}/keys`, { name: 'tests' })).body.key;
}

const problemPaths = (response: { body: any }) =>
  response.body.error.problems.map((problem: { path: string }) => problem.path);

beforeAll(async () => {
  product = await startProduct();
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  await createWorkspace('beta');
});

afterAll(async () => {
  await temporal?.connection.close();
  await product?.stop();
});

describe('drafts through the API', () => {
  test('a draft is saved, read and discarded without creating a version; a version saved later leaves it alone', async () => {
    expect((await call('GET', '/api/flows/notes/draft')).status).toBe(404);
    const first = await call('PUT', '/api/flows/notes/draft', flow('notes', 'return { n: 1 };'));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: 'notes', revision: 1 });
    const read = await call('GET', '/api/flows/notes/draft');
    expect(read.body).toMatchObject({
      id: 'notes',
      revision: 1,
      latestVersion: null,
      definition: { nodes: [{ code: 'return { n: 1 };' }] },
    });
    // A draft is no version: the flow has none yet, and the list shows it as a draft only.
    expect((await call('GET', '/api/flows/notes')).status).toBe(404);
    const listed = (await call('GET', '/api/flows')).body.flows.find((saved: { id: string }) => saved.id === 'notes');
    expect(listed).toMatchObject({ latestVersion: null, hasDraft: true, draftRevision: 1 });

    expect((await call('PUT', '/api/flows/notes/draft', flow('notes', 'return { n: 2 };'))).body.revision).toBe(2);
    expect((await call('POST', '/api/flows', flow('notes', 'return { n: 0 };'))).body).toEqual({
      id: 'notes',
      version: 1,
    });
    const kept = await call('GET', '/api/flows/notes/draft');
    expect(kept.body).toMatchObject({
      revision: 2,
      latestVersion: 1,
      definition: { nodes: [{ code: 'return { n: 2 };' }] },
    });

    expect((await call('DELETE', '/api/flows/notes/draft')).status).toBe(204);
    expect((await call('GET', '/api/flows/notes/draft')).status).toBe(404);
    expect((await call('DELETE', '/api/flows/notes/draft')).status).toBe(404);
    expect((await call('GET', '/api/flows/notes')).body.version).toBe(1);
    // Revision numbers go on after a discard: a pinned revision is never reused for other content.
    expect((await call('PUT', '/api/flows/notes/draft', flow('notes', 'return { n: 3 };'))).body.revision).toBe(3);
  });

  test('a bad draft gets 400 naming every problem, as a bad version does', async () => {
    const shape = await call('PUT', '/api/flows/bad/draft', {
      name: 'bad',
      nodes: [
        { id: 'main', type: 'code', code: 'return 1;', timeoutMs: 5 },
        { id: 'other', type: 'teleport' },
      ],
    });
    expect(shape.status).toBe(400);
    expect(shape.body.error.code).toBe('invalid_flow');
    expect(problemPaths(shape)).toEqual(expect.arrayContaining(['nodes[0].timeoutMs', 'nodes[1].type']));

    const graphAndCode = await call('PUT', '/api/flows/bad/draft', {
      name: 'bad',
      nodes: [{ id: 'main', type: 'code', code: 'return {' }],
      edges: [{ from: 'main', to: 'ghost' }],
    });
    expect(graphAndCode.status).toBe(400);
    expect(problemPaths(graphAndCode)).toEqual(expect.arrayContaining(['edges[0].to', 'nodes[0].code']));
    const other = await call('PUT', '/api/flows/bad/draft', flow('elsewhere', 'return 1;'));
    expect(other.status).toBe(400);
    expect(problemPaths(other)).toEqual(['id']);
    expect((await call('GET', '/api/flows/bad/draft')).status).toBe(404);
  });

  test("a draft belongs to its flow's workspace: another workspace gets 404, and cannot take the id", async () => {
    expect((await call('PUT', '/api/flows/owned/draft', flow('owned', 'return 1;'))).status).toBe(200);
    expect((await call('GET', '/api/flows/owned/draft', undefined, 'beta')).status).toBe(404);
    expect((await call('DELETE', '/api/flows/owned/draft', undefined, 'beta')).status).toBe(404);
    expect((await call('POST', '/api/flows/owned/draft/runs', {}, 'beta')).status).toBe(404);
    const asBetaAdmin = await product.request('GET', '/api/flows/owned/draft', undefined, {
      authorization: `Bearer ${product.adminKey}`,
      'x-nectar-workspace': 'beta',
    });
    expect(asBetaAdmin.status).toBe(404);
    // The draft holds the id for its workspace, as a saved flow does.
    expect((await call('PUT', '/api/flows/owned/draft', flow('owned', 'return 2;'), 'beta')).status).toBe(409);
    expect((await call('PUT', '/api/flows/owned', flow('owned', 'return 2;'), 'beta')).status).toBe(409);
    expect((await call('GET', '/api/flows/owned/draft')).body.definition.nodes[0].code).toBe('return 1;');
  });

  test('deleting a flow discards its draft', async () => {
    await call('PUT', '/api/flows/doomed', flow('doomed', 'return 1;', {}));
    await call('PUT', '/api/flows/doomed/draft', flow('doomed', 'return 2;', {}));
    expect((await call('DELETE', '/api/flows/doomed')).status).toBe(204);
    expect((await call('GET', '/api/flows/doomed/draft')).status).toBe(404);
    expect((await hook('POST', '/hooks-test/doomed')).status).toBe(404);
  });

  test('a draft shows webhook credentials redacted, and a redacted one sent back keeps the secret', async () => {
    const secret = 'draft-shared-secret-123';
    await call(
      'PUT',
      '/api/flows/signed/draft',
      flow('signed', 'return { ok: true };', { auth: { type: 'hmac', secret } }),
    );
    const shown = (await call('GET', '/api/flows/signed/draft')).body.definition;
    expect(shown.triggers[0].auth.secret).toBe(REDACTED_SECRET);
    expect((await call('PUT', '/api/flows/signed/draft', { ...shown, name: 'renamed' })).status).toBe(200);
    const body = '{}';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
    const delivered = await hook('POST', '/hooks-test/signed', body, {
      'content-type': 'application/json',
      'x-nectar-signature': signature,
      'x-nectar-timestamp': timestamp,
    });
    expect(delivered.status).toBe(202);
    expect((await finishedRun(delivered.body.runId)).output).toEqual({ ok: true });
  });
});

describe('test URL and draft runs', () => {
  const SHOW = (from: string) =>
    `return { from: '${from}', source: context.trigger.source, version: context.workflowContext.flowVersion, draft: context.workflowContext.draft ?? null };`;

  test('the test URL runs the draft, the production URL the saved version; runs say which', async () => {
    await call('PUT', '/api/flows/greet', flow('greet', SHOW('saved'), { respond: 'sync' }));
    const draft = (await call('PUT', '/api/flows/greet/draft', flow('greet', SHOW('draft'), { respond: 'sync' }))).body
      .revision;

    const test = await hook('POST', '/hooks-test/greet/orders?x=1', '{}', { 'content-type': 'application/json' });
    expect(test.status).toBe(200);
    expect(test.body).toEqual({ from: 'draft', source: 'POST /hooks-test/greet/orders', version: 0, draft });
    const testRunId = test.headers.get('x-nectar-run-id')!;
    const testRun = (await call('GET', `/api/runs/${testRunId}`)).body;
    expect(testRun).toMatchObject({ status: 'completed', flowId: 'greet', draft, trigger: 'webhook' });
    expect(testRun.flowVersion).toBeUndefined();
    expect(await flowVersionAttribute(testRunId)).toBe(`draft-${draft}`);

    const production = await hook('POST', '/hooks/greet');
    expect(production.body).toEqual({ from: 'saved', source: 'POST /hooks/greet', version: 1, draft: null });
    const productionRunId = production.headers.get('x-nectar-run-id')!;
    expect((await call('GET', `/api/runs/${productionRunId}`)).body).toMatchObject({ flowVersion: 1 });
    expect((await call('GET', `/api/runs/${productionRunId}`)).body.draft).toBeUndefined();
    expect(await flowVersionAttribute(productionRunId)).toBe('1');

    const listed = await eventually(async () => {
      const runs = (await call('GET', '/api/runs?flowId=greet')).body.runs;
      return runs.length === 2 ? runs : undefined;
    });
    expect(listed.find((run: { runId: string }) => run.runId === testRunId)).toMatchObject({ draft });
    expect(listed.find((run: { runId: string }) => run.runId === productionRunId)).toMatchObject({ flowVersion: 1 });
  });

  test('a test run keeps the draft revision it started with, even when the draft is edited at once', async () => {
    const pinned = (code: string) => ({
      id: 'pinned',
      name: 'pinned',
      nodes: [
        { id: 'pause', type: 'delay', durationMs: 1_500 },
        { id: 'main', type: 'code', code },
      ],
      edges: [{ from: 'pause', to: 'main' }],
      triggers: [{ type: 'webhook' }],
    });
    const first = (await call('PUT', '/api/flows/pinned/draft', pinned(SHOW('first')))).body.revision;
    const started = await hook('POST', '/hooks-test/pinned');
    expect(started.status).toBe(202);
    const second = (await call('PUT', '/api/flows/pinned/draft', pinned(SHOW('second')))).body.revision;
    expect(second).toBe(first + 1);

    const run = await finishedRun(started.body.runId);
    expect(run).toMatchObject({ status: 'completed', draft: first, output: { from: 'first', draft: first } });
    const next = await call('POST', '/api/flows/pinned/draft/runs?wait=true', { input: {} });
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({
      status: 'completed',
      draft: second,
      output: { from: 'second', source: 'api-test', draft: second },
    });
    expect(await flowVersionAttribute(next.body.runId)).toBe(`draft-${second}`);

    // A rerun of a test run is a test run: on the same revision, or on the draft now.
    const same = await call('POST', `/api/runs/${started.body.runId}/rerun`, { version: 'same' });
    expect(same.body).toMatchObject({ rerunOf: { runId: started.body.runId }, draft: first });
    expect((await finishedRun(same.body.runId)).output.from).toBe('first');
    const latest = await call('POST', `/api/runs/${started.body.runId}/rerun`, { version: 'latest' });
    expect((await finishedRun(latest.body.runId)).output.from).toBe('second');
  });

  test("the test URL enforces the draft's trigger (auth, methods), the production URL the saved version's", async () => {
    await call('PUT', '/api/flows/guarded', flow('guarded', SHOW('saved'), {}));
    await call(
      'PUT',
      '/api/flows/guarded/draft',
      flow('guarded', SHOW('draft'), { auth: { type: 'header', value: 'draft-key-123' }, methods: ['POST'] }),
    );
    const missing = await hook('POST', '/hooks-test/guarded');
    expect(missing.status).toBe(401);
    expect((await hook('POST', '/hooks-test/guarded', undefined, { 'x-api-key': 'wrong-key-123' })).status).toBe(401);
    expect((await hook('GET', '/hooks-test/guarded', undefined, { 'x-api-key': 'draft-key-123' })).status).toBe(405);
    const allowed = await hook('POST', '/hooks-test/guarded', undefined, { 'x-api-key': 'draft-key-123' });
    expect(allowed.status).toBe(202);
    const run = await finishedRun(allowed.body.runId);
    expect(run.output).toMatchObject({ from: 'draft' });

    // The saved version's webhook has no auth and takes any method: so does its production URL, whatever the draft says.
    const production = await hook('GET', '/hooks/guarded');
    expect(production.status).toBe(202);
    expect((await finishedRun(production.body.runId)).output).toMatchObject({ from: 'saved', version: 1 });
  });

  test('without a draft, or without a webhook trigger in it, the test URL answers 404 saying so', async () => {
    const none = await hook('POST', '/hooks-test/nothing-here');
    expect(none.status).toBe(404);
    expect(none.body.error).toMatchObject({ code: 'no_draft' });
    expect(none.body.error.message).toMatch(/has no draft/);
    await call('PUT', '/api/flows/quiet/draft', flow('quiet', 'return 1;'));
    const noTrigger = await hook('POST', '/hooks-test/quiet');
    expect(noTrigger.status).toBe(404);
    expect(noTrigger.body.error).toMatchObject({ code: 'no_webhook' });
    expect(noTrigger.body.error.message).toMatch(/has no webhook trigger/);
    const noRun = await call('POST', '/api/flows/nothing-here/draft/runs', {});
    expect(noRun.status).toBe(404);
  });

  test('test runs count against the quota like any run: 429 once it is used', async () => {
    await createWorkspace('tiny', { plan: 'enterprise', limits: { executionsPerMonth: 1 } });
    expect(
      (await call('PUT', '/api/flows/tiny-draft/draft', flow('tiny-draft', 'return { ok: true };', {}), 'tiny')).status,
    ).toBe(200);
    expect((await call('POST', '/api/flows/tiny-draft/draft/runs?wait=true', {}, 'tiny')).body).toMatchObject({
      status: 'completed',
      output: { ok: true },
    });
    const refused = await call('POST', '/api/flows/tiny-draft/draft/runs', {}, 'tiny');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('quota_exceeded');
    expect((await hook('POST', '/hooks-test/tiny-draft')).status).toBe(429);
  });
});

test('the OpenAPI document lists the draft routes and the test URL', async () => {
  const doc = (await product.request('GET', '/api/openapi.json', undefined, {})).body;
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining([
      '/api/flows/{id}/draft',
      '/api/flows/{id}/draft/runs',
      '/hooks-test/{flowId}',
      '/hooks-test/{flowId}/{path}',
    ]),
  );
  expect(Object.keys(doc.paths['/api/flows/{id}/draft'])).toEqual(expect.arrayContaining(['get', 'put', 'delete']));
  expect(doc.paths['/api/flows/{id}/draft'].put.requestBody.content['application/json'].schema).toEqual({
    $ref: '#/components/schemas/FlowDefinition',
  });
  const runParameters = doc.paths['/api/flows/{id}/draft/runs'].post.parameters.map(
    (parameter: { name: string }) => parameter.name,
  );
  expect(runParameters).toEqual(expect.arrayContaining(['id', 'wait', 'timeoutMs']));
});
