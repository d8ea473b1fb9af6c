import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import pino from 'pino';

/** The gateway's structured log: one JSON line per event, on stdout (the launcher keeps it in logs/gateway.log). */
export const log = pino({ level: process.env.NECTAR_LOG_LEVEL ?? 'info', base: { service: 'gateway' } });

const requestIds = new WeakMap<IncomingMessage, string>();
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestIdOf = (request: IncomingMessage): string | undefined => requestIds.get(request);

/** A request target split at its `?`: the path, and the query string without the `?` (empty when none). */
export function splitUrl(url: string): { path: string; query: string } {
  const queryAt = url.indexOf('?');
  return queryAt < 0 ? { path: url, query: '' } : { path: url.slice(0, queryAt), query: url.slice(queryAt + 1) };
}

/**
 * Gives a request an id (the caller's `X-Request-Id` when it is sane, otherwise a new one), answers with it, and logs
 * the request once it is answered, with that id.
 */
export function tagRequest(
  request: IncomingMessage,
  response: ServerResponse,
  path = splitUrl(request.url ?? '').path,
): void {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
  requestIds.set(request, id);
  response.setHeader('x-request-id', id);
  const started = process.hrtime.bigint();
  response.once('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const fields = {
      reqId: id,
      method: request.method,
      path,
      status: response.statusCode,
      ms: Math.round(ms * 10) / 10,
    };
    if (response.statusCode >= 500) log.error(fields, 'request failed');
    else log.info(fields, 'request');
  });
}

export function requestLogging(): RequestHandler {
  return (request, response, next) => {
    tagRequest(request, response);
    next();
  };
}
