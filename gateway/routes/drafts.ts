import { z } from 'zod';
import { FlowDefinition } from '../../flow/schema';
import { DraftConflictError } from '../answers';
import type { FlowStore } from '../../store/flows';
import { FlowExistsError } from '../../store/flows';
import { workspaceOf } from '../auth';
import { HttpError, notFound } from '../errors';
import type { FlowService } from '../flowService';
import { REDACTED_SECRET, redactDefinition } from '../redact';
import { INVALID_REQUEST, RouteRegistry, RUN_PAYLOAD_TOO_LARGE } from '../routeRegistry';
import type { RunService } from '../runService';
import { DraftSaveQuery, FlowIdParams, IdempotencyHeaders, StartRunBody, StartRunQuery } from '../schemas';
import { definitionForId } from './flows';
import { answerStartedRun, scopedKey } from './runs';

const noDraft = (id: string) => notFound(`draft of flow "${id}"`);

/**
 * `/api/flows/:id/draft`: the flow's working copy, saved (validated like a version) without creating a version, read,
 * discarded, and run (`/runs`) with its revision pinned. Versions, the production URL and schedules ignore it.
 */
export function registerDraftRoutes(
  routes: RouteRegistry,
  flows: FlowStore,
  service: FlowService,
  runs: RunService,
): void {
  routes.add(
    {
      method: 'put',
      path: '/api/flows/{id}/draft',
      tag: 'drafts',
      params: FlowIdParams,
      query: DraftSaveQuery,
      body: FlowDefinition,
      bodyCheckedByHandler: true,
      summary:
        'save the flow’s draft (working copy): validated like a version, creates none; a flow may have a draft before its first version. With `baseRevision` (the revision the edit started from, 0 for none) a draft saved since is not overwritten',
      responses: {
        200: '{ id, revision, savedAt }',
        400: INVALID_REQUEST,
        409: {
          description:
            '`{ error: DraftConflictError }`: the draft is no longer at `baseRevision`; or (`flow_exists`) the id is another workspace’s, or a deleted flow’s',
          schema: z.object({ error: DraftConflictError }),
        },
      },
    },
    async (request, response, { params: { id }, query: { baseRevision } }) => {
      const definition = definitionForId(id, request.body);
      try {
        const draft = await service.saveDraft(definition, workspaceOf(request), baseRevision);
        response.json({ id, revision: draft.revision, savedAt: draft.savedAt });
      } catch (error) {
        if (error instanceof FlowExistsError) throw new HttpError(409, 'flow_exists', error.message);
        throw error;
      }
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/flows/{id}/draft',
      tag: 'drafts',
      params: FlowIdParams,
      summary: `read the draft (webhook credentials show as "${REDACTED_SECRET}")`,
      responses: { 200: '{ id, revision, savedAt, latestVersion, definition }', 404: 'no draft' },
    },
    async (request, response, { params: { id } }) => {
      const workspace = workspaceOf(request);
      const [draft, latest] = await Promise.all([flows.drafts.current(id, workspace), flows.latest(id, workspace)]);
      if (!draft) throw noDraft(id);
      response.json({
        id,
        revision: draft.revision,
        savedAt: draft.savedAt,
        latestVersion: latest?.version ?? null,
        definition: redactDefinition(draft.definition),
      });
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/flows/{id}/draft',
      tag: 'drafts',
      params: FlowIdParams,
      summary: 'discard the draft (runs that pinned a revision finish on it)',
      responses: { 204: 'discarded', 404: 'no draft' },
    },
    async (request, response, { params: { id } }) => {
      if (!(await flows.drafts.discard(id, workspaceOf(request)))) throw noDraft(id);
      response.status(204).end();
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/flows/{id}/draft/runs',
      tag: 'drafts',
      params: FlowIdParams,
      query: StartRunQuery,
      body: StartRunBody,
      headers: IdempotencyHeaders,
      summary:
        'start a test run of the draft, its revision pinned (`NectarFlowVersion` = `draft-<revision>`; `Idempotency-Key`: a retry answers the first run)',
      responses: {
        202: '{ runId } (or the run, still running, with wait=true)',
        200: 'the closed run (wait=true)',
        404: 'no draft',
        429: 'the month’s executions are used',
        413: RUN_PAYLOAD_TOO_LARGE,
      },
    },
    async (request, response, { params: { id }, query, body, headers }) => {
      const workspace = workspaceOf(request);
      const draft = await flows.drafts.current(id, workspace);
      if (!draft) throw noDraft(id);
      const trigger = { type: 'api' as const, source: 'api-test', payload: body.input ?? null };
      const started = await runs.startOnce(id, 0, trigger, {
        workspace,
        draft: draft.revision,
        idempotencyKey: scopedKey(headers, 'draft'),
        awaited: query.wait,
        definition: draft.definition,
      });
      await answerStartedRun(response, runs, { ...started, workspace, ...query });
    },
  );
}
