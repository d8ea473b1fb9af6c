import { CodeNode, FlowDefinition } from '../../flow/schema';
import { codeSourceProblems } from '../../flow/validate';
import { ProblemsAnswer } from '../answers';
import { workspaceOf } from '../auth';
import { placedProblems, zodProblems } from '../errors';
import type { FlowService } from '../flowService';
import { INVALID_REQUEST, RouteRegistry } from '../routeRegistry';
import { ValidateCodeBody } from '../schemas';

/**
 * `/api/validate`: the checks a save makes, answered as a list of problems and saving nothing, so an editor can mark
 * them while the user types. A problem is a 200 answer here; only a body that is not what the route reads is a 400.
 */
export function registerValidateRoutes(routes: RouteRegistry, service: FlowService): void {
  routes.add(
    {
      method: 'post',
      path: '/api/validate/code',
      tag: 'validate',
      body: ValidateCodeBody,
      summary: 'check one code node’s source with the rules a save applies, saving nothing',
      responses: {
        200: { description: 'the problems (`path: "code"`), empty when fine', schema: ProblemsAnswer },
        400: INVALID_REQUEST,
      },
    },
    (_request, response, { body: { code } }) => {
      const shape = CodeNode.shape.code.safeParse(code);
      if (!shape.success) {
        const answer: ProblemsAnswer = {
          problems: zodProblems(shape.error, ['code']).map((problem) => ({
            ...problem,
            rule: 'shape',
            line: 1,
            column: 1,
          })),
        };
        response.json(answer);
        return;
      }
      const answer: ProblemsAnswer = { problems: placedProblems(codeSourceProblems(code, ['code'])) };
      response.json(answer);
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/validate/flow',
      tag: 'validate',
      body: FlowDefinition,
      // Its problems are the answer: the service lists them (shape, graph, code, layout, plan limits).
      bodyCheckedByHandler: true,
      summary:
        'check a flow definition with the rules a save applies (shape, graph, code, layout, plan limits), saving nothing',
      responses: { 200: { description: 'the problems, empty when fine', schema: ProblemsAnswer } },
    },
    async (request, response) => {
      const answer: ProblemsAnswer = { problems: await service.problemsOf(request.body, workspaceOf(request)) };
      response.json(answer);
    },
  );
}
