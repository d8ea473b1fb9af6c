/** The gateway's pure parts: webhook auth and bodies, trigger schemas, plan limits, visibility queries, sealed secrets. */
import crypto from 'node:crypto';
import { flowIdOfRunId, isRunId } from '../../flow/ids';
import { FlowDefinition } from '../../flow/schema';
import { cronProblem } from '../../flow/cron';
import { CronTrigger, FlowTriggers, WebhookTrigger } from '../../flow/triggers';
import { limitProblems } from '../../gateway/flowService';
import { visibilityQuery } from '../../gateway/runList';
import { idempotentRunId } from '../../gateway/runService';
import { verifyWebhookAuth, webhookSignature } from '../../gateway/webhooks/auth';
import { BodyParseError, parseWebhookBody } from '../../gateway/webhooks/body';
import { PLANS } from '../../store/plans';
import { SecretBox } from '../../store/secretBox';

describe('webhook auth', () => {
  const raw = Buffer.from('{"a":1}');
  const hmac = WebhookTrigger.parse({ type: 'webhook', auth: { type: 'hmac', secret: 'a-long-shared-secret' } }).auth;

  test('HMAC: the signature over "<timestamp>.<raw body>" within the tolerance passes', () => {
    const now = 1_700_000_000_000;
    const timestamp = String(now / 1000);
    const headers = {
      'x-nectar-signature': webhookSignature('a-long-shared-secret', timestamp, raw),
      'x-nectar-timestamp': timestamp,
    };
    expect(verifyWebhookAuth(hmac, { headers, raw }, now)).toEqual({ ok: true });
    expect(verifyWebhookAuth(hmac, { headers, raw: Buffer.from('{"a":2}') }, now).ok).toBe(false);
    expect(verifyWebhookAuth(hmac, { headers, raw }, now + 301_000).ok).toBe(false);
    expect(verifyWebhookAuth(hmac, { headers: { ...headers, 'x-nectar-timestamp': 'soon' }, raw }, now).ok).toBe(false);
  });

  test('header and basic compare the whole secret', () => {
    const header = WebhookTrigger.parse({ type: 'webhook', auth: { type: 'header', value: 'secret-value' } }).auth;
    expect(verifyWebhookAuth(header, { headers: { 'x-api-key': 'secret-value' }, raw }).ok).toBe(true);
    expect(verifyWebhookAuth(header, { headers: { 'x-api-key': 'secret-valu' }, raw }).ok).toBe(false);
    const basic = WebhookTrigger.parse({
      type: 'webhook',
      auth: { type: 'basic', username: 'u', password: 'password1' },
    }).auth;
    const encoded = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
    expect(verifyWebhookAuth(basic, { headers: { authorization: encoded('u:password1') }, raw }).ok).toBe(true);
    expect(verifyWebhookAuth(basic, { headers: { authorization: encoded('u:password2') }, raw }).ok).toBe(false);
  });
});

describe('webhook bodies', () => {
  test('by content type: JSON, form fields (repeats as arrays), text, and base64 otherwise', () => {
    expect(parseWebhookBody(Buffer.from('{"x":[1]}'), 'application/json; charset=utf-8')).toEqual({ x: [1] });
    expect(parseWebhookBody(Buffer.from('{"x":1}'), 'application/vnd.api+json')).toEqual({ x: 1 });
    expect(parseWebhookBody(Buffer.from('a=1&a=2&b=%20c'), 'application/x-www-form-urlencoded')).toEqual({
      a: ['1', '2'],
      b: ' c',
    });
    expect(parseWebhookBody(Buffer.from('<a/>'), 'application/xml')).toBe('<a/>');
    expect(parseWebhookBody(Buffer.from([1, 2]), undefined)).toEqual({
      encoding: 'base64',
      contentType: 'application/octet-stream',
      data: 'AQI=',
    });
    expect(parseWebhookBody(Buffer.alloc(0), 'application/json')).toBeNull();
    expect(() => parseWebhookBody(Buffer.from('{'), 'application/json')).toThrow(BodyParseError);
  });
});

describe('trigger schemas', () => {
  test('cron expressions: five, six (… year) or seven (second …) fields as Temporal reads them, or a macro', () => {
    for (const good of ['0 9 * * 1-5', '*/15 * * * *', '0 12 * * MON 2027', '@hourly', '@every 5m', ' 0 9 * * * '])
      expect(cronProblem(good)).toBeNull();
    for (const bad of ['every day', '* * *', '0 9 * * 1-5; rm', '', '0 0 12 * * MON', '0 0 L * *'])
      expect(cronProblem(bad)).not.toBeNull();
  });

  test('defaults: UTC, skip overlaps, a day of catch-up, async webhooks without auth', () => {
    expect(CronTrigger.parse({ type: 'cron', cron: '@daily' })).toMatchObject({
      id: 'cron',
      timezone: 'UTC',
      overlap: 'skip',
      catchupWindowMs: 86_400_000,
      paused: false,
    });
    expect(WebhookTrigger.parse({ type: 'webhook' })).toMatchObject({
      auth: { type: 'none' },
      respond: 'async',
      timeoutMs: 30_000,
    });
  });

  test('at most one webhook, and cron ids unique', () => {
    expect(FlowTriggers.safeParse([{ type: 'webhook' }, { type: 'webhook' }]).success).toBe(false);
    const duplicate = FlowTriggers.safeParse([
      { type: 'cron', cron: '@daily' },
      { type: 'cron', cron: '@hourly' },
    ]);
    expect(duplicate.success).toBe(false);
    expect(duplicate.error?.issues[0].path).toEqual([1, 'id']);
  });
});

test('plan limits name each node field above the plan, counting defaults', () => {
  const definition = FlowDefinition.parse({
    id: 'f',
    name: 'f',
    nodes: [
      { id: 'a', type: 'code', code: 'return 1;' },
      { id: 'b', type: 'code', code: 'return 1;', timeoutMs: 60_000, memoryMb: 128 },
    ],
  });
  expect(limitProblems(definition, PLANS.starter).map((problem) => problem.path)).toEqual([
    'nodes[1].timeoutMs',
    'nodes[1].memoryMb',
  ]);
  expect(limitProblems(definition, PLANS.professional)).toEqual([]);
  expect(limitProblems(definition, { ...PLANS.starter, memoryMb: 32 }).map((problem) => problem.path)).toContain(
    'nodes[0].memoryMb',
  );
});

test('visibility queries always scope to the interpreter and the workspace', () => {
  expect(visibilityQuery('acme', {})).toBe("WorkflowType = 'interpreterWorkflow' AND NectarWorkspace = 'acme'");
  expect(
    visibilityQuery('acme', {
      flowId: 'f',
      status: 'cancelled',
      trigger: 'cron',
      startedAfter: '2026-01-01T00:00:00Z',
    }),
  ).toBe(
    "WorkflowType = 'interpreterWorkflow' AND NectarWorkspace = 'acme' AND NectarFlowId = 'f' AND ExecutionStatus = 'Canceled' AND NectarTrigger = 'cron' AND StartTime >= '2026-01-01T00:00:00Z'",
  );
});

test('idempotent run ids depend on workspace, flow and key, and look like any run id', () => {
  const id = idempotentRunId('w', 'flow', 'key-1');
  expect(isRunId(id)).toBe(true);
  expect(flowIdOfRunId(id)).toBe('flow');
  expect(idempotentRunId('w', 'flow', 'key-1')).toBe(id);
  expect(idempotentRunId('w2', 'flow', 'key-1')).not.toBe(id);
  expect(idempotentRunId('w', 'flow', 'key-2')).not.toBe(id);
});

test('sealed secrets open only with the same key and context', () => {
  const box = new SecretBox(crypto.randomBytes(32));
  const sealed = box.seal('s3cret', 'acme/TOKEN');
  expect(sealed).not.toContain('s3cret');
  expect(box.open(sealed, 'acme/TOKEN')).toBe('s3cret');
  expect(() => box.open(sealed, 'globex/TOKEN')).toThrow();
  expect(() => new SecretBox(crypto.randomBytes(32)).open(sealed, 'acme/TOKEN')).toThrow();
});
