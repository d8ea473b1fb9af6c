/**
 * `Idempotency-Key` on the API's run starts (a flow's runs, a draft's test runs, reruns): a client that retries a start
 * with the same key gets the first run, never a second; a key that is not one is refused with 400 naming the header.
 */
import { eventually, Product, startProduct } from '../support/product';

let product: Product;

const FLOW = {
  id: 'keyed',
  name: 'keyed',
  nodes: [{ id: 'echo', type: 'code', code: 'return { got: input };' }],
  triggers: [{ type: 'webhook', auth: { type: 'none' }, respond: 'async' }],
};

function start(path: string, key: string | undefined, body: unknown = { input: { n: 1 } }) {
  return product.request('POST', path, body, {
    authorization: `Bearer ${product.adminKey}`,
    'content-type': 'application/json',
    ...(key === undefined ? {} : { 'idempotency-key': key }),
  });
}

async function closed(runId: string) {
  return eventually(async () => {
    const run = await product.request('GET', `/api/runs/${runId}`);
    return run.status === 200 && run.body.status !== 'running' ? run.body : undefined;
  }, 90_000);
}

/** The flow's runs Temporal knows, once every run id in `expected` is listed (visibility lags behind a start). */
async function runIdsOf(flowId: string, expected: string[]): Promise<string[]> {
  return eventually(async () => {
    const listed = await product.request('GET', `/api/runs?flowId=${flowId}&pageSize=100`);
    const ids: string[] = listed.body.runs.map((run: { runId: string }) => run.runId);
    return expected.every((id) => ids.includes(id)) ? ids.sort() : undefined;
  }, 60_000);
}

beforeAll(async () => {
  product = await startProduct();
  expect((await product.request('PUT', '/api/flows/keyed', FLOW)).status).toBe(200);
  expect((await product.request('PUT', '/api/flows/keyed/draft', FLOW)).status).toBe(200);
});

afterAll(async () => {
  await product?.stop();
});

describe('POST /api/flows/:id/runs', () => {
  let first: string;

  test('the same key answers the first run, marked Idempotent-Replayed, even after it closed', async () => {
    const once = await start('/api/flows/keyed/runs', 'order-17');
    expect(once.status).toBe(202);
    expect(once.headers.get('idempotent-replayed')).toBeNull();
    first = once.body.runId;
    const again = await start('/api/flows/keyed/runs', 'order-17', { input: { n: 2 } });
    expect(again.status).toBe(202);
    expect(again.body.runId).toBe(first);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await closed(first)).output).toEqual({ got: { n: 1 } });
    const afterwards = await start('/api/flows/keyed/runs', 'order-17');
    expect(afterwards.body.runId).toBe(first);
  });

  test('another key, or none, starts another run; the keyed retries made none', async () => {
    const other = await start('/api/flows/keyed/runs', 'order-18');
    const unkeyed = await start('/api/flows/keyed/runs', undefined);
    expect(new Set([first, other.body.runId, unkeyed.body.runId]).size).toBe(3);
    await closed(other.body.runId);
    await closed(unkeyed.body.runId);
    const ids = await runIdsOf('keyed', [first, other.body.runId, unkeyed.body.runId]);
    expect(ids).toEqual([first, other.body.runId, unkeyed.body.runId].sort());
  });

  test('with wait=true a retry waits for and answers the first run', async () => {
    const once = await start('/api/flows/keyed/runs?wait=true', 'waited-1');
    const again = await start('/api/flows/keyed/runs?wait=true', 'waited-1', { input: { n: 9 } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ runId: once.body.runId, status: 'completed', output: { got: { n: 1 } } });
  });

  test.each([
    ['empty', ''],
    ['longer than 200 characters', 'k'.repeat(201)],
    ['with a space', 'order 17'],
    ['with a tab', 'order\t17'],
  ])('a key %s answers 400 naming the header', async (_what, key) => {
    const refused = await start('/api/flows/keyed/runs', key);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(refused.body.error.problems[0].path).toBe('headers.idempotency-key');
  });
});

describe('draft runs and reruns', () => {
  test('a draft run retried with its key answers the first; the same key on the production URL is another run', async () => {
    const draft = await start('/api/flows/keyed/draft/runs', 'shared-key');
    const retried = await start('/api/flows/keyed/draft/runs', 'shared-key');
    expect(retried.body.runId).toBe(draft.body.runId);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    const production = await start('/api/flows/keyed/runs', 'shared-key');
    expect(production.body.runId).not.toBe(draft.body.runId);
    expect((await closed(draft.body.runId)).draft).toEqual(expect.any(Number));
  });

  test('a rerun retried with its key answers the first rerun', async () => {
    const original = await start('/api/flows/keyed/runs', 'to-rerun');
    await closed(original.body.runId);
    const rerun = await start(`/api/runs/${original.body.runId}/rerun`, 'rerun-1', {});
    expect(rerun.status).toBe(202);
    const retried = await start(`/api/runs/${original.body.runId}/rerun`, 'rerun-1', {});
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual(rerun.body);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(rerun.body.runId).not.toBe(original.body.runId);
  });
});

describe('webhooks and the document', () => {
  test('a webhook refuses a key that is not one, naming the header', async () => {
    const refused = await product.request(
      'POST',
      '/hooks/keyed',
      { n: 1 },
      {
        'content-type': 'application/json',
        'idempotency-key': 'two words',
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.problems[0].path).toBe('headers.idempotency-key');
  });

  test('the OpenAPI document names the header on every run start', async () => {
    const document = (await product.request('GET', '/api/openapi.json')).body;
    for (const [path, method] of [
      ['/api/flows/{id}/runs', 'post'],
      ['/api/flows/{id}/draft/runs', 'post'],
      ['/api/runs/{runId}/rerun', 'post'],
      ['/hooks/{flowId}', 'post'],
    ]) {
      const parameters = document.paths[path][method].parameters as { name: string; in: string; schema: any }[];
      expect({ path, header: parameters.find((parameter) => parameter.in === 'header') }).toMatchObject({
        path,
        header: { name: 'idempotency-key', schema: { maxLength: 200 } },
      });
    }
  });
});
