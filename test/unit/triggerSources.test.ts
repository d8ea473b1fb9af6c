import { parseOutboundMessage } from '../../gateway/sources/salesforceSource';
import { secretsOf, signStandardWebhook, signStripe, verifyStandardWebhook, verifyStripeSignature } from '../../gateway/sources/signatures';
import { valueAt } from '../../gateway/sources/signedSource';

const NOW = 1_764_633_600;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const body = Buffer.from('{"type":"contact.created"}');

describe('Standard Webhooks', () => {
  const headers = (signature: string, timestamp = NOW) => ({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature });
  const verify = (h: Record<string, string>, secrets = [SECRET]) => verifyStandardWebhook(h, body, { secrets, toleranceSeconds: 300, nowSeconds: NOW });

  test('the signature of "id.timestamp.body" under the key after whsec_ verifies, and names the event id', () => {
    expect(verify(headers(signStandardWebhook(SECRET, 'msg_1', NOW, body)))).toEqual({ ok: true, eventId: 'msg_1' });
  });

  test('any of several signatures, under any of several secrets, verifies (rotation)', () => {
    const other = 'whsec_' + Buffer.from('another key of enough length').toString('base64');
    const header = `v1,${Buffer.from('nonsense').toString('base64')} ${signStandardWebhook(SECRET, 'msg_1', NOW, body)}`;
    expect(verify(headers(header), [other, SECRET]).ok).toBe(true);
    expect(verify(headers(header), [other]).ok).toBe(false);
  });

  test('outside the tolerance, with another id, or a v2 signature, it does not', () => {
    const signature = signStandardWebhook(SECRET, 'msg_1', NOW - 301, body);
    expect(verify(headers(signature, NOW - 301))).toEqual({ ok: false, message: expect.stringMatching(/300 s from now/) });
    expect(verify({ ...headers(signStandardWebhook(SECRET, 'msg_1', NOW, body)), 'webhook-id': 'msg_2' }).ok).toBe(false);
    expect(verify(headers(signStandardWebhook(SECRET, 'msg_1', NOW, body).replace('v1,', 'v2,'))).ok).toBe(false);
    expect(verify({ 'webhook-id': 'msg_1' }).ok).toBe(false);
  });

  test('a variable may hold several secrets', () => {
    expect(secretsOf(' whsec_a,whsec_b  whsec_c ')).toEqual(['whsec_a', 'whsec_b', 'whsec_c']);
  });
});

describe('Stripe', () => {
  const verify = (header: string) => verifyStripeSignature({ 'stripe-signature': header }, body, { secrets: ['whsec_stripe'], toleranceSeconds: 300, nowSeconds: NOW });

  test('t=…,v1=<hex HMAC of "t.body"> with the secret as UTF-8 verifies; another secret or time does not', () => {
    expect(verify(signStripe('whsec_stripe', NOW, body)).ok).toBe(true);
    expect(verify(`${signStripe('whsec_stripe', NOW, body)},v0=abc`).ok).toBe(true);
    expect(verify(signStripe('whsec_other', NOW, body)).ok).toBe(false);
    expect(verify(signStripe('whsec_stripe', NOW - 1_000, body)).ok).toBe(false);
    expect(verify('v1=00').ok).toBe(false);
  });
});

test('valueAt reads a dotted path', () => {
  expect(valueAt({ event: { type: 'a' } }, 'event.type')).toBe('a');
  expect(valueAt({ event: 'x' }, 'event.type')).toBeUndefined();
});

describe('Salesforce outbound messages', () => {
  const xml = (inner: string) =>
    `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">${inner}</notifications></soapenv:Body></soapenv:Envelope>`;

  test('one notification becomes one entry with its sObject type and fields; nil fields are null', () => {
    const [entry] = parseOutboundMessage(
      Buffer.from(xml('<OrganizationId>00D000000000062EAA</OrganizationId><Notification><Id>04l1</Id><sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>006</sf:Id><sf:Amount>10.5</sf:Amount><sf:CloseDate xsi:nil="true"/></sObject></Notification>')),
    );
    expect(entry).toEqual({
      OrganizationId: '00D000000000062EAA',
      ActionId: undefined,
      SessionId: undefined,
      EnterpriseUrl: undefined,
      PartnerUrl: undefined,
      Notification: { Id: '04l1', sObject: { type: 'Opportunity', Id: '006', Amount: '10.5', CloseDate: null } },
    });
  });

  test('what is missing is named', () => {
    expect(() => parseOutboundMessage(Buffer.from(xml('<Notification><Id>1</Id><sObject/></Notification>')))).toThrow('<OrganizationId> is missing');
    expect(() => parseOutboundMessage(Buffer.from(xml('<OrganizationId>00D000000000062</OrganizationId>')))).toThrow('no <Notification>');
    expect(() => parseOutboundMessage(Buffer.from(xml('<OrganizationId>00D000000000062</OrganizationId><Notification><sObject/></Notification>')))).toThrow('Notification[0] has no <Id>');
    expect(() => parseOutboundMessage(Buffer.from('<a><b></a>'))).toThrow(/not XML/);
  });
});
