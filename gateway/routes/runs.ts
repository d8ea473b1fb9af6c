import { Response, Router } from 'express';
import { z } from 'zod';
import { EventType } from '../../flow/eventTriggers';
import { Identifier } from '../../flow/schema';
import { FlowStore } from '../../store/flows';
import { notFound, parseRequest } from '../errors';
import { RunService } from '../runService';
import { workspaceOf } from '../auth';
import { FlowIdParams, RunIdParams, StartRunBody, StartRunQuery } from '../schemas';

const DEFAULT_WAIT_MS = 60_000;

/** `POST /api/flows/:id/runs`: starts a run of the flow's newest version, pinned at start. */
export function startRunRoutes(flows: FlowStore, runs: RunService): Router {
  const router = Router({ mergeParams: true });
  router.post('/', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    const body = parseRequest(StartRunBody, request.body ?? {}, 'body');
    const query = parseRequest(StartRunQuery, request.query, 'query');
    const workspace = workspaceOf(request);
    const flow = await flows.latest(id, workspace);
    if (!flow) throw notFound(`flow "${id}"`);
    const runId = await runs.start(flow.flowId, flow.version, { type: 'api', source: 'api', payload: body.input ?? null }, { workspace });
    await answerStartedRun(response, runs, { runId, workspace, ...query });
  });
  return router;
}

/** Answers a run just started: 202 `{ runId }`, or with `wait` the run once it closes (202 if still running then). */
export async function answerStartedRun(
  response: Response,
  runs: RunService,
  started: { runId: string; workspace: string; wait: boolean; timeoutMs?: number },
): Promise<void> {
  const { runId, workspace } = started;
  if (!started.wait) {
    response.status(202).location(`/api/runs/${runId}`).json({ runId });
    return;
  }
  await runs.waitForClose(runId, started.timeoutMs ?? DEFAULT_WAIT_MS);
  const run = await runs.read(runId, workspace);
  response.status(run.status === 'running' ? 202 : 200).json(run);
}

export function runRoutes(runs: RunService): Router {
  const router = Router();
  router.get('/:runId', async (request, response) => {
    const { runId } = parseRequest(RunIdParams, request.params, 'params');
    const run = await runs.read(runId, workspaceOf(request));
    if (!run) throw notFound(`run "${runId}"`);
    response.json(run);
  });
  router.post('/:runId/cancel', async (request, response) => {
    const { runId } = parseRequest(RunIdParams, request.params, 'params');
    await runs.assertInWorkspace(runId, workspaceOf(request));
    await runs.cancel(runId);
    response.status(202).json({ runId, status: 'cancelling' });
  });
  router.post('/:runId/events', async (request, response) => {
    const { runId } = parseRequest(RunIdParams, request.params, 'params');
    const body = parseRequest(RunEventBody, request.body ?? {}, 'body');
    await runs.assertInWorkspace(runId, workspaceOf(request));
    await runs.sendEvent(runId, body.event, body.payload);
    response.status(202).json({ runId, event: body.event });
  });
  return router;
}

/** `POST /api/runs/:runId/events`: an event or approval for the run's `wait` nodes. */
const RunEventBody = z.object({ event: EventType, payload: z.json().optional() }).strict();
