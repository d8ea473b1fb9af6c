import { workspaceOf } from '../auth';
import { INVALID_REQUEST, RouteRegistry } from '../routeRegistry';
import type { ScheduleService } from '../scheduleService';
import { BackfillBody, FlowIdParams, NoteBody, ScheduleParams, TriggerNowBody } from '../schemas';

const NO_SCHEDULE = 'no such flow or trigger';

/** `/api/flows/:id/schedules`: the schedules of a flow's cron triggers, with next run times; pause, resume, trigger now, backfill. */
export function registerScheduleRoutes(routes: RouteRegistry, schedules: ScheduleService): void {
  routes.add(
    {
      method: 'get',
      path: '/api/flows/{id}/schedules',
      tag: 'schedules',
      params: FlowIdParams,
      summary: 'the schedules of the flow’s cron triggers, with next run times',
      responses: { 200: '{ schedules }', 404: 'no such flow' },
    },
    async (request, response, { params: { id } }) => {
      response.json({ schedules: await schedules.list(id, workspaceOf(request)) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/flows/{id}/schedules/{triggerId}',
      tag: 'schedules',
      params: ScheduleParams,
      summary: 'one schedule',
      responses: { 200: 'the schedule', 404: NO_SCHEDULE },
    },
    async (request, response, { params: { id, triggerId } }) => {
      response.json(await schedules.read(id, triggerId, workspaceOf(request)));
    },
  );

  for (const kind of ['pause', 'resume'] as const) {
    routes.add(
      {
        method: 'post',
        path: `/api/flows/{id}/schedules/{triggerId}/${kind}`,
        tag: 'schedules',
        params: ScheduleParams,
        body: NoteBody,
        summary: kind,
        responses: { 200: 'the schedule', 404: NO_SCHEDULE },
      },
      async (request, response, { params: { id, triggerId }, body: { note } }) => {
        response.json(await schedules.command(id, triggerId, { kind, note }, workspaceOf(request)));
      },
    );
  }

  routes.add(
    {
      method: 'post',
      path: '/api/flows/{id}/schedules/{triggerId}/trigger',
      tag: 'schedules',
      params: ScheduleParams,
      body: TriggerNowBody,
      summary: 'start a run now',
      responses: { 202: 'the schedule', 404: NO_SCHEDULE },
    },
    async (request, response, { params: { id, triggerId }, body: { overlap } }) => {
      response
        .status(202)
        .json(await schedules.command(id, triggerId, { kind: 'trigger', overlap }, workspaceOf(request)));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/flows/{id}/schedules/{triggerId}/backfill',
      tag: 'schedules',
      params: ScheduleParams,
      body: BackfillBody,
      summary: 'take the actions a past time range held',
      responses: { 202: 'the schedule', 400: INVALID_REQUEST, 404: NO_SCHEDULE },
    },
    async (request, response, { params: { id, triggerId }, body: range }) => {
      response
        .status(202)
        .json(await schedules.command(id, triggerId, { kind: 'backfill', ...range }, workspaceOf(request)));
    },
  );
}
