import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import pino from 'pino';

/** The gateway's structured log: one JSON line per event, on stdout (the launcher keeps it in logs/gateway.log). */
export const log = pino({ level: process.env.NECTAR_LOG_LEVEL ?? 'info', base: { service: 'gateway' } });

const requestIds = new WeakMap<Request, string>();
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestIdOf = (request: Request): string | undefined => requestIds.get(request);

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is sane, otherwise a new one), answers with it, and
 * logs the request once it is answered, with that id.
 */
export function requestLogging(): RequestHandler {
  return (request, response, next) => {
    const incoming = request.get('x-request-id');
    const id = incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
    requestIds.set(request, id);
    response.setHeader('x-request-id', id);
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const fields = { reqId: id, method: request.method, path: request.path, status: response.statusCode, ms: Math.round(ms * 10) / 10 };
      if (response.statusCode >= 500) log.error(fields, 'request failed');
      else log.info(fields, 'request');
    });
    next();
  };
}
