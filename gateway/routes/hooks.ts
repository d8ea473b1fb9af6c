import express, { Router } from 'express';
import { z } from 'zod';
import { Identifier } from '../../flow/schema';
import { parseRequest } from '../errors';
import { sendOutcome } from '../webhooks/response';
import type { WebhookService } from '../webhooks/service';

export const HookParams = z.object({ flowId: Identifier, rest: z.array(z.string()).optional() });
export const IdempotencyKey = z.string().min(1).max(200).optional();

/**
 * `ANY /hooks/:flowId[/*]` (and the test URL `/hooks-test/…`, with the draft's service): every body type as raw bytes
 * (signatures need them), then one call to the service.
 */
export function hookRoutes(webhooks: Pick<WebhookService, 'deliver'>, bodyLimit: string, uploadLimit: string = bodyLimit): Router {
  const router = Router();
  // Multipart bodies carry files and get their own, larger, limit; the second parser skips a body already read.
  router.use(express.raw({ type: 'multipart/form-data', limit: uploadLimit }));
  router.use(express.raw({ type: () => true, limit: bodyLimit }));
  router.all(['/:flowId', '/:flowId/*rest'], async (request, response) => {
    const { flowId, rest } = parseRequest(HookParams, request.params, 'params');
    const idempotencyKey = parseRequest(IdempotencyKey, request.get('idempotency-key'), 'headers');
    const answer = await webhooks.deliver({
      flowId,
      subPath: `/${(rest ?? []).join('/')}`,
      method: request.method,
      query: request.query as Record<string, unknown>,
      headers: request.headers,
      raw: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      idempotencyKey,
    });
    if (answer.duplicate) response.setHeader('idempotent-replayed', 'true');
    if (answer.kind === 'accepted') {
      response.status(202).location(`/api/runs/${answer.runId}`).json({ runId: answer.runId });
      return;
    }
    sendOutcome(response, answer.runId, answer.outcome);
  });
  return router;
}
