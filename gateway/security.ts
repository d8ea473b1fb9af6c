import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { principalOf } from './auth';
import { HttpError } from './errors';

/** helmet's defaults that matter for a JSON API: no sniffing, no framing, no referrer, isolated origins. */
export function setSecurityHeaders(response: ServerResponse, contentSecurityPolicy: boolean): void {
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('x-frame-options', 'DENY');
  response.setHeader('referrer-policy', 'no-referrer');
  response.setHeader('cross-origin-opener-policy', 'same-origin');
  response.setHeader('cross-origin-resource-policy', 'same-origin');
  response.setHeader('x-dns-prefetch-control', 'off');
  if (contentSecurityPolicy)
    response.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
}

export function securityHeaders(options: { contentSecurityPolicy: boolean }): RequestHandler {
  return (_request, response, next) => {
    setSecurityHeaders(response, options.contentSecurityPolicy);
    next();
  };
}

const CORS_HEADERS = 'authorization, content-type, idempotency-key, x-nectar-workspace, x-request-id';

/**
 * CORS for the origins configured (NECTAR_CORS_ORIGINS; `*` for any); none when the list is empty. The function
 * returned adds the headers a request from an allowed origin gets, and answers a preflight itself (then true).
 */
export function corsFor(origins: string[]): (request: IncomingMessage, response: ServerResponse) => boolean {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (request, response) => {
    const origin = request.headers.origin;
    if (!origin || !(any || allowed.has(origin))) return false;
    response.setHeader('access-control-allow-origin', any ? '*' : origin);
    const vary = response.getHeader('vary');
    response.setHeader('vary', vary ? `${String(vary)}, Origin` : 'Origin');
    response.setHeader('access-control-expose-headers', 'x-request-id, x-nectar-run-id, location, retry-after');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      response.setHeader('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
      response.setHeader('access-control-allow-headers', CORS_HEADERS);
      response.setHeader('access-control-max-age', '600');
      response.statusCode = 204;
      response.end();
      return true;
    }
    return false;
  };
}

export function cors(origins: string[]): RequestHandler {
  const apply = corsFor(origins);
  return (request, response, next) => {
    if (!apply(request, response)) next();
  };
}

/**
 * A fixed-window limit per API key (NECTAR_RATE_LIMIT_PER_MINUTE); the admin key is the operator's and is not limited.
 * Kept in memory: each gateway process limits what it serves.
 */
export function rateLimitPerKey(perMinute: number): RequestHandler {
  const windows = new Map<string, { start: number; count: number }>();
  return (request, response, next) => {
    const principal = principalOf(request);
    if (principal.admin || perMinute <= 0 || !principal.keyId) {
      next();
      return;
    }
    const now = Date.now();
    const windowStart = now - (now % 60_000);
    let window = windows.get(principal.keyId);
    if (!window || window.start !== windowStart) {
      window = { start: windowStart, count: 0 };
      windows.set(principal.keyId, window);
      if (windows.size > 10_000) windows.delete(windows.keys().next().value!);
    }
    window.count += 1;
    const remaining = Math.max(0, perMinute - window.count);
    response.setHeader('ratelimit-limit', String(perMinute));
    response.setHeader('ratelimit-remaining', String(remaining));
    if (window.count > perMinute) {
      const retryAfter = Math.ceil((windowStart + 60_000 - now) / 1000);
      response.setHeader('retry-after', String(retryAfter));
      throw new HttpError(
        429,
        'rate_limited',
        `this key may make ${perMinute} requests a minute; retry in ${retryAfter} s`,
      );
    }
    next();
  };
}
