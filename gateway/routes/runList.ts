import type { FlowStore } from '../../store/flows';
import { workspaceOf } from '../auth';
import { notFound } from '../errors';
import { INVALID_REQUEST, RouteRegistry } from '../routeRegistry';
import type { RunList } from '../runList';
import type { RunService } from '../runService';
import { streamRun } from '../runStream';
import { IdempotencyHeaders, RerunBody, RunIdParams, RunListQuery } from '../schemas';
import { markReplayed, scopedKey } from './runs';

/** `GET /api/runs` (visibility, paginated), `POST /api/runs/:runId/rerun`, `GET /api/runs/:runId/stream` (SSE). */
export function registerRunListRoutes(
  routes: RouteRegistry,
  flows: FlowStore,
  runs: RunService,
  list: RunList,
  stopping: () => boolean = () => false,
): void {
  routes.add(
    {
      method: 'get',
      path: '/api/runs',
      tag: 'runs',
      query: RunListQuery,
      summary: 'list runs from Temporal visibility (open runs first, then newest closed), paginated',
      responses: { 200: '{ runs, nextPageToken }', 400: INVALID_REQUEST },
    },
    async (request, response, { query }) => {
      response.json(await list.list(workspaceOf(request), query));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/runs/{runId}/rerun',
      tag: 'runs',
      params: RunIdParams,
      body: RerunBody,
      headers: IdempotencyHeaders,
      summary: 'start a new run with the same trigger and input (`Idempotency-Key`: a retry answers the first rerun)',
      responses: { 202: '{ runId, rerunOf, flowVersion }', 404: 'no such run' },
    },
    async (request, response, { params: { runId }, body: { version }, headers }) => {
      const idempotencyKey = scopedKey(headers, `rerun:${runId}`);
      const workspace = workspaceOf(request);
      await runs.assertInWorkspace(runId, workspace); // 404 for a run that is not ours or not there
      const original = await list.startRequest(runId);
      if (original.draft !== undefined) {
        // A test run reruns as a test run: on the same draft revision, or on the flow's draft now.
        const draft =
          version === 'same'
            ? await flows.drafts.revision(original.flowId, original.draft)
            : await flows.drafts.current(original.flowId, workspace);
        if (!draft) throw notFound(`draft of flow "${original.flowId}"`);
        const rerun = await runs.startOnce(draft.flowId, 0, original.trigger, {
          workspace,
          draft: draft.revision,
          idempotencyKey,
        });
        const rerunId = markReplayed(response, rerun);
        response
          .status(202)
          .location(`/api/runs/${rerunId}`)
          .json({ runId: rerunId, rerunOf: runId, draft: draft.revision });
        return;
      }
      const flow =
        version === 'same'
          ? await flows.version(original.flowId, original.flowVersion)
          : await flows.latest(original.flowId, workspace);
      if (!flow) throw notFound(`flow "${original.flowId}"`);
      const rerun = await runs.startOnce(flow.flowId, flow.version, original.trigger, { workspace, idempotencyKey });
      const rerunId = markReplayed(response, rerun);
      response
        .status(202)
        .location(`/api/runs/${rerunId}`)
        .json({ runId: rerunId, rerunOf: runId, flowVersion: flow.version });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/runs/{runId}/stream',
      tag: 'runs',
      params: RunIdParams,
      summary: 'Server-Sent Events: `status`, `node` (each change), `end`',
      responses: { 200: 'text/event-stream', 404: 'no such run' },
    },
    async (request, response, { params: { runId } }) => {
      let closed = false;
      request.on('close', () => (closed = true));
      await streamRun(runs, runId, workspaceOf(request), response, () => closed || stopping());
    },
  );
}
