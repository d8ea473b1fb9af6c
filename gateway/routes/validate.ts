import { Router } from 'express';
import { CodeNode } from '../../flow/schema';
import { codeSourceProblems } from '../../flow/validate';
import type { ProblemsAnswer } from '../answers';
import { workspaceOf } from '../auth';
import { parseRequest, placedProblems, zodProblems } from '../errors';
import type { FlowService } from '../flowService';
import { ValidateCodeBody } from '../schemas';

/**
 * `/api/validate`: the checks a save makes, answered as a list of problems and saving nothing, so an editor can mark
 * them while the user types. A problem is a 200 answer here; only a body that is not what the route reads is a 400.
 */
export function validateRoutes(service: FlowService): Router {
  const router = Router();

  router.post('/code', (request, response) => {
    const { code } = parseRequest(ValidateCodeBody, request.body ?? {}, 'body');
    const shape = CodeNode.shape.code.safeParse(code);
    if (!shape.success) {
      const answer: ProblemsAnswer = { problems: zodProblems(shape.error, ['code']).map((problem) => ({ ...problem, rule: 'shape', line: 1, column: 1 })) };
      response.json(answer);
      return;
    }
    const answer: ProblemsAnswer = { problems: placedProblems(codeSourceProblems(code, ['code'])) };
    response.json(answer);
  });

  router.post('/flow', async (request, response) => {
    const answer: ProblemsAnswer = { problems: await service.problemsOf(request.body, workspaceOf(request)) };
    response.json(answer);
  });

  return router;
}
