import { Router } from 'express';
import { z } from 'zod';
import { TriggerId } from '../../flow/eventTriggers';
import { Identifier } from '../../flow/schema';
import { workspaceOf } from '../auth';
import { parseRequest } from '../errors';
import { describeOperations } from '../openapi';
import type { TriggerService } from '../triggerService';
import { FlowIdParams } from '../schemas';

export const TriggerParams = z.object({ id: Identifier, triggerId: TriggerId });

describeOperations([
  { method: 'get', path: '/api/flows/{id}/triggers', tag: 'triggers', params: FlowIdParams, summary: 'the flow’s event triggers with their state: active, paused or failing (last error), position, lag, runs started', responses: { 200: '{ triggers }', 404: 'no such flow' } },
  { method: 'post', path: '/api/flows/{id}/triggers/{triggerId}/pause', tag: 'triggers', params: TriggerParams, summary: 'pause an event trigger: no runs start; listened sources keep their position, pushed ones answer 503 so senders retry', responses: { 200: 'the trigger', 404: 'no such flow or trigger' } },
  { method: 'post', path: '/api/flows/{id}/triggers/{triggerId}/resume', tag: 'triggers', params: TriggerParams, summary: 'resume: listened sources catch up from their position; `resume` says what a pushed one can do', responses: { 200: 'the trigger', 404: 'no such flow or trigger' } },
]);

/** `/api/flows/:id/triggers`: the flow's event triggers, their state, pause and resume. */
export function triggerRoutes(triggers: TriggerService): Router {
  const router = Router({ mergeParams: true });

  router.get('/', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    response.json({ triggers: await triggers.list(id, workspaceOf(request)) });
  });

  for (const action of ['pause', 'resume'] as const) {
    router.post(`/:triggerId/${action}`, async (request, response) => {
      const { id, triggerId } = parseRequest(TriggerParams, request.params, 'params');
      response.json(await triggers.setPaused(id, triggerId, workspaceOf(request), action === 'pause'));
    });
  }

  return router;
}
