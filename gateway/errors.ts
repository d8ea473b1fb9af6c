import { isGrpcServiceError } from '@temporalio/client';
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { checkPayloadShape, PayloadTooLargeError } from '../common/payloadShape';
import type { DefinitionProblem } from '../flow/validate';
import { log, requestIdOf } from './logging';
import { errorAndCauses, RETRY_AFTER_SECONDS, unavailablePart } from './unavailable';

export interface Problem {
  path: string;
  message: string;
  rule?: string;
  line?: number;
  column?: number;
}

/** An error the client caused or must know about, answered with its status and a JSON body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems?: Problem[],
    /** More fields of the error body, beside code, message and problems (e.g. a draft conflict's current revision). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);

/** `['nodes', 0, 'code']` → `nodes[0].code`, the way people write a field's place. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return text ? `${text}.${String(part)}` : String(part);
  }, '');
}

/** A flow check's problems as the API shows them: each path written out, `(root)` for the definition itself. */
export function placedProblems(problems: DefinitionProblem[]): Problem[] {
  return problems.map(({ path, ...rest }) => ({ path: formatPath(path) || '(root)', ...rest }));
}

export function zodProblems(error: z.ZodError, prefix: PropertyKey[] = []): Problem[] {
  return error.issues.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]) || '(root)',
    message: issue.message,
  }));
}

/** Parses untrusted request data, answering 400 with every problem and its place. */
export function parseRequest<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: 'body' | 'query' | 'params' | 'headers',
): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_request', `invalid request ${where}`, zodProblems(parsed.error, [where]));
  }
  return parsed.data;
}

/** Refuses (400, naming the limit and the place) a payload nested too deep or with too many keys, before anything recurses over it. */
export function assertPayloadShape(value: unknown, root: string): void {
  const violation = checkPayloadShape(value, root);
  if (!violation) return;
  const code = violation.limit === 'maxDepth' ? 'payload_too_deep' : 'payload_too_many_keys';
  throw new HttpError(400, code, `${violation.path}: ${violation.message}`, [
    { path: violation.path, message: violation.message, rule: violation.limit },
  ]);
}

const GRPC_INVALID_ARGUMENT = 3;

/**
 * The Temporal server refusing a start or an update whose payload passes its blob size limit (INVALID_ARGUMENT, "Blob
 * data size exceeds limit."): the caller's input was too large, not a fault of ours. Through causes, as the SDK wraps.
 */
function overTemporalBlobLimit(error: unknown): boolean {
  for (const at of errorAndCauses(error)) {
    // The native connection's errors carry the server's words in `message`, with `details` empty.
    const said =
      isGrpcServiceError(at) && Number(at.code) === GRPC_INVALID_ARGUMENT ? `${at.details} ${at.message}` : '';
    if (/size exceeds limit/i.test(said)) return true;
  }
  return false;
}

/** The status and JSON body an error is answered with; `unexpected` when it is a fault of ours (then logged). */
export function errorAnswer(error: unknown): {
  status: number;
  body: { error: Record<string, unknown> };
  headers?: Record<string, string>;
  unexpected?: true;
} {
  const down = unavailablePart(error);
  if (down) {
    const message = `the ${down === 'store' ? 'store' : 'Temporal server'} is not answering; try again shortly`;
    return {
      status: 503,
      body: { error: { code: `${down}_unavailable`, message } },
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    };
  }
  if (overTemporalBlobLimit(error)) {
    return {
      status: 413,
      body: {
        error: {
          code: 'payload_too_large',
          message:
            'the run is larger than the Temporal server accepts in one payload (its blob size limit, 2 MiB by default); send a smaller input',
        },
      },
    };
  }
  if (error instanceof PayloadTooLargeError) {
    return {
      status: 413,
      body: { error: { code: 'payload_too_large', message: error.message, limit: error.limit, bytes: error.bytes } },
    };
  }
  if (error instanceof HttpError) {
    const retry = error.status === 503 ? { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } } : {};
    return {
      status: error.status,
      body: { error: { ...error.details, code: error.code, message: error.message, problems: error.problems } },
      ...retry,
    };
  }
  const bodyError = error as { type?: string; status?: number; message?: string };
  if (bodyError.type === 'entity.parse.failed') {
    return {
      status: 400,
      body: { error: { code: 'invalid_json', message: `the request body is not valid JSON: ${bodyError.message}` } },
    };
  }
  if (bodyError.type === 'entity.too.large') {
    const { limit, length } = bodyError as { limit?: number; length?: number };
    const message =
      typeof limit === 'number'
        ? `the request body${typeof length === 'number' ? ` (${length} bytes)` : ''} is past this route's ${limit}-byte limit`
        : 'the request body is too large';
    return {
      status: 413,
      body: { error: { code: 'body_too_large', message, ...(typeof limit === 'number' ? { limit } : {}) } },
    };
  }
  if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    return { status: bodyError.status, body: { error: { code: 'bad_request', message: bodyError.message } } };
  }
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'internal error; see the gateway log' } },
    unexpected: true,
  };
}

export const errorHandler: ErrorRequestHandler = (error, request, response, _next) => {
  const answer = errorAnswer(error);
  if (answer.unexpected)
    log.error(
      { reqId: requestIdOf(request), method: request.method, path: request.path, err: error },
      'unhandled error',
    );
  else if (answer.status === 503) log.warn({ reqId: requestIdOf(request), err: error }, 'a part is down');
  if (response.headersSent) {
    response.destroy();
    return;
  }
  if (answer.headers) response.set(answer.headers);
  response.status(answer.status).json(answer.body);
};
