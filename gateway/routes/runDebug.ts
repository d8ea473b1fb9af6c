import { workspaceOf } from '../auth';
import { INVALID_REQUEST, RouteRegistry } from '../routeRegistry';
import type { RunDebug } from '../runDebug';
import { NodeDataAnswer, NodeDetailAnswer, RunAttemptsAnswer, RunInputsAnswer } from '../runAnswers';
import { NodeValueQuery, RunAttemptsQuery, RunIdParams, RunNodeParams } from '../schemas';

/** The run debugger's reads: one node with its attempts, one node's value on demand, a run's inputs. */
export function registerRunDebugRoutes(routes: RouteRegistry, debug: RunDebug): void {
  routes.add(
    {
      method: 'get',
      path: '/api/runs/{runId}/nodes/{nodeId}',
      tag: 'runs',
      params: RunNodeParams,
      summary: 'one node of a run: its view and every attempt (times, queue wait, usage, error)',
      responses: {
        200: { description: 'the node and its attempts, oldest first', schema: NodeDetailAnswer },
        404: 'no such run or node',
      },
    },
    async (request, response, { params: { runId, nodeId } }) => {
      response.json(await debug.node(runId, workspaceOf(request), nodeId));
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/api/runs/{runId}/attempts',
      tag: 'runs',
      params: RunIdParams,
      query: RunAttemptsQuery,
      summary:
        "every node's attempts of a run (times, queue wait, usage, error; the attempts running now on the last page), a page at a time",
      responses: {
        200: { description: 'a page of attempts', schema: RunAttemptsAnswer },
        400: INVALID_REQUEST,
        404: 'no such run',
      },
    },
    async (request, response, { params: { runId }, query }) => {
      response.json(await debug.attempts(runId, workspaceOf(request), query));
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/api/runs/{runId}/nodes/{nodeId}/data',
      tag: 'runs',
      params: RunNodeParams,
      query: NodeValueQuery,
      summary: "one node's output or input, stored references resolved; `path` selects inside it, arrays are paged",
      responses: {
        200: { description: 'the value (a page of it for an array)', schema: NodeDataAnswer },
        400: INVALID_REQUEST,
        404: 'no such run, node, value or path',
      },
    },
    async (request, response, { params: { runId, nodeId }, query }) => {
      response.json(await debug.value(runId, workspaceOf(request), nodeId, query));
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/api/runs/{runId}/inputs',
      tag: 'runs',
      params: RunIdParams,
      summary: "a run's trigger and each executed node's input, to pin as test data in the editor",
      responses: { 200: { description: 'the inputs', schema: RunInputsAnswer }, 404: 'no such run' },
    },
    async (request, response, { params: { runId } }) => {
      response.json(await debug.inputs(runId, workspaceOf(request)));
    },
  );
}
