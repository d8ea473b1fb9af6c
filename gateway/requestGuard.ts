import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { log, requestIdOf } from './logging';

interface InFlight {
  request: IncomingMessage;
  response: ServerResponse;
}

/** The request whose handling is running now, across its callbacks and promises. */
const current = new AsyncLocalStorage<InFlight>();

const INTERNAL = { error: { code: 'internal', message: 'internal error; see the gateway log' } };

/** Answers 500 for this request only (or cuts it, when an answer had begun), logged with its request id. */
function failRequest(inFlight: InFlight, error: unknown, how: string): void {
  const { request, response } = inFlight;
  const reqId = requestIdOf(request);
  log.error({ reqId, method: request.method, url: request.url, err: error }, how);
  // Answered already: the error came from something the request left behind; its socket may serve another request now.
  if (response.writableEnded) return;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.statusCode = 500;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  if (reqId) response.setHeader('x-request-id', reqId);
  response.end(JSON.stringify({ error: { ...INTERNAL.error, requestId: reqId } }));
}

/**
 * Wraps the server's request listener so that no request can end the process: the request's and the response's streams
 * have error listeners (a write after the client left is logged, not thrown), a synchronous throw answers 500, and the
 * request is remembered in an async context, for the process-level guard below.
 */
export function guardRequests(
  listener: RequestListener,
  scope: (handle: () => void) => void = (handle) => handle(),
): RequestListener {
  return (request, response) => {
    const inFlight = { request, response };
    request.on('error', (error) => log.debug({ reqId: requestIdOf(request), err: error }, 'request stream error'));
    response.on('error', (error) => log.warn({ reqId: requestIdOf(request), err: error }, 'response stream error'));
    current.run(inFlight, () =>
      scope(() => {
        try {
          listener(request, response);
        } catch (error) {
          failRequest(inFlight, error, 'request handler threw');
        }
      }),
    );
  };
}

/**
 * The last guard, for an error no handler caught (an `error` event without listener, a rejected promise nobody
 * awaited): it is logged, the request it escaped from (when known) answers 500, and the process keeps serving every
 * other request. Stream and parser errors are all handled where they arise; this is for what was missed.
 */
export function installProcessGuard(): void {
  process.on('uncaughtException', (error) => {
    const inFlight = current.getStore();
    if (inFlight) failRequest(inFlight, error, 'uncaught error in a request');
    else log.error({ err: error }, 'uncaught error outside any request');
  });
  process.on('unhandledRejection', (reason) => {
    const inFlight = current.getStore();
    if (inFlight) failRequest(inFlight, reason, 'unhandled rejection in a request');
    else log.error({ err: reason }, 'unhandled rejection outside any request');
  });
}

/**
 * A body parser's callback runs from the socket's events, outside the request's async context (and so outside this
 * guard's knowledge of the request and the Temporal call deadlines): bound with this, it runs inside it again.
 */
export function inRequestContext<Args extends unknown[]>(callback: (...args: Args) => void): (...args: Args) => void {
  return AsyncResource.bind(callback);
}

/** A body parser (express.json, express.raw) whose `next` runs in the request's context again. */
export function parsingInContext(parser: RequestHandler): RequestHandler {
  return (request, response, next) =>
    parser(
      request,
      response,
      inRequestContext((error?: unknown) => next(error)),
    );
}
