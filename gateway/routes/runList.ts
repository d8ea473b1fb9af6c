import type { FlowStore } from '../../store/flows';
import { workspaceOf } from '../auth';
import { notFound } from '../errors';
import { INVALID_REQUEST, RouteRegistry } from '../routeRegistry';
import type { RunList } from '../runList';
import type { RunService } from '../runService';
import { LiveLogSource, streamRun } from '../runStream';
import { LiveRunLists, streamRunList } from '../runListStream';
import { rerunSeeds } from '../runDebug';
import type { FlowDefinition } from '../../flow/schema';
import { RerunAnswer, RunListAnswer } from '../runAnswers';
import { IdempotencyHeaders, RerunBody, RunIdParams, RunListQuery } from '../schemas';
import { markReplayed, scopedKey } from './runs';

/**
 * `GET /api/runs` (visibility, paginated), `GET /api/runs/live` (the same page as SSE), `POST /api/runs/:runId/rerun`,
 * `GET /api/runs/:runId/stream` (SSE). `/api/runs/live` is registered before `/api/runs/{runId}` (and no run id is
 * `live`), as OpenAPI matches a concrete path before a templated one.
 */
export function registerRunListRoutes(
  routes: RouteRegistry,
  flows: FlowStore,
  runs: RunService,
  list: RunList,
  stopping: () => boolean = () => false,
  liveLogs?: LiveLogSource,
): void {
  routes.add(
    {
      method: 'get',
      path: '/api/runs',
      tag: 'runs',
      query: RunListQuery,
      summary: 'list runs from Temporal visibility (open runs first, then newest closed), paginated',
      responses: { 200: { description: 'a page of runs', schema: RunListAnswer }, 400: INVALID_REQUEST },
    },
    async (request, response, { query }) => {
      response.json(await list.list(workspaceOf(request), query));
    },
  );

  const liveLists = new LiveRunLists(list);
  routes.add(
    {
      method: 'get',
      path: '/api/runs/live',
      tag: 'runs',
      query: RunListQuery,
      summary:
        'Server-Sent Events: the page `GET /api/runs` answers for the same query, as a `page` event on open and on each change (runs started, statuses changed)',
      responses: {
        200: 'text/event-stream of `page` events, each a RunListAnswer',
        400: INVALID_REQUEST,
        503: 'this gateway follows too many different lists: read GET /api/runs',
      },
    },
    async (request, response, { query }) => {
      let closed = false;
      response.on('close', () => (closed = true));
      await streamRunList(liveLists, list, {
        workspace: workspaceOf(request),
        query,
        response,
        closed: () => closed || stopping(),
      });
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
      summary:
        'start a new run with the same trigger and input; with `fromNode`, reusing the outcomes of the nodes upstream of it (`Idempotency-Key`: a retry answers the first rerun)',
      responses: {
        202: { description: 'the new run', schema: RerunAnswer },
        400: INVALID_REQUEST,
        404: 'no such run',
        409: 'fromNode did not run, is in a loop, or an upstream node has no recorded outcome',
      },
    },
    async (request, response, { params: { runId }, body: { version, fromNode }, headers }) => {
      const idempotencyKey = scopedKey(
        headers,
        fromNode === undefined ? `rerun:${runId}` : `rerun:${runId}:${fromNode}`,
      );
      const workspace = workspaceOf(request);
      const earlier = await runs.read(runId, workspace); // 404 for a run that is not ours or not there
      const original = await list.startRequest(runId);
      // A test run reruns as a test run: on the same draft revision, or on the flow's draft now.
      const target =
        original.draft !== undefined
          ? version === 'same'
            ? await flows.drafts.revision(original.flowId, original.draft)
            : await flows.drafts.current(original.flowId, workspace)
          : version === 'same'
            ? await flows.version(original.flowId, original.flowVersion)
            : await flows.latest(original.flowId, workspace);
      if (!target)
        throw notFound(
          original.draft !== undefined ? `draft of flow "${original.flowId}"` : `flow "${original.flowId}"`,
        );
      const definition: FlowDefinition = target.definition;
      const seeds = fromNode === undefined ? undefined : rerunSeeds(definition, earlier, fromNode);
      const rerunOf = { runId, ...(fromNode === undefined ? {} : { fromNode }) };
      const pin = 'revision' in target ? { draft: target.revision } : { flowVersion: target.version };
      const rerun = await runs.startOnce(target.flowId, 'revision' in target ? 0 : target.version, original.trigger, {
        workspace,
        ...('revision' in target ? { draft: target.revision } : {}),
        idempotencyKey,
        rerunOf: { ...rerunOf, ...(seeds ? { seeds } : {}) },
      });
      const rerunId = markReplayed(response, rerun);
      const answer: RerunAnswer = {
        runId: rerunId,
        rerunOf,
        ...pin,
        ...(seeds ? { reused: seeds.map((seed) => seed.nodeId) } : {}),
      };
      response.status(202).location(`/api/runs/${rerunId}`).json(answer);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/runs/{runId}/stream',
      tag: 'runs',
      params: RunIdParams,
      summary:
        'Server-Sent Events: `status`, `node` (each change), `edges`, `log` (live lines of running nodes), `end`',
      responses: { 200: 'text/event-stream', 404: 'no such run' },
    },
    async (request, response, { params: { runId } }) => {
      let closed = false;
      request.on('close', () => (closed = true));
      await streamRun(runs, runId, workspaceOf(request), response, () => closed || stopping(), liveLogs);
    },
  );
}
