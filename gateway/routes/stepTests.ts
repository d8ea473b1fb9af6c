import { Router } from 'express';
import { workspaceOf } from '../auth';
import { parseRequest } from '../errors';
import { FlowIdParams, StepTestBody } from '../schemas';
import type { StepTests } from '../stepTests';

/** `POST /api/flows/:id/steps/test`: one code node run with a given input, without publishing (gateway/stepTests.ts). */
export function stepTestRoutes(stepTests: StepTests): Router {
  const router = Router({ mergeParams: true });
  router.post('/test', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    const { node, input } = parseRequest(StepTestBody, request.body ?? {}, 'body');
    const answer = await stepTests.run(id, node, input, workspaceOf(request));
    response.status(answer.status === 'running' ? 202 : 200).json(answer);
  });
  return router;
}
