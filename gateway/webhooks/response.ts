import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorPolicy, nodeErrorTypeOf } from '../../flow/errors';
import type { RunOutcome } from '../runService';

/** What a flow may answer a sync webhook with: a result carrying `response: { status, headers, body }`. */
export const WebhookResponse = z.object({
  status: z.number().int().min(200).max(599).default(200),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/), z.string().max(8_000)).default({}),
  body: z.unknown().optional(),
});
export type WebhookResponse = z.infer<typeof WebhookResponse>;

/** Headers a flow may not set: they belong to the HTTP connection, not to the answer. */
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade']);

function flowResponse(output: unknown): WebhookResponse | undefined {
  if (!output || typeof output !== 'object' || !('response' in output)) return undefined;
  const parsed = WebhookResponse.safeParse(output.response);
  return parsed.success ? parsed.data : undefined;
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.statusCode = status;
  if (!response.hasHeader('content-type')) response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(value) ?? 'null');
}

/** Answers a sync webhook: the response the flow set, its output as JSON, its error, or 202 when it is still running. */
export function sendOutcome(response: ServerResponse, runId: string, outcome: RunOutcome): void {
  response.setHeader('x-nectar-run-id', runId);
  if (outcome.status === 'running') {
    response.setHeader('location', `/api/runs/${runId}`);
    sendJson(response, 202, { runId, status: 'running', run: `/api/runs/${runId}` });
    return;
  }
  if (outcome.status === 'failed') {
    const status = 'type' in outcome.error ? errorPolicy(nodeErrorTypeOf(outcome.error.type)).httpStatus : 500;
    sendJson(response, status, {
      error: { code: 'run_failed', message: outcome.error.message, runId, error: outcome.error },
    });
    return;
  }
  const custom = flowResponse(outcome.output);
  if (!custom) {
    sendJson(response, 200, outcome.output ?? null);
    return;
  }
  for (const [name, value] of Object.entries(custom.headers)) {
    if (!RESERVED.has(name.toLowerCase())) response.setHeader(name, value);
  }
  if (typeof custom.body !== 'string' && custom.body !== undefined) {
    sendJson(response, custom.status, custom.body);
    return;
  }
  response.statusCode = custom.status;
  if (custom.body === undefined) {
    response.end();
    return;
  }
  const type = response.getHeader('content-type');
  if (type === undefined) response.setHeader('content-type', 'text/plain; charset=utf-8');
  else if (!/;\s*charset=/i.test(String(type))) response.setHeader('content-type', `${String(type)}; charset=utf-8`);
  response.end(custom.body);
}
