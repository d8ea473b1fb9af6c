/**
 * Multipart webhook uploads kept in an S3-compatible bucket (a real versitygw on a free port): the run sees the same
 * reference as with local storage, the bytes are in the bucket under the workspace's prefix, the API serves them to
 * that workspace only, and function code never sees the bucket's keys.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eventually, Product, startProduct } from '../support/product';
import { LocalS3, startLocalS3 } from '../support/s3';

let s3: LocalS3;
let product: Product;
const keys: Record<string, string> = {};
const as = (workspace: string) => ({ authorization: `Bearer ${keys[workspace]}`, 'content-type': 'application/json' });

beforeAll(async () => {
  s3 = await startLocalS3();
  product = await startProduct({
    env: {
      ...s3.productEnv,
      // Allow-listed on purpose: the block-list must win for the platform's own keys.
      NECTAR_ENV_ALLOW: 'NECTAR_UPLOADS_S3_ACCESS_KEY_ID,NECTAR_UPLOADS_S3_SECRET_ACCESS_KEY,NECTAR_TEST_VISIBLE',
      NECTAR_TEST_VISIBLE: 'shown',
    },
  });
  for (const id of ['acme', 'globex']) {
    expect((await product.request('POST', '/api/workspaces', { id, name: id })).status).toBe(201);
    keys[id] = (await product.request('POST', `/api/workspaces/${id}/keys`, { name: 'ci' })).body.key;
  }
});

afterAll(async () => {
  await product?.stop();
  await s3?.stop();
});

async function finishedRun(runId: string, workspace: string): Promise<any> {
  return eventually(async () => {
    const run = await product.request('GET', `/api/runs/${runId}`, undefined, as(workspace));
    return run.body.status === 'completed' || run.body.status === 'failed' ? run.body : undefined;
  });
}

test('an upload is stored in the bucket under its workspace, reaches the run as a reference and downloads for that workspace only', async () => {
  const flow = {
    id: 's3-upload-hook',
    name: 'S3 upload',
    nodes: [{ id: 'files', type: 'code', code: 'return { fields: input.body.fields, files: input.body.files };' }],
    triggers: [{ type: 'webhook' }],
  };
  expect((await product.request('PUT', `/api/flows/${flow.id}`, flow, as('acme'))).status).toBe(200);
  const bytes = crypto.randomBytes(300_000);
  const form = new FormData();
  form.append('note', 'scan');
  form.append('scan', new Blob([bytes], { type: 'image/png' }), 'scan.png');
  const response = await fetch(`${product.baseUrl}/hooks/${flow.id}`, { method: 'POST', body: form });
  expect(response.status).toBe(202);
  const run = await finishedRun(((await response.json()) as { runId: string }).runId, 'acme');
  expect(run.status).toBe('completed');
  expect(run.output.fields).toEqual({ note: 'scan' });
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const [file] = run.output.files;
  expect(file).toEqual({
    uploadId: expect.stringMatching(/^upl_[a-f0-9]{24}$/),
    field: 'scan',
    filename: 'scan.png',
    contentType: 'image/png',
    size: 300_000,
    sha256,
    storage: 's3',
    url: `/api/uploads/${file.uploadId}`,
  });

  const stored = await s3.read(`acme/${file.uploadId}`);
  expect(stored && crypto.createHash('sha256').update(stored).digest('hex')).toBe(sha256);
  expect(fs.existsSync(path.join(product.dataDir, 'uploads', 'acme', file.uploadId))).toBe(false);

  const download = await fetch(`${product.baseUrl}${file.url}`, { headers: as('acme') });
  expect(download.status).toBe(200);
  expect(download.headers.get('content-type')).toBe('image/png');
  expect(download.headers.get('content-disposition')).toContain('scan.png');
  expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  for (const other of [as('globex'), { authorization: `Bearer ${product.adminKey}` }]) {
    const refused = await fetch(`${product.baseUrl}${file.url}`, { headers: other });
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('not_found');
  }
});

test("function code sees neither the bucket's keys nor any value of them, through env or context.env", async () => {
  const flow = {
    id: 'env-probe',
    name: 'env probe',
    nodes: [
      {
        id: 'probe',
        type: 'code',
        code: 'return { names: Object.keys(env), contextNames: Object.keys(context.env), text: JSON.stringify([env, context.env]) };',
      },
    ],
  };
  expect((await product.request('PUT', `/api/flows/${flow.id}`, flow, as('acme'))).status).toBe(200);
  const started = await product.request('POST', `/api/flows/${flow.id}/runs?wait=true`, { input: {} }, as('acme'));
  expect(started.body.status).toBe('completed');
  const { names, contextNames, text } = started.body.output;
  expect(names).toContain('NECTAR_TEST_VISIBLE'); // the allow-list itself works
  for (const list of [names, contextNames])
    expect(list.filter((name: string) => name.startsWith('NECTAR_UPLOADS_S3_'))).toEqual([]);
  expect(text).not.toContain(s3.secretAccessKey);
  expect(text).not.toContain(s3.accessKeyId);
});
