import { Router } from 'express';
import { workspaceOf } from '../auth';
import { parseRequest } from '../errors';
import type { ScheduleService } from '../scheduleService';
import { BackfillBody, FlowIdParams, NoteBody, ScheduleParams, TriggerNowBody } from '../schemas';

/** `/api/flows/:id/schedules`: the schedules of a flow's cron triggers, with next run times; pause, resume, trigger now, backfill. */
export function scheduleRoutes(schedules: ScheduleService): Router {
  const router = Router({ mergeParams: true });

  router.get('/', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    response.json({ schedules: await schedules.list(id, workspaceOf(request)) });
  });

  router.get('/:triggerId', async (request, response) => {
    const { id, triggerId } = parseRequest(ScheduleParams, request.params, 'params');
    response.json(await schedules.read(id, triggerId, workspaceOf(request)));
  });

  router.post('/:triggerId/pause', async (request, response) => {
    const { id, triggerId } = parseRequest(ScheduleParams, request.params, 'params');
    const { note } = parseRequest(NoteBody, request.body ?? {}, 'body');
    response.json(await schedules.command(id, triggerId, { kind: 'pause', note }, workspaceOf(request)));
  });

  router.post('/:triggerId/resume', async (request, response) => {
    const { id, triggerId } = parseRequest(ScheduleParams, request.params, 'params');
    const { note } = parseRequest(NoteBody, request.body ?? {}, 'body');
    response.json(await schedules.command(id, triggerId, { kind: 'resume', note }, workspaceOf(request)));
  });

  router.post('/:triggerId/trigger', async (request, response) => {
    const { id, triggerId } = parseRequest(ScheduleParams, request.params, 'params');
    const { overlap } = parseRequest(TriggerNowBody, request.body ?? {}, 'body');
    response.status(202).json(await schedules.command(id, triggerId, { kind: 'trigger', overlap }, workspaceOf(request)));
  });

  router.post('/:triggerId/backfill', async (request, response) => {
    const { id, triggerId } = parseRequest(ScheduleParams, request.params, 'params');
    const range = parseRequest(BackfillBody, request.body ?? {}, 'body');
    response.status(202).json(await schedules.command(id, triggerId, { kind: 'backfill', ...range }, workspaceOf(request)));
  });

  return router;
}
