/**
 * The library bridges through the whole product: NECTAR_EGRESS_ALLOW read by the worker, passed to every code
 * node; a spec sample calling a local API succeeds where the allow-list opens it, and a node reaching for the cloud
 * metadata address fails with the egress error.
 */
import express from 'express';
import { Product, startProduct } from '../support/product';
import { ENRICH_COMPANY_DATA } from '../support/seedSamples';
import { listenLocally, LocalServer } from '../support/localServer';

let api: LocalServer;
let product: Product;

beforeAll(async () => {
  const app = express();
  app.get('/companies/search', (request, response) => {
    if (request.headers.authorization !== 'Bearer zi-key')
      return void response.status(401).json({ error: 'unauthorized' });
    response.json({
      companies: [
        {
          name: `${String(request.query.name)} Corporation`,
          industry: 'Software',
          employeeCount: 1200,
          revenue: 5,
          website: 'acme.example',
        },
      ],
    });
  });
  api = await listenLocally(app);
  product = await startProduct({
    env: {
      NECTAR_EGRESS_ALLOW: '127.0.0.1',
      NECTAR_ENV_ALLOW: 'ZOOMINFO_API,ZOOMINFO_API_KEY',
      ZOOMINFO_API: api.url,
      ZOOMINFO_API_KEY: 'zi-key',
    },
  });
});

afterAll(async () => {
  await product?.stop();
  await api?.close();
});

test('a spec sample reaches an API the allow-list opens, with env from the host allow-list', async () => {
  const flow = { id: 'enrich', name: 'Enrich', nodes: [{ id: 'enrich', type: 'code', code: ENRICH_COMPANY_DATA }] };
  expect((await product.request('POST', '/api/flows', flow)).status).toBe(201);
  const response = await product.request('POST', '/api/flows/enrich/runs?wait=true', {
    input: { companyName: 'Acme' },
  });
  expect(response.body).toMatchObject({
    status: 'completed',
    output: {
      originalName: 'Acme',
      enrichedData: { officialName: 'Acme Corporation', industry: 'Software', size: 1200 },
    },
  });
});

test('a node reaching for the cloud metadata address fails with the egress error', async () => {
  const flow = {
    id: 'metadata',
    name: 'Metadata',
    nodes: [
      {
        id: 'steal',
        type: 'code',
        retry: { maximumAttempts: 1 },
        code: "const steal = async () => (await axios.get('http://169.254.169.254/latest/meta-data/iam/security-credentials/')).data;",
      },
    ],
  };
  expect((await product.request('POST', '/api/flows', flow)).status).toBe(201);
  const response = await product.request('POST', '/api/flows/metadata/runs?wait=true', { input: {} });
  expect(response.body).toMatchObject({ status: 'failed', error: { name: 'EgressError', nodeId: 'steal' } });
  expect(response.body.error.message).toMatch(
    /169\.254\.169\.254 refused: cloud metadata addresses are closed to function code/,
  );
});

test("with 127.0.0.1 open, the platform's own store and gateway stay closed to function code", async () => {
  const flow = {
    id: 'platform-probe',
    name: 'Platform probe',
    nodes: [
      {
        id: 'probe',
        type: 'code',
        retry: { maximumAttempts: 1 },
        code: `const probe = async () => {
  const attempts = {};
  try { await new MongoClient('mongodb://127.0.0.1:${product.ports.ferretdb}/nectar').connect(); attempts.store = 'connected'; }
  catch (error) { attempts.store = error.name + ': ' + error.message; }
  try { await axios.get('${product.baseUrl}/healthz'); attempts.gateway = 'reached'; }
  catch (error) { attempts.gateway = error.name + ': ' + error.message; }
  return attempts;
};`,
      },
    ],
  };
  expect((await product.request('POST', '/api/flows', flow)).status).toBe(201);
  const response = await product.request('POST', '/api/flows/platform-probe/runs?wait=true', { input: {} });
  expect(response.body).toMatchObject({
    status: 'completed',
    output: {
      store: expect.stringMatching(/^EgressError: .*platform's own services/),
      gateway: expect.stringMatching(/^EgressError: .*platform's own services/),
    },
  });
});
