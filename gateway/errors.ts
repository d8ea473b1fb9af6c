import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { log, requestIdOf } from './logging';

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

export function zodProblems(error: z.ZodError, prefix: PropertyKey[] = []): Problem[] {
  return error.issues.map((issue) => ({ path: formatPath([...prefix, ...issue.path]) || '(root)', message: issue.message }));
}

/** Parses untrusted request data, answering 400 with every problem and its place. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'params' | 'headers'): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_request', `invalid request ${where}`, zodProblems(parsed.error, [where]));
  }
  return parsed.data;
}

export const errorHandler: ErrorRequestHandler = (error, request, response, _next) => {
  if (error instanceof HttpError) {
    response.status(error.status).json({ error: { code: error.code, message: error.message, problems: error.problems } });
    return;
  }
  const bodyError = error as { type?: string; status?: number; message?: string };
  if (bodyError.type === 'entity.parse.failed') {
    response.status(400).json({ error: { code: 'invalid_json', message: `the request body is not valid JSON: ${bodyError.message}` } });
    return;
  }
  if (bodyError.type === 'entity.too.large') {
    response.status(413).json({ error: { code: 'body_too_large', message: 'the request body is too large' } });
    return;
  }
  if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    response.status(bodyError.status).json({ error: { code: 'bad_request', message: bodyError.message } });
    return;
  }
  log.error({ reqId: requestIdOf(request), method: request.method, path: request.path, err: error }, 'unhandled error');
  response.status(500).json({ error: { code: 'internal', message: 'internal error; see the gateway log' } });
};
