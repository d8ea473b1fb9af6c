/**
 * Property-based fuzzing of the public HTTP surface, against a running product: random and mutated flow definitions,
 * run inputs, webhook bodies of every content type and encoding (truncated, mislabelled, compressed wrongly, oversized,
 * deeply nested), odd ids, query strings and headers, and events pushed to triggers (`/triggers/<kind>/…`: signed
 * webhooks signed rightly and wrongly, Salesforce SOAP, S3/EventBridge/SNS/MinIO notifications) and to the bus
 * (`/api/events`). Every request must be answered (no dropped connection), never
 * with a 5xx, and an error must say what is wrong; the gateway's process must stay the same and healthy.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import fc from 'fast-check';

export interface FuzzTarget {
  baseUrl: string;
  adminKey: string;
  gatewayPid: () => number;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** Flows the fuzzer saves first: webhooks with each auth and respond mode it aims at, and a plain flow for API runs. */
export const FUZZ_FLOWS = [
  { id: 'fuzz-open', auth: { type: 'none' } },
  { id: 'fuzz-header', auth: { type: 'header', value: 'fuzz-secret-value' } },
  { id: 'fuzz-hmac', auth: { type: 'hmac', secret: 'fuzz-shared-secret' } },
].map(({ id, auth }) => ({
  id,
  name: id,
  nodes: [{ id: 'echo', type: 'code', code: 'return { seen: typeof input };' }],
  triggers: [{ type: 'webhook', auth, respond: 'async' }],
}));

/** The secrets and organization the fuzzer's pushed triggers check, so that some deliveries pass and start runs. */
const STANDARD_SECRET = `whsec_${Buffer.from('fuzz standard webhooks secret').toString('base64')}`;
const STRIPE_SECRET = 'fuzz_stripe_secret';
const SALESFORCE_ORG = '00DFUZZ00000001';
const FUZZ_VARIABLES: Record<string, string> = {
  FUZZ_STANDARD_SECRET: STANDARD_SECRET,
  FUZZ_STRIPE_SECRET: STRIPE_SECRET,
};
const BUS_EVENT = 'fuzz.happened';

/** A flow subscribed to every kind of pushed event and to the bus, each source named `fuzz-<kind>`. */
const FUZZ_TRIGGER_FLOW = {
  id: 'fuzz-triggers',
  name: 'fuzz-triggers',
  nodes: [{ id: 'echo', type: 'code', code: 'return { seen: typeof input };' }],
  triggers: [
    { type: 'signed', id: 'standard', source: 'fuzz-standard', secretVariable: 'FUZZ_STANDARD_SECRET' },
    { type: 'signed', id: 'stripe', source: 'fuzz-stripe', scheme: 'stripe', secretVariable: 'FUZZ_STRIPE_SECRET' },
    { type: 'salesforce', id: 'crm', source: 'fuzz-crm', organizationId: SALESFORCE_ORG, objects: ['Account'] },
    { type: 's3', id: 'bucket', source: 'fuzz-s3', bucket: 'fuzz-bucket', events: ['created', 'removed'] },
    { type: 'event', id: 'bus', event: BUS_EVENT },
  ],
};

/** The limit the fuzzed product runs with (small, so that oversized bodies are cheap to send). */
export const FUZZ_BODY_LIMIT = 64 * 1024;

const printable = fc.string({
  unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'.split('')),
  maxLength: 40,
});
const anyText = fc.string({ unit: 'binary', maxLength: 60 });

const oddId = fc.oneof(
  fc.constantFrom(
    ...FUZZ_FLOWS.map((flow) => flow.id),
    'nope',
    '',
    '.',
    '..',
    '%2e%2e',
    '%00',
    '%zz',
    'a'.repeat(300),
    '%F0%9F%98%80',
    'run-x',
    '-',
    '_',
  ),
  printable.map((text) => encodeURIComponent(text)),
  anyText.map((text) => encodeURIComponent(text)),
);

const queryString = fc.oneof(
  fc.constant(''),
  fc
    .array(fc.tuple(printable, printable), { maxLength: 6 })
    .map((pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`),
  fc.constantFrom(
    '?%',
    '?a=%zz',
    '?a[b][c]=1&a[b]=2',
    '?=&=&&',
    `?${'x=1&'.repeat(2000)}`,
    '?version=-1',
    '?version=1e9',
    '?pageSize=abc',
    '?status=%00',
    '?wait=true&timeoutMs=-5',
    '?wait=maybe',
  ),
);

/** A JSON text nested `depth` deep, as arrays or objects. */
const nestedJson = fc
  .tuple(fc.integer({ min: 200, max: 60_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

const jsonBody = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: nestedJson },
  { weight: 1, arbitrary: fc.json().map((text) => text.slice(0, Math.max(0, text.length - 1))) },
);

const multipartBody = fc
  .tuple(printable, fc.uint8Array({ maxLength: 200 }), fc.boolean())
  .map(([name, data, closed]) => {
    const boundary = 'fuzzBoundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="${name.replace(/["\r\n]/g, '')}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    return Buffer.concat([Buffer.from(head), Buffer.from(data), Buffer.from(closed ? `\r\n--${boundary}--\r\n` : '')]);
  });

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'application/octet-stream',
  'multipart/form-data; boundary=fuzzBoundary',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/mixed; boundary=fuzzBoundary',
  'image/png',
  'garbage',
  ';;;',
);

const encoding = fc.constantFrom(
  undefined,
  undefined,
  undefined,
  'gzip',
  'deflate',
  'br',
  'identity',
  'zstd',
  'gzip, deflate',
  'x-unknown',
);

function encode(body: Buffer, how: string | undefined): Buffer {
  if (how === 'gzip') return zlib.gzipSync(body);
  if (how === 'deflate') return zlib.deflateSync(body);
  if (how === 'br') return zlib.brotliCompressSync(body);
  return body;
}

/** A body of some kind, then labelled and encoded rightly or wrongly, maybe cut short, maybe past the limit. */
const webhookBody = fc
  .record({
    raw: fc.oneof(
      jsonBody.map((text) => Buffer.from(text)),
      multipartBody,
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      printable.map((text) => Buffer.from(text)),
      fc.constant(Buffer.alloc(FUZZ_BODY_LIMIT + 100, 97)),
    ),
    type: contentType,
    label: encoding,
    compressWith: encoding,
    cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  })
  .map(({ raw, type, label, compressWith, cut }) => {
    let body = encode(raw, compressWith);
    if (cut !== undefined) body = body.subarray(0, Math.floor(body.length * cut));
    const headers: Record<string, string> = {};
    if (type) headers['content-type'] = type;
    if (label) headers['content-encoding'] = label;
    return { body, headers };
  });

const oddHeaders = fc.record(
  {
    'x-request-id': printable,
    'idempotency-key': fc.oneof(printable, fc.constant('k'.repeat(300))),
    'x-api-key': fc.constantFrom('fuzz-secret-value', 'wrong', ''),
    'x-nectar-signature': fc.constantFrom('sha256=00', 'sha256=', 'md5=1', 'garbage'),
    'x-nectar-timestamp': fc.constantFrom('0', '-1', '99999999999999', 'soon', String(Math.floor(Date.now() / 1000))),
    authorization: fc.constantFrom(
      'Basic !!!',
      'Basic ' + Buffer.from('u:p').toString('base64'),
      'Bearer nope',
      'Bearer ',
    ),
    'x-nectar-workspace': fc.constantFrom('default', 'nope', '../x', ''),
    origin: fc.constantFrom('https://evil.example', 'null'),
    accept: fc.constantFrom('*/*', 'text/html', 'application/json;q=0'),
  },
  { requiredKeys: [] },
);

const webhookRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
    route: fc.constantFrom('/hooks/', '/hooks-test/'),
    id: oddId,
    rest: fc.array(oddId, { maxLength: 3 }),
    query: queryString,
    body: webhookBody,
    headers: oddHeaders,
  })
  .map(({ method, route, id, rest, query, body, headers }) => ({
    method,
    path: `${route}${id || 'fuzz-open'}${rest.map((segment) => `/${segment}`).join('')}${query}`,
    headers: { ...headers, ...body.headers },
    body: method === 'GET' ? undefined : body.body,
  }));

const unixNow = () => String(Math.floor(Date.now() / 1000));
const timestamp = fc.oneof(
  { weight: 4, arbitrary: fc.constant('now') },
  { weight: 1, arbitrary: fc.constantFrom('0', '-1', '99999999999999', 'soon', '', '1e3') },
);

/** A third party's event: mostly shaped like one (an id, a type), sometimes any JSON, nested deep or cut. */
const eventJson = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          id: fc.oneof(printable, fc.constant('')),
          type: fc.constantFrom(BUS_EVENT, 'contact.created', '', 'x'),
          data: fc.jsonValue({ maxDepth: 6 }),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
  },
  { weight: 2, arbitrary: jsonBody },
  { weight: 1, arbitrary: nestedJson.map((text) => `{"id":"deep","type":"${BUS_EVENT}","data":${text}}`) },
);

/** How a delivery is signed: rightly (the only way past the check), wrongly, not at all, or among others. */
const signing = fc.constantFrom('right', 'right', 'wrong', 'none', 'several', 'garbage');

const standardDelivery = fc
  .record({ body: eventJson, id: fc.oneof(printable, fc.constant('')), when: timestamp, how: signing })
  .map(({ body, id, when, how }) => {
    const at = when === 'now' ? unixNow() : when;
    const key = Buffer.from(STANDARD_SECRET.slice('whsec_'.length), 'base64');
    const right = crypto.createHmac('sha256', key).update(`${id}.${at}.${body}`).digest('base64');
    const signature = {
      right: `v1,${right}`,
      wrong: `v1,${Buffer.from('wrong').toString('base64')}`,
      none: '',
      several: `v1,AAAA v2,${right} v1,${right}`,
      garbage: ',,, v1 v1,',
    }[how];
    const headers: Record<string, string> = { 'content-type': 'application/json', 'webhook-timestamp': at };
    if (id) headers['webhook-id'] = id;
    if (signature) headers['webhook-signature'] = signature;
    return { source: 'fuzz-standard', body: Buffer.from(body), headers };
  });

const stripeDelivery = fc.record({ body: eventJson, when: timestamp, how: signing }).map(({ body, when, how }) => {
  const at = when === 'now' ? unixNow() : when;
  const right = crypto.createHmac('sha256', STRIPE_SECRET).update(`${at}.${body}`).digest('hex');
  const signature = {
    right: `t=${at},v1=${right}`,
    wrong: `t=${at},v1=00`,
    none: '',
    several: `t=${at},v0=11,v1=22,v1=${right}`,
    garbage: '=,=,t,v1',
  }[how];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature) headers['stripe-signature'] = signature;
  return { source: 'fuzz-stripe', body: Buffer.from(body), headers };
});

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A Salesforce outbound message: well formed (escaped or not), for this organization or another, or hostile XML. */
const salesforceDelivery = fc
  .oneof(
    {
      weight: 4,
      arbitrary: fc
        .record({
          org: fc.constantFrom(SALESFORCE_ORG, `${SALESFORCE_ORG}AAA`, '00DOTHER0000001', '', 'x'),
          type: fc.constantFrom('Account', 'Contact', '', 'sf:', '<x>'),
          ids: fc.array(printable, { maxLength: 3 }),
          name: printable,
          nil: fc.boolean(),
          escape: fc.boolean(),
        })
        .map(({ org, type, ids, name, nil, escape }) => {
          const x = escape ? xmlEscape : (text: string) => text;
          const notifications = ids
            .map(
              (id) =>
                `<Notification><Id>${x(id)}</Id><sObject xsi:type="sf:${x(type)}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">` +
                `<sf:Id>001</sf:Id><sf:Name${nil ? ' xsi:nil="true"/>' : `>${x(name)}</sf:Name>`}</sObject></Notification>`,
            )
            .join('');
          return (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">' +
            `<OrganizationId>${x(org)}</OrganizationId><ActionId>04k</ActionId><SessionId xsi:nil="true"/>` +
            `<EnterpriseUrl>https://example.my.salesforce.com</EnterpriseUrl>${notifications}</notifications></soapenv:Body></soapenv:Envelope>`
          );
        }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><a>&lol2;</a>',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>',
        `${'<a>'.repeat(20_000)}x${'</a>'.repeat(20_000)}`,
        '<Envelope><Body><notifications><OrganizationId>00DFUZZ00000001</OrganizationId><Notification><Id>1</Id></Notification></notifications></Body></Envelope>',
        '<unclosed',
        '',
      ),
    },
    { weight: 1, arbitrary: anyText },
  )
  .map((xml) => ({ source: 'fuzz-crm', body: Buffer.from(xml), headers: { 'content-type': 'text/xml' } }));

const s3Record = fc
  .record({
    eventName: fc.constantFrom('ObjectCreated:Put', 'ObjectRemoved:Delete', 's3:TestEvent', 'Nope', ''),
    bucket: fc.constantFrom('fuzz-bucket', 'other-bucket', ''),
    key: printable,
    size: fc.oneof(fc.nat(), fc.constantFrom(-1, 'x', null, 1e308)),
    sequencer: fc.oneof(printable, fc.constant(null)),
  })
  .map(({ eventName, bucket, key, size, sequencer }) => ({
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    eventName,
    eventTime: new Date().toISOString(),
    s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key), size, eTag: 'e', sequencer } },
  }));

const snsEnvelope = fc
  .record({
    type: fc.constantFrom('Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation', 'x'),
    message: fc.oneof(
      fc.array(s3Record, { maxLength: 2 }).map((Records) => JSON.stringify({ Records })),
      nestedJson,
      printable,
    ),
    certUrl: fc.constantFrom(
      'https://sns.us-east-1.amazonaws.com/cert.pem',
      'https://sns.us-east-1.amazonaws.com/cert.txt',
      'http://sns.us-east-1.amazonaws.com/cert.pem',
      'https://evil.example/cert.pem',
      'https://127.0.0.1/cert.pem',
      'file:///etc/passwd',
      'not a url',
    ),
    version: fc.constantFrom('1', '2', '3', ''),
  })
  .map(({ type, message, certUrl, version }) =>
    JSON.stringify({
      Type: type,
      MessageId: 'm-1',
      TopicArn: 'arn:aws:sns:us-east-1:1:t',
      Message: message,
      Timestamp: new Date().toISOString(),
      SignatureVersion: version,
      Signature: Buffer.from('not a signature').toString('base64'),
      SigningCertURL: certUrl,
      SubscribeURL: certUrl,
      Token: 't',
    }),
  );

/** S3 notification records, an EventBridge event, MinIO's envelope, an SNS envelope, or any JSON. */
const s3Delivery = fc
  .oneof(
    fc.array(s3Record, { maxLength: 3 }).map((Records) => JSON.stringify({ Records })),
    fc
      .record({ detailType: fc.constantFrom('Object Created', 'Object Deleted', 'Other'), record: s3Record })
      .map(({ detailType, record }) =>
        JSON.stringify({
          'detail-type': detailType,
          source: 'aws.s3',
          time: record.eventTime,
          detail: { bucket: record.s3.bucket, object: record.s3.object },
        }),
      ),
    fc
      .array(s3Record, { maxLength: 2 })
      .map((Records) => JSON.stringify({ EventName: 's3:ObjectCreated:Put', Key: 'fuzz-bucket/k', Records })),
    snsEnvelope,
    jsonBody,
  )
  .map((text) => ({ source: 'fuzz-s3', body: Buffer.from(text), headers: { 'content-type': 'application/json' } }));

/** A delivery to `/triggers/<kind>/<workspace>/<source>`: mostly the right place for its kind, sometimes not at all. */
const pushedRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    kind: fc.constantFrom('signed', 'signed', 'salesforce', 's3', 'nope'),
    delivery: fc.oneof(standardDelivery, stripeDelivery, salesforceDelivery, s3Delivery),
    workspace: fc.oneof({ weight: 6, arbitrary: fc.constant('default') }, { weight: 1, arbitrary: oddId }),
    odd: fc.option(oddId, { freq: 6, nil: undefined }),
    method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'HEAD', 'GET', 'PUT'),
    query: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryString }),
    encoding: fc.option(fc.tuple(encoding, encoding), { freq: 5, nil: undefined }),
    cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 8, nil: undefined }),
  })
  .map(({ kind, delivery, workspace, odd, method, query, encoding: coding, cut }) => {
    // The kind a delivery is meant for, unless `kind` sends it somewhere else.
    const meant = delivery.source === 'fuzz-crm' ? 'salesforce' : delivery.source === 'fuzz-s3' ? 's3' : 'signed';
    const path = `/triggers/${kind === 'nope' ? 'nope' : meant}/${workspace || 'default'}/${odd ?? delivery.source}${query}`;
    let body: Buffer = delivery.body;
    const headers: Record<string, string> = { ...delivery.headers };
    if (coding) {
      const [label, compressWith] = coding;
      body = encode(body, compressWith);
      if (label) headers['content-encoding'] = label;
    }
    if (cut !== undefined) body = body.subarray(0, Math.floor(body.length * cut));
    return { method, path, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body };
  });

/** `POST /api/events`: events on the bus, shaped or not, nested deep, with odd types and ids. */
const busRequest: fc.Arbitrary<FuzzRequest> = fc
  .oneof(
    fc
      .record(
        {
          type: fc.oneof(fc.constantFrom(BUS_EVENT, 'other.event', '', '..', 'a'.repeat(300)), printable),
          id: fc.oneof(printable, fc.constant('')),
          payload: fc.oneof(fc.jsonValue({ maxDepth: 6 }), fc.constant(undefined)),
        },
        { requiredKeys: ['type'] },
      )
      .map((event) => JSON.stringify(event)),
    nestedJson.map((text) => `{"type":"${BUS_EVENT}","payload":${text}}`),
    jsonBody,
  )
  .map((text) => ({
    method: 'POST',
    path: '/api/events',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(text),
  }));

/** A valid definition, then changed: a field dropped, replaced by any JSON, nested deep, or the whole of it random. */
const flowDefinition = fc.oneof(
  fc
    .record({
      drop: fc.constantFrom('id', 'name', 'nodes', 'edges', 'triggers', 'none'),
      set: fc.constantFrom('nodes', 'edges', 'triggers', 'name', 'execution', 'extra'),
      value: fc.jsonValue({ maxDepth: 4 }),
    })
    .map(({ drop, set, value }) => {
      const flow: Record<string, unknown> = { ...FUZZ_FLOWS[0], id: 'fuzz-saved', edges: [] };
      if (drop !== 'none') delete flow[drop];
      flow[set] = value;
      return JSON.stringify(flow);
    }),
  fc
    .record({
      code: anyText,
      type: fc.constantFrom('code', 'delay', 'wait', 'subflow', 'nope'),
      retry: fc.jsonValue({ maxDepth: 2 }),
    })
    .map(({ code, type, retry }) =>
      JSON.stringify({
        id: 'fuzz-saved',
        name: 'x',
        nodes: [{ id: 'n', type, code, retry, durationMs: -1, event: code }],
        edges: [{ from: 'n', to: 'n' }],
      }),
    ),
  fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)),
  nestedJson,
);

const apiRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc
    .record({ method: fc.constantFrom('POST', 'PUT'), id: oddId, body: flowDefinition })
    .map(({ method, id, body }) => ({
      method,
      path: method === 'POST' ? '/api/flows' : `/api/flows/${id || 'fuzz-saved'}`,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(body),
    })),
  fc
    .record({
      id: oddId,
      input: fc.oneof(
        fc.jsonValue({ maxDepth: 8 }).map((value) => JSON.stringify({ input: value })),
        nestedJson,
        jsonBody,
      ),
      query: queryString,
    })
    .map(({ id, input, query }) => ({
      method: 'POST',
      path: `/api/flows/${id || 'fuzz-open'}/runs${query.startsWith('?wait') ? '' : query}`,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(input),
    })),
  fc
    .record({ id: oddId, action: fc.constantFrom('', '/cancel', '/events', '/rerun', '/nope'), body: jsonBody })
    .map(({ id, action, body }) => ({
      method: action ? 'POST' : 'GET',
      path: `/api/runs/${id || 'run-x'}${action}`,
      headers: { 'content-type': 'application/json' },
      body: action ? Buffer.from(body) : undefined,
    })),
  fc
    .record({
      path: fc.constantFrom(
        '/api/runs',
        '/api/flows',
        '/api/flows/fuzz-open',
        '/api/flows/fuzz-open/versions',
        '/api/flows/fuzz-open/schedules',
        '/api/workspaces',
        '/api/variables',
        '/api/uploads/x',
        '/api/nope',
      ),
      query: queryString,
    })
    .map(({ path, query }) => ({ method: 'GET', path: `${path}${query}`, headers: {} })),
  fc.record({ body: webhookBody, headers: oddHeaders }).map(({ body, headers }) => ({
    method: 'POST',
    path: '/api/flows/fuzz-open/runs',
    headers: { ...headers, ...body.headers },
    body: body.body,
  })),
);

/** Most API requests carry the admin key; some carry what the odd headers gave them instead (then 401). */
function withKey(request: FuzzRequest, adminKey: string, keep: boolean): FuzzRequest {
  if (!request.path.startsWith('/api/') || (keep && request.headers.authorization)) return request;
  return { ...request, headers: { ...request.headers, authorization: `Bearer ${adminKey}` } };
}

export const fuzzRequest = fc.tuple(
  fc.oneof(
    { weight: 3, arbitrary: webhookRequest },
    { weight: 3, arbitrary: apiRequest },
    { weight: 2, arbitrary: pushedRequest },
    { weight: 1, arbitrary: busRequest },
  ),
  fc.integer({ min: 0, max: 9 }),
);

export interface FuzzFigures {
  cases: number;
  byStatus: Record<string, number>;
  /** Statuses per surface (`/hooks`, `/api/flows`, `/triggers/signed`, …): shows which cases got past the checks. */
  bySurface: Record<string, Record<string, number>>;
  seed: number;
  ms: number;
}

/** What one answer must be: an answer, not a 5xx, and for an error a JSON body with a code and a message. */
async function check(target: FuzzTarget, request: FuzzRequest, figures: FuzzFigures): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${target.baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new Error(
      `no answer (dropped connection or hang) to ${request.method} ${request.path.slice(0, 200)}: ${(error as Error).message} ${(error as { cause?: Error }).cause?.message ?? ''}`,
      { cause: error },
    );
  }
  const text = await response.text();
  figures.byStatus[response.status] = (figures.byStatus[response.status] ?? 0) + 1;
  const parts = request.path.split(/[/?]/);
  const surface = parts[1] === 'api' || parts[1] === 'triggers' ? parts.slice(0, 3).join('/') : `/${parts[1]}`;
  const tally = (figures.bySurface[surface] ??= {});
  tally[response.status] = (tally[response.status] ?? 0) + 1;
  if (response.status >= 500)
    throw new Error(`${response.status} for ${request.method} ${request.path.slice(0, 200)}: ${text.slice(0, 500)}`);
  if (response.status >= 400 && request.method !== 'HEAD') {
    let body: { error?: { code?: unknown; message?: unknown } } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      // checked below
    }
    if (typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string' || !body.error.message) {
      throw new Error(
        `${response.status} without an error naming the problem for ${request.method} ${request.path.slice(0, 200)}: ${text.slice(0, 300)}`,
      );
    }
  }
}

async function assertHealthy(target: FuzzTarget, pid: number): Promise<void> {
  const health = await fetch(`${target.baseUrl}/healthz`, { signal: AbortSignal.timeout(30_000) });
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}: ${await health.text()}`);
  if (target.gatewayPid() !== pid) throw new Error(`the gateway's process changed (${pid} → ${target.gatewayPid()})`);
}

/** Saves the fuzzer's flows, and the variables its pushed triggers check, on the target. */
export async function prepareFuzzTarget(target: FuzzTarget): Promise<void> {
  for (const [name, value] of Object.entries(FUZZ_VARIABLES)) {
    const saved = await fetch(`${target.baseUrl}/api/variables/${name}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${target.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ value }),
    });
    if (saved.status >= 300) throw new Error(`could not set ${name}: ${saved.status} ${await saved.text()}`);
  }
  for (const flow of [...FUZZ_FLOWS, FUZZ_TRIGGER_FLOW]) {
    const saved = await fetch(`${target.baseUrl}/api/flows/${flow.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${target.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(flow),
    });
    if (saved.status !== 200) throw new Error(`could not save ${flow.id}: ${saved.status} ${await saved.text()}`);
  }
}

/** Runs `cases` random requests (fast-check shrinks a failure to its simplest form); throws with the counterexample. */
export async function fuzz(
  target: FuzzTarget,
  options: { cases: number; seed?: number; healthEvery?: number; onProgress?: (done: number) => void },
): Promise<FuzzFigures> {
  const pid = target.gatewayPid();
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const figures: FuzzFigures = { cases: 0, byStatus: {}, bySurface: {}, seed, ms: 0 };
  const started = Date.now();
  const healthEvery = options.healthEvery ?? 100;
  await fc.assert(
    fc.asyncProperty(fuzzRequest, async ([request, chance]) => {
      figures.cases += 1;
      await check(target, withKey(request, target.adminKey, chance === 0), figures);
      if (figures.cases % healthEvery === 0) {
        await assertHealthy(target, pid);
        options.onProgress?.(figures.cases);
      }
    }),
    { numRuns: options.cases, seed, endOnFailure: false },
  );
  await assertHealthy(target, pid);
  figures.ms = Date.now() - started;
  return figures;
}
