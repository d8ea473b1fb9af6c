import { objectEventKey, parseS3Notification, S3NotificationError, wanted } from '../../common/s3Events';
import { hostMatches, SnsMessage, snsStringToSign, SnsVerifier } from '../../gateway/sources/sns';
import { parseOutboundMessage } from '../../gateway/sources/salesforceSource';
import {
  secretsOf,
  signStandardWebhook,
  signStripe,
  verifyStandardWebhook,
  verifyStripeSignature,
} from '../../gateway/sources/signatures';
import { valueAt } from '../../flow/correlation';

const NOW = 1_764_633_600;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const body = Buffer.from('{"type":"contact.created"}');

describe('Standard Webhooks', () => {
  const headers = (signature: string, timestamp = NOW) => ({
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  });
  const verify = (h: Record<string, string>, secrets = [SECRET]) =>
    verifyStandardWebhook(h, body, { secrets, toleranceSeconds: 300, nowSeconds: NOW });

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
    expect(verify(headers(signature, NOW - 301))).toEqual({
      ok: false,
      message: expect.stringMatching(/300 s from now/),
    });
    expect(verify({ ...headers(signStandardWebhook(SECRET, 'msg_1', NOW, body)), 'webhook-id': 'msg_2' }).ok).toBe(
      false,
    );
    expect(verify(headers(signStandardWebhook(SECRET, 'msg_1', NOW, body).replace('v1,', 'v2,'))).ok).toBe(false);
    expect(verify({ 'webhook-id': 'msg_1' }).ok).toBe(false);
  });

  test('a variable may hold several secrets', () => {
    expect(secretsOf(' whsec_a,whsec_b  whsec_c ')).toEqual(['whsec_a', 'whsec_b', 'whsec_c']);
  });
});

describe('Stripe', () => {
  const verify = (header: string) =>
    verifyStripeSignature({ 'stripe-signature': header }, body, {
      secrets: ['whsec_stripe'],
      toleranceSeconds: 300,
      nowSeconds: NOW,
    });

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
      Buffer.from(
        xml(
          '<OrganizationId>00D000000000062EAA</OrganizationId><Notification><Id>04l1</Id><sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>006</sf:Id><sf:Amount>10.5</sf:Amount><sf:CloseDate xsi:nil="true"/></sObject></Notification>',
        ),
      ),
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
    expect(() => parseOutboundMessage(Buffer.from(xml('<Notification><Id>1</Id><sObject/></Notification>')))).toThrow(
      '<OrganizationId> is missing',
    );
    expect(() => parseOutboundMessage(Buffer.from(xml('<OrganizationId>00D000000000062</OrganizationId>')))).toThrow(
      'no <Notification>',
    );
    expect(() =>
      parseOutboundMessage(
        Buffer.from(xml('<OrganizationId>00D000000000062</OrganizationId><Notification><sObject/></Notification>')),
      ),
    ).toThrow('Notification[0] has no <Id>');
    expect(() => parseOutboundMessage(Buffer.from('<a><b></a>'))).toThrow(/not XML/);
    // Nested past the parser's limit: a 400 naming it, not an error escaping as a 500.
    const deep = Buffer.from(`${'<a>'.repeat(100_000)}x${'</a>'.repeat(100_000)}`);
    expect(() => parseOutboundMessage(deep)).toThrow(
      expect.objectContaining({ status: 400, message: expect.stringMatching(/nested/i) }),
    );
  });
});

describe('S3 notifications', () => {
  const record = (key: string, extra: Record<string, unknown> = {}) => ({
    eventName: 's3:ObjectCreated:Put',
    eventTime: 't',
    s3: { bucket: { name: 'b' }, object: { key, size: 1, eTag: '"abc"', sequencer: '01', ...extra } },
  });

  test('AWS records: keys URL-decoded with "+" as space, "s3:" and ETag quotes dropped', () => {
    expect(parseS3Notification({ Records: [record('a+b%2Bc%2Fd.csv')] })).toEqual([
      {
        eventName: 'ObjectCreated:Put',
        eventTime: 't',
        bucket: 'b',
        key: 'a b+c/d.csv',
        size: 1,
        eTag: 'abc',
        versionId: null,
        sequencer: '01',
      },
    ]);
  });

  test('EventBridge keys are as they are; other detail types and the test event carry no object', () => {
    const event = {
      source: 'aws.s3',
      'detail-type': 'Object Deleted',
      time: 't',
      detail: { bucket: { name: 'b' }, object: { key: 'a+b.csv', sequencer: '02', 'version-id': 'v1' } },
    };
    expect(parseS3Notification(event)).toEqual([
      {
        eventName: 'ObjectRemoved:Delete',
        eventTime: 't',
        bucket: 'b',
        key: 'a+b.csv',
        size: null,
        eTag: null,
        versionId: 'v1',
        sequencer: '02',
      },
    ]);
    expect(parseS3Notification({ ...event, 'detail-type': 'Object Restore Completed' })).toEqual([]);
    expect(parseS3Notification({ Service: 'S3', Event: 's3:TestEvent' })).toEqual([]);
    expect(() => parseS3Notification({ hello: 1 })).toThrow(S3NotificationError);
    expect(() => parseS3Notification({ Records: [{ eventName: 'x' }] })).toThrow('Records[0] needs');
  });

  test('a created object is named by bucket, key, version and ETag (so a scan names the same run); a removal by its sequencer', () => {
    const [created] = parseS3Notification({ Records: [record('k')] });
    expect(objectEventKey(created)).toBe(
      objectEventKey({ ...created, eventName: 'ObjectCreated:Scan', sequencer: null }),
    );
    expect(objectEventKey(created)).not.toBe(objectEventKey({ ...created, eTag: 'other' }));
    const removed = { ...created, eventName: 'ObjectRemoved:Delete', eTag: null };
    expect(objectEventKey(removed)).not.toBe(objectEventKey({ ...removed, sequencer: '02' }));
  });

  test('filters: bucket, kind, prefix, suffix', () => {
    const [event] = parseS3Notification({ Records: [record('in/a.csv')] });
    const filter = { bucket: 'b', events: ['created' as const], prefix: 'in/', suffix: '.csv' };
    expect(wanted(filter, event)).toBe(true);
    expect(wanted({ ...filter, suffix: '.txt' }, event)).toBe(false);
    expect(wanted({ ...filter, events: ['removed'] }, event)).toBe(false);
    expect(wanted({ ...filter, bucket: 'c' }, event)).toBe(false);
  });
});

describe('SNS', () => {
  test('the string to sign holds the type’s fields in order, Subject only when present', () => {
    const message = {
      Type: 'Notification',
      MessageId: 'm',
      TopicArn: 't',
      Message: 'hi',
      Timestamp: 'ts',
      SignatureVersion: '1',
      Signature: '',
      SigningCertURL: '',
    } as SnsMessage;
    expect(snsStringToSign(message)).toBe(
      'Message\nhi\nMessageId\nm\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n',
    );
    expect(snsStringToSign({ ...message, Subject: 's' })).toContain('MessageId\nm\nSubject\ns\nTimestamp');
  });

  test('certificate hosts: one label per "*", ports only when named', () => {
    expect(hostMatches('sns.*.amazonaws.com', new URL('https://sns.eu-west-1.amazonaws.com/x.pem'))).toBe(true);
    expect(hostMatches('sns.*.amazonaws.com', new URL('https://sns.evil.example.amazonaws.com/x.pem'))).toBe(false);
    expect(hostMatches('sns.*.amazonaws.com', new URL('https://sns.us-east-1.amazonaws.com.evil.com/x.pem'))).toBe(
      false,
    );
    expect(hostMatches('sns.*.amazonaws.com', new URL('https://sns.us-east-1.amazonaws.com:8443/x.pem'))).toBe(false);
    expect(hostMatches('127.0.0.1:8443', new URL('https://127.0.0.1:8443/x.pem'))).toBe(true);
  });

  test('a certificate URL off the allow-list, or not https, is never fetched', async () => {
    const fetched: string[] = [];
    const verifier = new SnsVerifier(['sns.*.amazonaws.com'], async (url) => (fetched.push(url), ''));
    const message = {
      Type: 'Notification',
      MessageId: 'm',
      TopicArn: 't',
      Message: 'hi',
      Timestamp: 'ts',
      SignatureVersion: '1',
      Signature: 'AA==',
    } as SnsMessage;
    await expect(
      verifier.verify({ ...message, SigningCertURL: 'http://sns.us-east-1.amazonaws.com/c.pem' }),
    ).rejects.toThrow(/https on an SNS host/);
    await expect(verifier.verify({ ...message, SigningCertURL: 'https://169.254.169.254/c.pem' })).rejects.toThrow(
      /https on an SNS host/,
    );
    await expect(
      verifier.verify({ ...message, SigningCertURL: 'https://sns.us-east-1.amazonaws.com/c.txt' }),
    ).rejects.toThrow(/\.pem/);
    expect(fetched).toEqual([]);
  });
});
