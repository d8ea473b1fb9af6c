import { Router } from 'express';
import type { FlowStore } from '../../store/flows';
import { FlowExistsError } from '../../store/flows';
import { workspaceOf } from '../auth';
import { HttpError, notFound, parseRequest } from '../errors';
import type { FlowService } from '../flowService';
import { redactDefinition } from '../redact';
import type { RunService } from '../runService';
import { DraftSaveQuery, FlowIdParams, StartRunBody, StartRunQuery } from '../schemas';
import { definitionForId } from './flows';
import { answerStartedRun } from './runs';

const noDraft = (id: string) => notFound(`draft of flow "${id}"`);

/**
 * `/api/flows/:id/draft`: the flow's working copy, saved (validated like a version) without creating a version, read,
 * discarded, and run (`/runs`) with its revision pinned. Versions, the production URL and schedules ignore it.
 */
export function draftRoutes(flows: FlowStore, service: FlowService, runs: RunService): Router {
  const router = Router({ mergeParams: true });

  router.put('/', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    const { baseRevision } = parseRequest(DraftSaveQuery, request.query, 'query');
    const definition = definitionForId(id, request.body);
    try {
      const draft = await service.saveDraft(definition, workspaceOf(request), baseRevision);
      response.json({ id, revision: draft.revision, savedAt: draft.savedAt });
    } catch (error) {
      if (error instanceof FlowExistsError) throw new HttpError(409, 'flow_exists', error.message);
      throw error;
    }
  });

  router.get('/', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    const workspace = workspaceOf(request);
    const [draft, latest] = await Promise.all([flows.drafts.current(id, workspace), flows.latest(id, workspace)]);
    if (!draft) throw noDraft(id);
    response.json({ id, revision: draft.revision, savedAt: draft.savedAt, latestVersion: latest?.version ?? null, definition: redactDefinition(draft.definition) });
  });

  router.delete('/', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    if (!(await flows.drafts.discard(id, workspaceOf(request)))) throw noDraft(id);
    response.status(204).end();
  });

  router.post('/runs', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    const body = parseRequest(StartRunBody, request.body ?? {}, 'body');
    const query = parseRequest(StartRunQuery, request.query, 'query');
    const workspace = workspaceOf(request);
    const draft = await flows.drafts.current(id, workspace);
    if (!draft) throw noDraft(id);
    const trigger = { type: 'api' as const, source: 'api-test', payload: body.input ?? null };
    const runId = await runs.start(id, 0, trigger, { workspace, draft: draft.revision });
    await answerStartedRun(response, runs, { runId, workspace, ...query });
  });

  return router;
}
