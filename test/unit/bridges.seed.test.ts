/**
 * The product spec's library samples, run through the in-process executor as the spec writes them: only their URLs point at
 * local servers (an express app standing in for Salesforce and ZoomInfo, smtp-server for Gmail, FerretDB for MongoDB).
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { MongoClient as HostClient } from 'mongodb';
import { SMTPServer } from 'smtp-server';
import { requireBinary } from '../../common/binaries';
import { freePort } from '../../common/processes';
import type { ExecutionRequest } from '../../sandbox/contract';
import { InProcessExecutor } from '../../sandbox/inProcess';
import { FerretDb, startFerretDb } from '../../store/ferretdb';
import { ENRICH_COMPANY_DATA } from '../support/seedSamples';
import { listenLocally, LocalServer } from '../support/localServer';

const sandbox = new InProcessExecutor();

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-bridges-seed-'));
const mails: { to: string[]; raw: string; user?: string }[] = [];
const leads: { body: unknown; authorization?: string }[] = [];
let local: LocalServer;
let apiBase: string;
let smtp: SMTPServer;
let smtpPort: number;
let ferret: FerretDb;
let env: Record<string, string>;

beforeAll(async () => {
  const app = express();
  app.use(express.json());
  app.post('/leads', (request, response) => {
    leads.push({ body: request.body, authorization: request.headers.authorization });
    response.status(201).json({ id: '00Q5e00000ABCDE', success: true });
  });
  app.get('/companies/search', (request, response) => {
    if (request.headers.authorization !== 'Bearer zi-key')
      return void response.status(401).json({ error: 'unauthorized' });
    response.json({
      companies: [
        {
          name: `${String(request.query.name)} Corporation`,
          industry: 'Software',
          employeeCount: 1200,
          revenue: 250_000_000,
          website: 'acme.example',
        },
      ],
    });
  });
  app.get('/never', () => undefined);
  local = await listenLocally(app);
  apiBase = local.url;

  smtp = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  smtpPort = (smtp.server.address() as AddressInfo).port;

  ferret = await startFerretDb({ executable: requireBinary('ferretdb'), dataDir, port: await freePort() });
  env = {
    SALESFORCE_TOKEN: 'sf-token',
    ZOOMINFO_API: apiBase,
    ZOOMINFO_API_KEY: 'zi-key',
    EMAIL_USER: 'welcome@example.com',
    EMAIL_PASSWORD: 'app-password',
    MONGODB_URI: ferret.uri.replace('/nectar', '/crm'),
  };
});

afterAll(async () => {
  sandbox.close();
  await local?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await ferret?.process.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function run(code: string, input: unknown, options: { egress?: ExecutionRequest['egress']; timeoutMs?: number } = {}) {
  return sandbox.execute({
    nodeId: 'node',
    code,
    input,
    context: {
      trigger: { type: 'manual', payload: input },
      workflowContext: { workflowId: 'wf', nodeId: 'node' },
      steps: {},
      env,
    },
    egress: 'egress' in options ? options.egress : { allow: ['127.0.0.1'] },
    limits: options.timeoutMs ? { timeoutMs: options.timeoutMs } : undefined,
  });
}

const SYNC_TO_SALESFORCE = (url: string) => `
// Sync data with external services
const syncToSalesforce = async (input, context) => {
  const leadData = input.leadData;

  const response = await axios.post('${url}', {
    firstName: leadData.firstName,
    lastName: leadData.lastName,
    email: leadData.email,
    company: leadData.company
  }, {
    headers: {
      'Authorization': \`Bearer \${env.SALESFORCE_TOKEN}\`,
      'Content-Type': 'application/json'
    }
  });

  return {
    salesforceId: response.data.id,
    syncedAt: new Date().toISOString(),
    status: 'success'
  };
};`;

/** The spec's sample with `service: 'gmail'` replaced by the local SMTP server. */
const SEND_WELCOME_EMAIL = (port: number) => `
// Send custom notifications
const sendWelcomeEmail = async (input, context) => {
  const user = input.newUser;

  const transporter = nodemailer.createTransporter({
    host: '127.0.0.1', port: ${port}, secure: false,
    auth: {
      user: env.EMAIL_USER,
      pass: env.EMAIL_PASSWORD
    }
  });

  await transporter.sendMail({
    from: env.EMAIL_USER,
    to: user.email,
    subject: 'Welcome to Our Platform!',
    html: \`
      <h1>Welcome \${user.name}!</h1>
      <p>Thank you for joining our platform.</p>
      <p>Your account was created on \${moment().format('MMMM Do, YYYY')}.</p>
    \`
  });

  return { emailSent: true, timestamp: new Date().toISOString() };
};`;

/** The spec's one-line MongoClient sample, grown into a function in the spec's style. */
const SAVE_ORDER = `
// Database operations (MongoDB)
const saveOrder = async (input, context) => {
  const client = new MongoClient(env.MONGODB_URI);
  await client.connect();
  const orders = client.db().collection('orders');

  const { insertedId } = await orders.insertOne({ ...input.order, createdAt: new Date() });
  const recent = await orders.find({ customer: input.order.customer }).sort({ createdAt: -1 }).limit(5).toArray();
  const saved = await orders.findOne({ _id: insertedId });
  await client.close();

  return { orderId: insertedId.toString(), matches: saved._id.equals(insertedId), recentCount: recent.length, latest: recent[0] };
};`;

test('syncToSalesforce posts the lead with the bearer token and returns the new id', async () => {
  const leadData = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', company: 'Analytical Engines' };
  const outcome = await run(SYNC_TO_SALESFORCE(`${apiBase}/leads`), { leadData });
  expect(outcome).toMatchObject({
    ok: true,
    output: { salesforceId: '00Q5e00000ABCDE', status: 'success', syncedAt: expect.any(String) },
  });
  expect(leads.at(-1)).toEqual({ body: leadData, authorization: 'Bearer sf-token' });
});

test('enrichCompanyData reads env.ZOOMINFO_API and sends params and the API key', async () => {
  const outcome = await run(ENRICH_COMPANY_DATA, { companyName: 'Acme' });
  expect(outcome).toMatchObject({
    ok: true,
    output: {
      originalName: 'Acme',
      enrichedData: {
        officialName: 'Acme Corporation',
        industry: 'Software',
        size: 1200,
        revenue: 250_000_000,
        website: 'acme.example',
      },
    },
  });
});

test('sendWelcomeEmail sends through SMTP with the credentials from env', async () => {
  const outcome = await run(SEND_WELCOME_EMAIL(smtpPort), { newUser: { name: 'Ada', email: 'ada@example.com' } });
  expect(outcome).toMatchObject({ ok: true, output: { emailSent: true } });
  const mail = mails.at(-1);
  expect(mail).toMatchObject({ to: ['ada@example.com'], user: 'welcome@example.com' });
  expect(mail?.raw).toContain('Welcome Ada!');
});

test('a MongoClient function stores and reads back through env.MONGODB_URI', async () => {
  const outcome = await run(SAVE_ORDER, { order: { customer: 'acme', amount: 99 } });
  expect(outcome).toMatchObject({
    ok: true,
    output: {
      orderId: expect.stringMatching(/^[0-9a-f]{24}$/),
      matches: true,
      recentCount: 1,
      latest: { customer: 'acme', amount: 99 },
    },
  });
  if (outcome.ok) {
    const output = outcome.output as { orderId: string; latest: { _id: string; createdAt: string } };
    // Documents leave the function as JSON: ObjectIds as hex strings, Dates as ISO strings.
    expect(output.latest._id).toBe(output.orderId);
    expect(new Date(output.latest.createdAt).toISOString()).toBe(output.latest.createdAt);
  }
  const host = new HostClient(env.MONGODB_URI);
  try {
    expect(await host.db().collection('orders').countDocuments({ customer: 'acme' })).toBe(1);
  } finally {
    await host.close();
  }
});

test('without an egress allow-list the same functions are refused with a clear error, and the next execution works', async () => {
  const refused = await run(SYNC_TO_SALESFORCE(`${apiBase}/leads`), { leadData: {} }, { egress: undefined });
  expect(refused).toMatchObject({
    ok: false,
    error: { type: 'CodeError', name: 'EgressError', message: expect.stringMatching(/loopback.*NECTAR_EGRESS_ALLOW/) },
  });
  const metadata = await run(
    SYNC_TO_SALESFORCE('http://169.254.169.254/latest/meta-data/'),
    { leadData: {} },
    { egress: undefined },
  );
  expect(metadata).toMatchObject({
    ok: false,
    error: { name: 'EgressError', message: expect.stringMatching(/cloud metadata/) },
  });
  const next = await run(ENRICH_COMPANY_DATA, { companyName: 'Acme' });
  expect(next.ok).toBe(true);
});

test('a host call still pending when the node times out, or when the function returns without awaiting it, ends with the execution', async () => {
  const waiting = await run(
    `const f = async () => { await axios.get('${apiBase}/never'); return 'answered'; };`,
    null,
    { timeoutMs: 1_500 },
  );
  expect(waiting).toMatchObject({ ok: false, error: { type: 'TimeoutError' } });
  const leaked = await run(`const f = async () => { axios.get('${apiBase}/never'); return 'returned'; };`, null);
  expect(leaked).toMatchObject({ ok: true, output: 'returned' });
  const next = await run(ENRICH_COMPANY_DATA, { companyName: 'Acme' });
  expect(next.ok).toBe(true);
});
