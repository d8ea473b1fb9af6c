import type { IncomingMessage, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import express from 'express';
import { z } from 'zod';
import { Identifier } from '../../flow/schema';
import { errorAnswer, HttpError, parseRequest } from '../errors';
import { log, requestIdOf, splitUrl, tagRequest } from '../logging';
import { inRequestContext } from '../requestGuard';
import type { RouteRegistry } from '../routeRegistry';
import { IdempotencyHeaders } from '../schemas';
import { corsFor, setSecurityHeaders } from '../security';
import { isMultipart } from './multipart';
import { sendJson, sendOutcome } from './response';
import type { WebhookService } from './service';

export const HookParams = z.object({ flowId: Identifier, rest: z.array(z.string()).optional() });

type Deliverer = Pick<WebhookService, 'deliver'>;

export interface IntakeOptions {
  /** `/hooks/…`: the newest saved version. */
  webhooks: Deliverer;
  /** `/hooks-test/…`: the current draft. */
  testWebhooks: Deliverer;
  bodyLimit: string;
  /** Multipart bodies carry files and get their own, larger, limit. */
  uploadLimit: string;
  corsOrigins: string[];
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'bad_request', `the path segment "${segment}" is not valid URL encoding`);
  }
}

/**
 * `ANY /hooks/:flowId[/*]` and the test URLs `/hooks-test/…`, served on the plain HTTP server ahead of express. A
 * delivery is the gateway's hot path, and a profile put express's router, request and response layers at half of its
 * cost; what a delivery needs is few things: the request id and log line, the security and CORS headers, the raw body
 * (signatures need the bytes; express's own raw parser reads it, with its limits and encodings), one call to the
 * service. Returns false for any other request, which express then serves.
 */
export function webhookIntake(options: IntakeOptions): (request: IncomingMessage, response: ServerResponse) => boolean {
  const readBody = express.raw({ type: () => true, limit: options.bodyLimit });
  const readUpload = express.raw({ type: () => true, limit: options.uploadLimit });
  const cors = corsFor(options.corsOrigins);

  const fail = (request: IncomingMessage, response: ServerResponse, error: unknown) => {
    const answer = errorAnswer(error);
    if (answer.unexpected)
      log.error(
        { reqId: requestIdOf(request), method: request.method, url: request.url, err: error },
        'unhandled error',
      );
    else if (answer.status === 503) log.warn({ reqId: requestIdOf(request), err: error }, 'a part is down');
    if (response.headersSent) {
      response.destroy();
      return;
    }
    for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
    sendJson(response, answer.status, answer.body);
  };

  const deliver = async (
    service: Deliverer,
    request: IncomingMessage & { body?: unknown },
    response: ServerResponse,
    segments: string[],
    query: string,
  ) => {
    const { flowId } = parseRequest(HookParams, { flowId: decodeSegment(segments[0]) }, 'params');
    const rest = segments.slice(1).map(decodeSegment);
    const { 'idempotency-key': idempotencyKey } = parseRequest(IdempotencyHeaders, request.headers, 'headers');
    const answer = await service.deliver({
      flowId,
      subPath: `/${rest.join('/')}`,
      method: request.method ?? 'GET',
      query: querystring.parse(query),
      headers: request.headers,
      raw: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      idempotencyKey,
    });
    if (answer.duplicate) response.setHeader('idempotent-replayed', 'true');
    if (answer.kind === 'accepted') {
      response.setHeader('location', `/api/runs/${answer.runId}`);
      sendJson(response, 202, { runId: answer.runId });
      return;
    }
    sendOutcome(response, answer.runId, answer.outcome);
  };

  return (request, response) => {
    const url = request.url ?? '';
    const service = url.startsWith('/hooks/')
      ? options.webhooks
      : url.startsWith('/hooks-test/')
        ? options.testWebhooks
        : undefined;
    if (!service) return false;
    const { path, query } = splitUrl(url);
    const segments = path.slice(path.indexOf('/', 1) + 1).split('/');
    if (!segments[0]) return false;
    if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
    tagRequest(request, response, path);
    setSecurityHeaders(response, true);
    if (cors(request, response)) return true;
    const read = isMultipart(request.headers['content-type']) ? readUpload : readBody;
    read(
      request,
      response,
      inRequestContext((error?: unknown) => {
        if (error) fail(request, response, error);
        else
          deliver(service, request, response, segments, query).catch((failure: unknown) =>
            fail(request, response, failure),
          );
      }),
    );
    return true;
  };
}

/** The routes the intake serves, for the OpenAPI document (they are served here, ahead of express). */
export function describeWebhookIntake(routes: RouteRegistry): void {
  const params = HookParams.omit({ rest: true });
  const withPath = params.extend({ path: z.string() });
  const common = { method: 'any', tag: 'webhooks', auth: 'webhook', headers: IdempotencyHeaders } as const;
  routes.describe({
    ...common,
    path: '/hooks/{flowId}',
    params,
    summary:
      'webhook trigger (any method): JSON, form, text, raw or multipart (files stored, passed as references); `Idempotency-Key` answers the first run',
    responses: {
      202: '{ runId } (async, or sync past its timeout)',
      200: 'the flow’s result (sync)',
      401: 'wrong credentials',
      404: 'no webhook',
      405: 'method not allowed',
      413: 'body too large',
    },
  });
  routes.describe({
    ...common,
    path: '/hooks/{flowId}/{path}',
    params: withPath,
    summary: 'webhook trigger with a sub-path (reaches the run as `path`)',
    responses: { 202: '{ runId }', 200: 'the flow’s result (sync)' },
  });
  routes.describe({
    ...common,
    path: '/hooks-test/{flowId}',
    params,
    summary:
      'test URL: runs the flow’s draft by the draft’s webhook trigger (its auth, methods, respond mode), the draft revision pinned',
    responses: {
      202: '{ runId } (async, or sync past its timeout)',
      200: 'the flow’s result (sync)',
      401: 'wrong credentials',
      404: 'no draft, or the draft has no webhook trigger',
      429: 'the month’s executions are used',
    },
  });
  routes.describe({
    ...common,
    path: '/hooks-test/{flowId}/{path}',
    params: withPath,
    summary: 'test URL with a sub-path',
    responses: { 202: '{ runId }', 200: 'the flow’s result (sync)' },
  });
}
