import type { Response } from 'express';
import { z } from 'zod';
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
  const parsed = WebhookResponse.safeParse((output as { response: unknown }).response);
  return parsed.success ? parsed.data : undefined;
}

/** Answers a sync webhook: the response the flow set, its output as JSON, its error, or 202 when it is still running. */
export function sendOutcome(response: Response, runId: string, outcome: RunOutcome): void {
  response.setHeader('x-nectar-run-id', runId);
  if (outcome.status === 'running') {
    response.status(202).location(`/api/runs/${runId}`).json({ runId, status: 'running', run: `/api/runs/${runId}` });
    return;
  }
  if (outcome.status === 'failed') {
    response.status(500).json({ error: { code: 'run_failed', message: outcome.error.message, runId, error: outcome.error } });
    return;
  }
  const custom = flowResponse(outcome.output);
  if (!custom) {
    response.status(200).json(outcome.output ?? null);
    return;
  }
  for (const [name, value] of Object.entries(custom.headers)) {
    if (!RESERVED.has(name.toLowerCase())) response.setHeader(name, value);
  }
  response.status(custom.status);
  if (custom.body === undefined) response.end();
  else if (typeof custom.body === 'string') {
    if (!response.getHeader('content-type')) response.type('text/plain');
    response.send(custom.body);
  } else response.json(custom.body);
}
