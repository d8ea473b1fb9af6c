import { z } from 'zod';
import { EventType } from '../../flow/eventTriggers';
import type { EventBus } from '../../temporal/eventBus';
import { workspaceOf } from '../auth';
import { INVALID_REQUEST, RouteRegistry, RUN_PAYLOAD_TOO_LARGE } from '../routeRegistry';
import type { RunService } from '../runService';

export const PublishEventBody = z
  .object({
    type: EventType,
    /** The event's identity; the same id again starts and delivers nothing new. */
    id: z.string().min(1).max(200).optional(),
    payload: z.json().optional(),
  })
  .strict();

/** `POST /api/events`: publishes an event on the workspace's bus. */
export function registerEventRoutes(routes: RouteRegistry, bus: EventBus, runs: RunService): void {
  routes.add(
    {
      method: 'post',
      path: '/api/events',
      tag: 'events',
      body: PublishEventBody,
      summary:
        'the event bus: starts one run of every flow of the workspace with a trigger `{ "type": "event", "event": type }` (one per flow and event id) and delivers the event to runs whose `wait` nodes wait for it with a matching `match`',
      responses: {
        202: '{ id, runs: [{ flowId, triggerId, runId, duplicate }], delivered: [runId], paused: [flowId] }',
        400: INVALID_REQUEST,
        429: 'the month’s executions are used',
        413: RUN_PAYLOAD_TOO_LARGE,
      },
    },
    async (request, response, { body: event }) => {
      const workspace = workspaceOf(request);
      await runs.assertQuota(workspace);
      response.status(202).json(await bus.publish(workspace, { ...event, payload: event.payload ?? null }));
    },
  );
}
