import { z } from 'zod';
import { TriggerId } from '../../flow/eventTriggers';
import { Identifier } from '../../flow/schema';
import { workspaceOf } from '../auth';
import type { RouteRegistry } from '../routeRegistry';
import type { TriggerService } from '../triggerService';
import { FlowIdParams } from '../schemas';

export const TriggerParams = z.object({ id: Identifier, triggerId: TriggerId });

const SUMMARIES = {
  pause:
    'pause an event trigger: no runs start; listened sources keep their position, pushed ones answer 503 so senders retry',
  resume: 'resume: listened sources catch up from their position; `resume` says what a pushed one can do',
};

/** `/api/flows/:id/triggers`: the flow's event triggers, their state, pause and resume. */
export function registerTriggerRoutes(routes: RouteRegistry, triggers: TriggerService): void {
  routes.add(
    {
      method: 'get',
      path: '/api/flows/{id}/triggers',
      tag: 'triggers',
      params: FlowIdParams,
      summary:
        'the flow’s event triggers with their state: active, paused or failing (last error), position, lag, runs started',
      responses: { 200: '{ triggers }', 404: 'no such flow' },
    },
    async (request, response, { params: { id } }) => {
      response.json({ triggers: await triggers.list(id, workspaceOf(request)) });
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    routes.add(
      {
        method: 'post',
        path: `/api/flows/{id}/triggers/{triggerId}/${action}`,
        tag: 'triggers',
        params: TriggerParams,
        summary: SUMMARIES[action],
        responses: { 200: 'the trigger', 404: 'no such flow or trigger' },
      },
      async (request, response, { params: { id, triggerId } }) => {
        response.json(await triggers.setPaused(id, triggerId, workspaceOf(request), action === 'pause'));
      },
    );
  }
}
