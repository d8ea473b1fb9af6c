import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookAuth } from '../../flow/triggers';

/** Why a webhook request was refused, or nothing when its credentials are right. */
export type AuthVerdict = { ok: true } | { ok: false; message: string };

function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<raw body>`: what a sender computes and what we check. */
export function webhookSignature(secret: string, timestamp: string, raw: Buffer): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest('hex')}`;
}

export function verifyWebhookAuth(
  auth: WebhookAuth,
  request: { headers: IncomingHttpHeaders; raw: Buffer },
  nowMs: number = Date.now(),
): AuthVerdict {
  switch (auth.type) {
    case 'none':
      return { ok: true };
    case 'header': {
      const given = header(request.headers, auth.header);
      if (given === undefined) return { ok: false, message: `missing ${auth.header} header` };
      return sameSecret(given, auth.value) ? { ok: true } : { ok: false, message: `wrong ${auth.header} header` };
    }
    case 'basic': {
      const match = /^Basic\s+(.+)$/i.exec(header(request.headers, 'authorization') ?? '');
      if (!match) return { ok: false, message: 'missing HTTP basic credentials' };
      const decoded = Buffer.from(match[1].trim(), 'base64').toString('utf8');
      const expected = `${auth.username}:${auth.password}`;
      return sameSecret(decoded, expected) ? { ok: true } : { ok: false, message: 'wrong HTTP basic credentials' };
    }
    case 'hmac': {
      const timestamp = header(request.headers, auth.timestampHeader);
      const signature = header(request.headers, auth.header);
      if (!timestamp || !signature)
        return { ok: false, message: `missing ${auth.header} or ${auth.timestampHeader} header` };
      if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, message: `${auth.timestampHeader} must be Unix seconds` };
      if (Math.abs(nowMs / 1000 - Number(timestamp)) > auth.toleranceSeconds) {
        return { ok: false, message: `${auth.timestampHeader} is more than ${auth.toleranceSeconds} s from now` };
      }
      const expected = webhookSignature(auth.secret, timestamp, request.raw);
      return sameSecret(signature.trim(), expected) ? { ok: true } : { ok: false, message: 'wrong signature' };
    }
  }
}

/** Headers that carry the trigger's credentials: kept out of the run (and so out of Temporal's history). */
export function credentialHeaders(auth: WebhookAuth): string[] {
  switch (auth.type) {
    case 'none':
      return [];
    case 'header':
      return [auth.header];
    case 'basic':
      return ['authorization'];
    case 'hmac':
      return [];
  }
}
