import { Router } from 'express';
import type { FlowStore } from '../../store/flows';
import { workspaceOf } from '../auth';
import { notFound, parseRequest } from '../errors';
import type { RunList } from '../runList';
import type { RunService } from '../runService';
import { streamRun } from '../runStream';
import { RerunBody, RunIdParams, RunListQuery } from '../schemas';

/** `GET /api/runs` (visibility, paginated), `POST /api/runs/:runId/rerun`, `GET /api/runs/:runId/stream` (SSE). */
export function runListRoutes(flows: FlowStore, runs: RunService, list: RunList, stopping: () => boolean = () => false): Router {
  const router = Router();

  router.get('/', async (request, response) => {
    const query = parseRequest(RunListQuery, request.query, 'query');
    response.json(await list.list(workspaceOf(request), query));
  });

  router.post('/:runId/rerun', async (request, response) => {
    const { runId } = parseRequest(RunIdParams, request.params, 'params');
    const { version } = parseRequest(RerunBody, request.body ?? {}, 'body');
    const workspace = workspaceOf(request);
    await runs.assertInWorkspace(runId, workspace); // 404 for a run that is not ours or not there
    const original = await list.startRequest(runId);
    if (original.draft !== undefined) {
      // A test run reruns as a test run: on the same draft revision, or on the flow's draft now.
      const draft = version === 'same' ? await flows.drafts.revision(original.flowId, original.draft) : await flows.drafts.current(original.flowId, workspace);
      if (!draft) throw notFound(`draft of flow "${original.flowId}"`);
      const rerunId = await runs.start(draft.flowId, 0, original.trigger, { workspace, draft: draft.revision });
      response.status(202).location(`/api/runs/${rerunId}`).json({ runId: rerunId, rerunOf: runId, draft: draft.revision });
      return;
    }
    const flow = version === 'same' ? await flows.version(original.flowId, original.flowVersion) : await flows.latest(original.flowId, workspace);
    if (!flow) throw notFound(`flow "${original.flowId}"`);
    const rerunId = await runs.start(flow.flowId, flow.version, original.trigger, { workspace });
    response.status(202).location(`/api/runs/${rerunId}`).json({ runId: rerunId, rerunOf: runId, flowVersion: flow.version });
  });

  router.get('/:runId/stream', async (request, response) => {
    const { runId } = parseRequest(RunIdParams, request.params, 'params');
    let closed = false;
    request.on('close', () => (closed = true));
    await streamRun(runs, runId, workspaceOf(request), response, () => closed || stopping());
  });

  return router;
}
