/** `GET /api/openapi.json`: generated from the zod schemas that validate requests, every reference resolvable. */
import { Product, startProduct } from '../support/product';

let product: Product;

beforeAll(async () => {
  product = await startProduct();
});

afterAll(async () => {
  await product?.stop();
});

function references(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => references(item, found));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.push(child);
      else references(child, found);
    }
  }
  return found;
}

test('the document lists the API with its schemas, and every $ref resolves', async () => {
  const response = await product.request('GET', '/api/openapi.json', undefined, {});
  expect(response.status).toBe(200);
  const doc = response.body;
  expect(doc.openapi).toBe('3.1.0');
  for (const path of [
    '/api/flows',
    '/api/flows/{id}',
    '/api/flows/{id}/runs',
    '/api/runs',
    '/api/runs/{runId}/stream',
    '/api/flows/{id}/schedules/{triggerId}/backfill',
    '/hooks/{flowId}',
    '/api/workspaces/{workspaceId}/keys',
    '/api/variables/{name}',
    '/readyz',
  ]) {
    expect(Object.keys(doc.paths)).toContain(path);
  }
  const flow = doc.components.schemas.FlowDefinition;
  expect(flow.required).toEqual(expect.arrayContaining(['id', 'name', 'nodes']));
  expect(Object.keys(flow.properties)).toEqual(expect.arrayContaining(['nodes', 'edges', 'triggers']));
  expect(doc.paths['/api/flows'].post.requestBody.content['application/json'].schema).toEqual({
    $ref: '#/components/schemas/FlowDefinition',
  });
  const listParameters = doc.paths['/api/runs'].get.parameters.map(
    (parameter: { name: string; in: string }) => `${parameter.in}:${parameter.name}`,
  );
  expect(listParameters).toEqual(
    expect.arrayContaining(['query:flowId', 'query:status', 'query:trigger', 'query:pageToken']),
  );
  const status = doc.paths['/api/runs'].get.parameters.find(
    (parameter: { name: string }) => parameter.name === 'status',
  );
  expect(status.schema.enum).toContain('completed');
  // The run debugger's answers are described by the zod schemas the studio's client is typed from.
  const answer = (path: string, code = '200') => doc.paths[path].get.responses[code].content['application/json'].schema;
  expect(answer('/api/runs/{runId}')).toEqual({ $ref: '#/components/schemas/RunViewAnswer' });
  expect(answer('/api/runs/{runId}/attempts')).toEqual({ $ref: '#/components/schemas/RunAttemptsAnswer' });
  expect(answer('/api/runs')).toEqual({ $ref: '#/components/schemas/RunListAnswer' });
  expect(Object.keys(doc.components.schemas.NodeViewAnswer.properties)).toEqual(
    expect.arrayContaining(['state', 'pendingRecord', 'output', 'error']),
  );
  expect(Object.keys(doc.paths)).toContain('/api/runs/live');
  for (const ref of references(doc)) {
    const match = /^#\/components\/schemas\/(.+)$/.exec(ref);
    expect(match).not.toBeNull();
    expect(doc.components.schemas[match![1]]).toBeDefined();
  }
});

test('what the document says is what the API enforces', async () => {
  const doc = (await product.request('GET', '/api/openapi.json', undefined, {})).body;
  const pageSize = doc.paths['/api/runs'].get.parameters.find(
    (parameter: { name: string }) => parameter.name === 'pageSize',
  );
  const tooBig = await product.request('GET', `/api/runs?pageSize=${pageSize.schema.maximum + 1}`);
  expect(tooBig.status).toBe(400);
  expect(tooBig.body.error.problems[0].path).toBe('query.pageSize');
  const backfill = doc.components.schemas.BackfillBody;
  expect(backfill.additionalProperties).toBe(false);
  const extra = await product.request('POST', '/api/flows/x/schedules/cron/backfill', {
    start: '2026-01-01T00:00:00Z',
    end: '2026-01-02T00:00:00Z',
    when: 'now',
  });
  expect(extra.status).toBe(400);
});
