import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './errors';

function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** Requires `Authorization: Bearer <admin key>`. */
export function requireApiKey(adminKey: string): RequestHandler {
  return (request, _response, next) => {
    const header = request.get('authorization');
    if (!header) throw new HttpError(401, 'unauthorized', 'missing Authorization header: send "Authorization: Bearer <API key>"');
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !sameSecret(match[1].trim(), adminKey)) throw new HttpError(401, 'unauthorized', 'invalid API key');
    next();
  };
}
