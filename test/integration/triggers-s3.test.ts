/**
 * S3 object events end to end: versitygw (the real S3-compatible server the install step builds) posts its bucket
 * notifications to the product; SNS envelopes signed with a certificate this test makes; EventBridge and MinIO
 * shapes; the reconciliation scan finds objects whose events never arrived (the product was down).
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { freePort, sleep } from '../../common/processes';
import { snsStringToSign, SnsMessage } from '../../gateway/sources/sns';
import { eventually, Product, startProduct } from '../support/product';
import { LocalS3, newS3Credentials, s3ProductEnv, startLocalS3 } from '../support/s3';

jest.setTimeout(240_000);

const BUCKET = 'nectar-uploads';
const TOKEN = 'an-s3-notification-token';
const SOURCE = `/triggers/s3/default/uploads?token=${TOKEN}`;

let product: Product;
let s3: LocalS3;
let temporal: Client;
let env: Record<string, string>;
let snsServer: https.Server;
let snsKey: string;
let snsCertUrl: string;
let confirmations = 0;

async function inboxRuns(): Promise<string[]> {
  const ids: string[] = [];
  for await (const workflow of temporal.workflow.list({ query: `NectarFlowId = 'inbox'` }))
    ids.push(workflow.workflowId);
  return ids.sort();
}

async function settleAt(count: number): Promise<string[]> {
  return eventually(async () => {
    const ids = await inboxRuns();
    if (ids.length > count) throw new Error(`${ids.length} runs, expected ${count}`);
    return ids.length === count ? ids : undefined;
  }, 60_000);
}

async function payloadOf(runId: string): Promise<any> {
  return eventually(async () => {
    const run = await product.request('GET', `/api/runs/${runId}`);
    return run.body.status === 'completed' ? run.body.output.trigger.payload : undefined;
  });
}

async function payloads(): Promise<any[]> {
  return Promise.all((await inboxRuns()).map(payloadOf));
}

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${product.baseUrl}${url}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));
}

const put = (key: string, body: string) =>
  s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

function awsRecord(key: string, eTag: string, extra: Record<string, unknown> = {}) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    eventName: 'ObjectCreated:Put',
    eventTime: '2026-12-02T00:00:00.000Z',
    s3: { bucket: { name: BUCKET }, object: { key, size: 3, eTag, sequencer: '0A1B2C', ...extra } },
  };
}

function signedSns(fields: Partial<SnsMessage>): SnsMessage {
  const message = {
    MessageId: crypto.randomUUID(),
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:uploads',
    Timestamp: new Date().toISOString(),
    SignatureVersion: '2',
    SigningCertURL: snsCertUrl,
    Signature: '',
    Message: '',
    ...fields,
  } as SnsMessage;
  message.Signature = crypto.createSign('RSA-SHA256').update(snsStringToSign(message)).sign(snsKey, 'base64');
  return message;
}

beforeAll(async () => {
  // A certificate for SNS signatures and for the HTTPS host that serves it (trusted by the product through NODE_EXTRA_CA_CERTS).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-sns-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  snsKey = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
  const certificate = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  snsServer = https.createServer({ key: snsKey, cert: certificate }, (request, response) => {
    if (request.url === '/SimpleNotificationService-test.pem') response.end(certificate);
    else if (request.url?.startsWith('/confirm')) {
      confirmations++;
      response.end('<ConfirmSubscriptionResponse/>');
    } else response.writeHead(404).end();
  });
  const snsPort = await freePort();
  await new Promise<void>((resolve) => snsServer.listen(snsPort, '127.0.0.1', resolve));
  snsCertUrl = `https://127.0.0.1:${snsPort}/SimpleNotificationService-test.pem`;

  const s3Port = await freePort();
  const gatewayPort = await freePort();
  const credentials = newS3Credentials();
  env = {
    ...s3ProductEnv(s3Port, BUCKET, credentials),
    NECTAR_SNS_CERT_HOSTS: `127.0.0.1:${snsPort}`,
    NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem'),
  };
  product = await startProduct({ gatewayPort, env });
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  // versitygw sends a test event when it starts, so the product answers before it does.
  s3 = await startLocalS3(BUCKET, {
    port: s3Port,
    credentials,
    eventWebhookUrl: `http://127.0.0.1:${gatewayPort}${SOURCE}`,
  });
  await product.request('PUT', '/api/variables/S3_TOKEN', { value: TOKEN });
  const flow = {
    id: 'inbox',
    name: 'Inbox',
    nodes: [{ id: 'capture', type: 'code', code: 'return { trigger: context.trigger };' }],
    triggers: [
      {
        type: 's3',
        source: 'uploads',
        bucket: BUCKET,
        events: ['created', 'removed'],
        prefix: 'default/incoming/',
        suffix: '.csv',
        tokenVariable: 'S3_TOKEN',
        scanIntervalMs: 5_000,
      },
    ],
  };
  expect((await product.request('POST', '/api/flows', flow)).status).toBe(201);
  // The scan's first pass marks where the trigger starts.
  await eventually(async () =>
    (await product.request('GET', '/api/flows/inbox/triggers')).body.triggers[0]?.position ? true : undefined,
  );
});

afterAll(async () => {
  await temporal?.connection.close();
  await product?.stop();
  await s3?.stop();
  snsServer?.close();
});

test('an object created in the bucket starts one run with bucket, key, size and ETag, and the run can read it', async () => {
  await put('default/incoming/a.csv', 'id,total\n1,10\n');
  const [runId] = await settleAt(1);
  const payload = await payloadOf(runId);
  expect(payload).toMatchObject({ bucket: BUCKET, key: 'default/incoming/a.csv', size: 14 });
  // The event's, unless the reconciliation scan came first (the same run either way).
  expect(payload.eventName).toMatch(/^ObjectCreated:(Put|Scan)$/);
  expect(payload.eTag).toMatch(/^[a-f0-9]{32}$/);
  const read = await fetch(`${product.baseUrl}${payload.object.url}`, {
    headers: { authorization: `Bearer ${product.adminKey}` },
  });
  expect(await read.text()).toBe('id,total\n1,10\n');
  const outside = await fetch(`${product.baseUrl}/api/s3-objects?key=${encodeURIComponent('other/secret.csv')}`, {
    headers: { authorization: `Bearer ${product.adminKey}` },
  });
  expect(outside.status).toBe(404);
});

test('filters: another suffix or prefix starts nothing; a removal starts one run', async () => {
  await put('default/incoming/notes.txt', 'x');
  await put('default/elsewhere/b.csv', 'x');
  await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'default/incoming/a.csv' }));
  await settleAt(2);
  expect((await payloads()).map((payload) => payload.eventName.split(':')[0]).sort()).toEqual([
    'ObjectCreated',
    'ObjectRemoved',
  ]);
});

test('a redelivered record starts nothing; keys are URL-decoded; a bad token 401, a malformed body 400, the test event nothing', async () => {
  const [created] = (await payloads()).filter((payload) => payload.eventName.startsWith('ObjectCreated:'));
  const again = await post(SOURCE, { Records: [awsRecord('default/incoming/a.csv', `"${created.eTag}"`)] });
  expect(again).toEqual({
    status: 200,
    body: { runs: [expect.objectContaining({ flowId: 'inbox', duplicate: true })] },
  });
  const spaced = await post(SOURCE, {
    Records: [awsRecord('default/incoming/my+report%282%29.csv', '"0123456789abcdef0123456789abcdef"')],
  });
  expect(spaced.body.runs).toHaveLength(1);
  expect(await payloadOf(spaced.body.runs[0].runId)).toMatchObject({ key: 'default/incoming/my report(2).csv' });
  expect(
    (await post('/triggers/s3/default/uploads?token=wrong', { Records: [awsRecord('default/incoming/x.csv', '"1"')] }))
      .status,
  ).toBe(401);
  expect((await post(SOURCE, 'not json')).status).toBe(400);
  expect((await post(SOURCE, { Records: [{ eventName: 'ObjectCreated:Put' }] })).status).toBe(400);
  expect(await post(SOURCE, { Service: 'S3', Event: 's3:TestEvent', Bucket: BUCKET })).toEqual({
    status: 200,
    body: { runs: [] },
  });
  await settleAt(3);
});

test('EventBridge "Object Created" and MinIO notifications start runs too', async () => {
  const eventBridge = {
    version: '0',
    id: 'eb-1',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    time: '2026-12-02T00:00:00Z',
    detail: {
      bucket: { name: BUCKET },
      object: { key: 'default/incoming/eb.csv', size: 5, etag: 'ebebebebebebebebebebebebebebebeb', sequencer: '01' },
      reason: 'PutObject',
    },
  };
  const minio = {
    EventName: 's3:ObjectCreated:Put',
    Key: `${BUCKET}/default/incoming/minio.csv`,
    Records: [
      {
        ...awsRecord('default/incoming/minio.csv', 'abababababababababababababababab'),
        eventName: 's3:ObjectCreated:Put',
      },
    ],
  };
  expect((await post(SOURCE, eventBridge)).body.runs).toHaveLength(1);
  expect((await post(SOURCE, minio, { authorization: `Bearer ${TOKEN}` })).body.runs).toHaveLength(1);
  await settleAt(5);
  const keys = (await payloads()).map((payload) => payload.key);
  expect(keys).toEqual(expect.arrayContaining(['default/incoming/eb.csv', 'default/incoming/minio.csv']));
});

test('SNS: a subscription is confirmed once its signature verifies; a signed notification starts a run, its retry none; a bad signature 401', async () => {
  const confirmation = signedSns({
    Type: 'SubscriptionConfirmation',
    Message: 'confirm',
    Token: 'tok',
    SubscribeURL: `${new URL(snsCertUrl).origin}/confirm?Token=tok`,
  });
  const confirmed = await post(SOURCE, JSON.stringify(confirmation), {
    'content-type': 'text/plain',
    'x-amz-sns-message-type': 'SubscriptionConfirmation',
  });
  expect(confirmed.status).toBe(200);
  expect(confirmations).toBe(1);
  const notification = signedSns({
    Type: 'Notification',
    Subject: 'Amazon S3 Notification',
    Message: JSON.stringify({ Records: [awsRecord('default/incoming/sns.csv', '"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"')] }),
  });
  const headers = { 'content-type': 'text/plain', 'x-amz-sns-message-type': 'Notification' };
  const first = await post(SOURCE, JSON.stringify(notification), headers);
  expect(first.body.runs).toEqual([expect.objectContaining({ duplicate: false })]);
  const retry = await post(SOURCE, JSON.stringify(notification), headers);
  expect(retry.body.runs).toEqual([expect.objectContaining({ runId: first.body.runs[0].runId, duplicate: true })]);
  const forged = {
    ...notification,
    Message: JSON.stringify({
      Records: [awsRecord('default/incoming/forged.csv', '"efefefefefefefefefefefefefefefef"')],
    }),
  };
  expect((await post(SOURCE, JSON.stringify(forged), headers)).status).toBe(401);
  const elsewhere = signedSns({
    Type: 'Notification',
    Message: '{}',
    SigningCertURL: 'https://evil.example.com/cert.pem',
  });
  expect((await post(SOURCE, JSON.stringify(elsewhere), headers)).status).toBe(401);
  await settleAt(6);
});

test('paused, deliveries are refused (503) and no run starts; resumed, the scan catches up', async () => {
  expect((await product.request('POST', '/api/flows/inbox/triggers/s3/pause')).body.status).toBe('paused');
  const refused = await post(SOURCE, {
    Records: [awsRecord('default/incoming/paused-by-hand.csv', '"12121212121212121212121212121212"')],
  });
  expect(refused.status).toBe(503);
  await put('default/incoming/while-paused.csv', 'p');
  await sleep(7_000);
  expect(await inboxRuns()).toHaveLength(6);
  const resumed = await product.request('POST', '/api/flows/inbox/triggers/s3/resume');
  expect(resumed.body.resume).toMatch(/next scan/);
  await settleAt(7);
  expect((await payloads()).find((payload) => payload.key === 'default/incoming/while-paused.csv')?.eventName).toBe(
    'ObjectCreated:Scan',
  );
});

test('objects created while the product is down are found by the reconciliation scan, each run exactly once', async () => {
  await product.stop();
  await put('default/incoming/while-down-1.csv', 'one');
  await put('default/incoming/while-down-2.csv', 'two');
  await temporal.connection.close();
  product = await startProduct({
    dataDir: product.dataDir,
    adminKey: product.adminKey,
    gatewayPort: new URL(product.baseUrl).port ? Number(new URL(product.baseUrl).port) : undefined,
    env,
  });
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  await settleAt(9);
  const found = (await payloads()).filter((payload) => payload.key.includes('while-down'));
  expect(found.map((payload) => payload.key).sort()).toEqual([
    'default/incoming/while-down-1.csv',
    'default/incoming/while-down-2.csv',
  ]);
  expect(found.every((payload) => payload.eventName === 'ObjectCreated:Scan')).toBe(true);
  // Later scans see the same objects again and start nothing.
  await sleep(6_000);
  expect(await inboxRuns()).toHaveLength(9);
});
