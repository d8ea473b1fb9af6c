import { StepTestAnswer } from '../answers';
import { workspaceOf } from '../auth';
import { INVALID_REQUEST, RouteRegistry } from '../routeRegistry';
import { FlowIdParams, StepTestBody } from '../schemas';
import type { StepTests } from '../stepTests';

/** `POST /api/flows/:id/steps/test`: one code node run with a given input, without publishing (gateway/stepTests.ts). */
export function registerStepTestRoute(routes: RouteRegistry, stepTests: StepTests): void {
  routes.add(
    {
      method: 'post',
      path: '/api/flows/{id}/steps/test',
      tag: 'drafts',
      params: FlowIdParams,
      body: StepTestBody,
      summary:
        'run one code node with `input`, unpublished: a real run of a one-node flow (a draft revision that does not become the draft; `NectarFlowVersion` = `draft-<revision>`), counted against the quota; its input mapping, onError and retries are left out',
      responses: {
        200: { description: 'the node’s outcome', schema: StepTestAnswer },
        202: {
          description: '`{ runId, status: "running" }`: not ended within the node’s time limit + 30 s',
          schema: StepTestAnswer,
        },
        400: INVALID_REQUEST,
        409: 'the id is another workspace’s, or a deleted flow’s',
        429: 'the month’s executions are used',
      },
    },
    async (request, response, { params: { id }, body: { node, input } }) => {
      const answer = await stepTests.run(id, node, input, workspaceOf(request));
      response.status(answer.status === 'running' ? 202 : 200).json(answer);
    },
  );
}
