/**
 * Events pushed by third parties: Standard Webhooks and Stripe signatures, Salesforce outbound messages. One run per
 * event; a redelivery answers the first run; a bad signature or unknown organization 401 and a malformed body 400,
 * starting nothing; a paused trigger refuses with 503 so the sender delivers again after resume.
 */
import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { signStandardWebhook, signStripe } from '../../gateway/sources/signatures';
import { SALESFORCE_ACK } from '../../gateway/sources/salesforceSource';
import { eventually, Product, startProduct } from '../support/product';

jest.setTimeout(180_000);

let product: Product;
let temporal: Client;

const ECHO = [{ id: 'capture', type: 'code', code: 'return { trigger: context.trigger, input };' }];
const OLD_SECRET = `whsec_${crypto.randomBytes(24).toString('base64')}`;
const NEW_SECRET = `whsec_${crypto.randomBytes(24).toString('base64')}`;
const STRIPE_SECRET = `whsec_${crypto.randomBytes(16).toString('hex')}`;
const ORG = '00D000000000062EAA';

async function runsOf(flowId: string, startedSince?: string): Promise<string[]> {
  const ids: string[] = [];
  const since = startedSince ? ` AND StartTime >= '${startedSince}'` : '';
  for await (const workflow of temporal.workflow.list({ query: `NectarFlowId = '${flowId}'${since}` }))
    ids.push(workflow.workflowId);
  return ids.sort();
}

/** The flow's runs once at least `count` are listed (visibility is written a moment after a start). */
async function listed(flowId: string, count: number): Promise<string[]> {
  return eventually(async () => {
    const ids = await runsOf(flowId);
    return ids.length >= count ? ids : undefined;
  });
}

async function outputOf(runId: string): Promise<any> {
  return eventually(async () => {
    const run = await product.request('GET', `/api/runs/${runId}`);
    return run.body.status === 'completed' ? run.body.output : undefined;
  });
}

function post(path: string, body: string | Buffer, headers: Record<string, string>) {
  return fetch(`${product.baseUrl}${path}`, { method: 'POST', body, headers }).then(async (response) => ({
    status: response.status,
    text: await response.text(),
    type: response.headers.get('content-type'),
  }));
}

function standardHeaders(secret: string, id: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signStandardWebhook(secret, id, timestamp, body),
  };
}

function envelope(
  org: string,
  notifications: Array<{ id: string; type: string; fields: Record<string, string | null> }>,
): string {
  const items = notifications
    .map(({ id, type, fields }) => {
      const values = Object.entries(fields)
        .map(([name, value]) => (value === null ? `<sf:${name} xsi:nil="true"/>` : `<sf:${name}>${value}</sf:${name}>`))
        .join('');
      return `<Notification><Id>${id}</Id><sObject xsi:type="sf:${type}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">${values}</sObject></Notification>`;
    })
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    '<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">' +
    `<OrganizationId>${org}</OrganizationId><ActionId>04k000000000001AAA</ActionId><SessionId xsi:nil="true"/>` +
    '<EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/59.0/00D000000000062</EnterpriseUrl>' +
    '<PartnerUrl>https://example.my.salesforce.com/services/Soap/u/59.0/00D000000000062</PartnerUrl>' +
    `${items}</notifications></soapenv:Body></soapenv:Envelope>`
  );
}

beforeAll(async () => {
  product = await startProduct();
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  await product.request('PUT', '/api/variables/ZOOMINFO_SECRET', { value: OLD_SECRET });
  await product.request('PUT', '/api/variables/STRIPE_SECRET', { value: STRIPE_SECRET });
  await product.request('PUT', '/api/variables/SF_TOKEN', { value: 'a-long-url-token-1234' });
  const flows = [
    {
      id: 'zi-contacts',
      name: 'ZoomInfo contacts',
      nodes: ECHO,
      triggers: [
        { type: 'signed', source: 'zoominfo', secretVariable: 'ZOOMINFO_SECRET', events: ['contact.created'] },
      ],
    },
    {
      id: 'zi-everything',
      name: 'ZoomInfo, all events',
      nodes: ECHO,
      triggers: [{ type: 'signed', source: 'zoominfo', secretVariable: 'ZOOMINFO_SECRET' }],
    },
    {
      id: 'payments',
      name: 'Payments',
      nodes: ECHO,
      triggers: [
        {
          type: 'signed',
          source: 'stripe',
          scheme: 'stripe',
          secretVariable: 'STRIPE_SECRET',
          events: ['payment_intent.succeeded'],
        },
      ],
    },
    {
      id: 'sf-accounts',
      name: 'Accounts',
      nodes: ECHO,
      triggers: [
        { type: 'salesforce', source: 'crm', organizationId: ORG, tokenVariable: 'SF_TOKEN', objects: ['Account'] },
      ],
    },
  ];
  for (const flow of flows) expect((await product.request('POST', '/api/flows', flow)).status).toBe(201);
});

afterAll(async () => {
  await temporal?.connection.close();
  await product?.stop();
});

describe('Standard Webhooks', () => {
  const body = JSON.stringify({
    type: 'contact.created',
    timestamp: '2026-12-02T00:00:00Z',
    data: { id: 'c-1', email: 'ada@example.com' },
  });

  test('a signed event starts one run per subscribing flow, with the event as payload; a redelivery starts none', async () => {
    const first = await post('/triggers/signed/default/zoominfo', body, standardHeaders(OLD_SECRET, 'msg_1', body));
    expect(first.status).toBe(200);
    const runs = JSON.parse(first.text).runs;
    expect(runs.map((run: { flowId: string }) => run.flowId).sort()).toEqual(['zi-contacts', 'zi-everything']);
    expect(runs.every((run: { duplicate: boolean }) => !run.duplicate)).toBe(true);
    const output = await outputOf(runs[0].runId);
    expect(output.trigger).toEqual({
      type: 'signed',
      source: 'signed zoominfo contact.created',
      payload: JSON.parse(body),
    });
    const again = await post('/triggers/signed/default/zoominfo', body, standardHeaders(OLD_SECRET, 'msg_1', body));
    expect(again.status).toBe(200);
    const replayed = JSON.parse(again.text).runs;
    expect(replayed.map((run: { runId: string }) => run.runId).sort()).toEqual(
      runs.map((run: { runId: string }) => run.runId).sort(),
    );
    expect(replayed.every((run: { duplicate: boolean }) => run.duplicate)).toBe(true);
    expect(await listed('zi-contacts', 1)).toHaveLength(1);
  });

  test('a type only one flow subscribes to starts only that one', async () => {
    const updated = JSON.stringify({ type: 'contact.updated', data: { id: 'c-1' } });
    const answer = await post(
      '/triggers/signed/default/zoominfo',
      updated,
      standardHeaders(OLD_SECRET, 'msg_2', updated),
    );
    expect(JSON.parse(answer.text).runs.map((run: { flowId: string }) => run.flowId)).toEqual(['zi-everything']);
  });

  test('while a secret is rotated, either one verifies', async () => {
    await product.request('PUT', '/api/variables/ZOOMINFO_SECRET', { value: `${OLD_SECRET} ${NEW_SECRET}` });
    const answer = await post('/triggers/signed/default/zoominfo', body, standardHeaders(NEW_SECRET, 'msg_3', body));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).runs).toHaveLength(2);
  });

  test('a bad signature, a stale timestamp or missing headers get 401; a signed body that is not JSON 400; none starts a run', async () => {
    // Runs are listed from Temporal's visibility, written after the start: earlier tests' runs may still appear, so
    // this counts runs started from here on, and ends with a good delivery whose run, once listed, shows the list
    // has caught up with every request before it.
    const since = new Date().toISOString();
    const wrong = `whsec_${crypto.randomBytes(24).toString('base64')}`;
    expect((await post('/triggers/signed/default/zoominfo', body, standardHeaders(wrong, 'msg_4', body))).status).toBe(
      401,
    );
    const stale = await post(
      '/triggers/signed/default/zoominfo',
      body,
      standardHeaders(OLD_SECRET, 'msg_5', body, Math.floor(Date.now() / 1000) - 600),
    );
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.text).error.message).toMatch(/timestamp/);
    expect((await post('/triggers/signed/default/zoominfo', body, { 'content-type': 'application/json' })).status).toBe(
      401,
    );
    const tampered = standardHeaders(OLD_SECRET, 'msg_6', body);
    expect((await post('/triggers/signed/default/zoominfo', body.replace('ada', 'eve'), tampered)).status).toBe(401);
    const notJson = 'type=contact.created';
    expect(
      (await post('/triggers/signed/default/zoominfo', notJson, standardHeaders(OLD_SECRET, 'msg_7', notJson))).status,
    ).toBe(400);
    const good = JSON.stringify({ type: 'contact.updated', data: { id: 'c-after' } });
    const accepted = await post('/triggers/signed/default/zoominfo', good, standardHeaders(OLD_SECRET, 'msg_8', good));
    expect(accepted.status).toBe(200);
    const goodRun: string = JSON.parse(accepted.text).runs[0].runId;
    const started = await eventually(async () => {
      const ids = await runsOf('zi-everything', since);
      return ids.includes(goodRun) ? ids : undefined;
    });
    expect(started).toEqual([goodRun]);
  });

  test('an unknown source is 404', async () => {
    expect(
      (await post('/triggers/signed/default/nobody', body, standardHeaders(OLD_SECRET, 'msg_8', body))).status,
    ).toBe(404);
  });
});

describe('Stripe signatures', () => {
  const event = { id: 'evt_1', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1', amount: 2000 } } };
  const body = JSON.stringify(event);

  test('a signed event starts one run keyed by its id; a redelivery none; a bad signature 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const first = await post('/triggers/signed/default/stripe', body, {
      'content-type': 'application/json',
      'stripe-signature': signStripe(STRIPE_SECRET, now, body),
    });
    expect(first.status).toBe(200);
    const [run] = JSON.parse(first.text).runs;
    expect((await outputOf(run.runId)).input).toEqual(event);
    const again = await post('/triggers/signed/default/stripe', body, {
      'content-type': 'application/json',
      'stripe-signature': signStripe(STRIPE_SECRET, now + 5, body),
    });
    expect(JSON.parse(again.text).runs).toEqual([{ ...run, duplicate: true }]);
    const bad = await post('/triggers/signed/default/stripe', body, {
      'content-type': 'application/json',
      'stripe-signature': signStripe('whsec_wrong', now, body),
    });
    expect(bad.status).toBe(401);
    expect(await listed('payments', 1)).toEqual([run.runId]);
  });

  test('deleting the flow removes its triggers: its source is gone', async () => {
    expect((await product.request('DELETE', '/api/flows/payments')).status).toBe(204);
    const now = Math.floor(Date.now() / 1000);
    const later = JSON.stringify({ ...event, id: 'evt_2' });
    expect(
      (
        await post('/triggers/signed/default/stripe', later, {
          'content-type': 'application/json',
          'stripe-signature': signStripe(STRIPE_SECRET, now, later),
        })
      ).status,
    ).toBe(404);
    expect((await product.request('GET', '/api/flows/payments/triggers')).status).toBe(404);
  });
});

describe('Salesforce outbound messages', () => {
  const url = '/triggers/salesforce/default/crm?token=a-long-url-token-1234';
  const message = envelope(ORG, [
    {
      id: '04l000000000001AAA',
      type: 'Account',
      fields: { Id: '001000000000001AAA', Name: 'Acme &amp; Co', Phone: null },
    },
    { id: '04l000000000002AAA', type: 'Account', fields: { Id: '001000000000002AAA', Name: 'Globex' } },
    { id: '04l000000000003AAA', type: 'Contact', fields: { Id: '003000000000001AAA' } },
  ]);

  test('each notification for a subscribed sObject starts one run, answered with the Ack; a resend starts none', async () => {
    const first = await post(url, message, { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' });
    expect(first.status).toBe(200);
    expect(first.type).toMatch(/^text\/xml/);
    expect(first.text).toBe(SALESFORCE_ACK);
    const runs = await listed('sf-accounts', 2);
    expect(runs).toHaveLength(2);
    const outputs = await Promise.all(runs.map(outputOf));
    const acme = outputs.find((output) => output.input.Notification.sObject.Name === 'Acme & Co');
    expect(acme.trigger.type).toBe('salesforce');
    expect(acme.input).toMatchObject({
      OrganizationId: ORG,
      ActionId: '04k000000000001AAA',
      SessionId: null,
      Notification: {
        Id: '04l000000000001AAA',
        sObject: { type: 'Account', Id: '001000000000001AAA', Name: 'Acme & Co', Phone: null },
      },
    });
    const resend = await post(url, message, { 'content-type': 'text/xml' });
    expect(resend.text).toBe(SALESFORCE_ACK);
    expect(await runsOf('sf-accounts')).toEqual(runs);
  });

  test('another organization, or no token, is refused with 401; a malformed envelope with 400; neither starts a run', async () => {
    const other = envelope('00D000000000099EAA', [
      { id: '04l000000000009AAA', type: 'Account', fields: { Id: '001000000000009AAA' } },
    ]);
    expect((await post(url, other, { 'content-type': 'text/xml' })).status).toBe(401);
    const fresh = envelope(ORG, [{ id: '04l000000000010AAA', type: 'Account', fields: { Id: '001000000000010AAA' } }]);
    expect((await post('/triggers/salesforce/default/crm', fresh, { 'content-type': 'text/xml' })).status).toBe(401);
    expect((await post(url, '<soapenv:Envelope><unclosed>', { 'content-type': 'text/xml' })).status).toBe(400);
    expect(
      (
        await post(url, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', {
          'content-type': 'text/xml',
        })
      ).status,
    ).toBe(400);
    expect(await runsOf('sf-accounts')).toHaveLength(2);
  });

  test('paused, it answers 503 (Salesforce resends); once resumed, the resend starts the run', async () => {
    expect((await product.request('POST', '/api/flows/sf-accounts/triggers/salesforce/pause')).body.status).toBe(
      'paused',
    );
    const fresh = envelope(ORG, [{ id: '04l000000000011AAA', type: 'Account', fields: { Id: '001000000000011AAA' } }]);
    expect((await post(url, fresh, { 'content-type': 'text/xml' })).status).toBe(503);
    expect(await runsOf('sf-accounts')).toHaveLength(2);
    const resumed = await product.request('POST', '/api/flows/sf-accounts/triggers/salesforce/resume');
    expect(resumed.body).toMatchObject({ status: 'active', url: '/triggers/salesforce/default/crm' });
    expect(resumed.body.resume).toMatch(/sender retries/);
    expect((await post(url, fresh, { 'content-type': 'text/xml' })).text).toBe(SALESFORCE_ACK);
    expect(await listed('sf-accounts', 3)).toHaveLength(3);
    const [state] = (await product.request('GET', '/api/flows/sf-accounts/triggers')).body.triggers;
    expect(state).toMatchObject({ triggerId: 'salesforce', type: 'salesforce', status: 'active', runsStarted: 3 });
  });
});
