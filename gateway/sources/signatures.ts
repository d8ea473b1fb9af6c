/**
 * Signatures of third-party webhooks: Standard Webhooks (standardwebhooks.com: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, key = base64 after `whsec_`) and Stripe's
 * (`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`, key used as UTF-8). Pure functions: the verdict names
 * what is wrong so a sender's operator can fix it, never the secret or the expected signature.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type Verdict = { ok: true; eventId?: string } | { ok: false; message: string };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** The secrets in a variable's value: one, or several separated by spaces or commas while one is rotated. */
export function secretsOf(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean);
}

function timestampProblem(
  timestamp: string | undefined,
  toleranceSeconds: number,
  nowSeconds: number,
): string | undefined {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return 'the timestamp is missing or not Unix seconds';
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds)
    return `the timestamp is more than ${toleranceSeconds} s from now (replayed, or a clock is off)`;
  return undefined;
}

/** The HMAC key of a Standard Webhooks secret: the base64 after `whsec_` (or the whole string when it has no prefix). */
function standardKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export function verifyStandardWebhook(
  headers: IncomingHttpHeaders,
  body: Buffer,
  options: { secrets: string[]; toleranceSeconds: number; nowSeconds?: number },
): Verdict {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !signatures)
    return { ok: false, message: 'webhook-id, webhook-timestamp and webhook-signature headers are required' };
  const late = timestampProblem(
    timestamp,
    options.toleranceSeconds,
    options.nowSeconds ?? Math.floor(Date.now() / 1000),
  );
  if (late) return { ok: false, message: late };
  const offered = signatures
    .split(' ')
    .map((entry) => entry.split(','))
    .filter(([version, value]) => version === 'v1' && value)
    .map(([, value]) => Buffer.from(value, 'base64'));
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
  for (const secret of options.secrets) {
    const expected = crypto.createHmac('sha256', standardKey(secret)).update(signed).digest();
    if (offered.some((signature) => equalBytes(signature, expected))) return { ok: true, eventId: id };
  }
  return { ok: false, message: 'no v1 signature matches' };
}

export function verifyStripeSignature(
  headers: IncomingHttpHeaders,
  body: Buffer,
  options: { secrets: string[]; toleranceSeconds: number; nowSeconds?: number },
): Verdict {
  const value = header(headers, 'stripe-signature');
  if (!value) return { ok: false, message: 'the Stripe-Signature header is required' };
  const parts = value.split(',').map((part) => {
    const at = part.indexOf('=');
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
  });
  const timestamp = parts.find(([name]) => name === 't')?.[1];
  const late = timestampProblem(
    timestamp,
    options.toleranceSeconds,
    options.nowSeconds ?? Math.floor(Date.now() / 1000),
  );
  if (late) return { ok: false, message: late };
  const offered = parts
    .filter(([name, hex]) => name === 'v1' && /^[0-9a-f]+$/i.test(hex))
    .map(([, hex]) => Buffer.from(hex, 'hex'));
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`), body]);
  for (const secret of options.secrets) {
    const expected = crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(signed).digest();
    if (offered.some((signature) => equalBytes(signature, expected))) return { ok: true };
  }
  return { ok: false, message: 'no v1 signature matches' };
}

/** Signs as a Standard Webhooks sender does (tests, and anyone checking their set-up). */
export function signStandardWebhook(secret: string, id: string, timestamp: number, body: string | Buffer): string {
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), Buffer.from(body)]);
  return `v1,${crypto.createHmac('sha256', standardKey(secret)).update(signed).digest('base64')}`;
}

/** Signs as Stripe does. */
export function signStripe(secret: string, timestamp: number, body: string | Buffer): string {
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)]);
  return `t=${timestamp},v1=${crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(signed).digest('hex')}`;
}
