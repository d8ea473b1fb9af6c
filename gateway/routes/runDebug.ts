import { workspaceOf } from '../auth';
import { INVALID_REQUEST, RouteRegistry } from '../routeRegistry';
import type { RunDebug } from '../runDebug';
import { NodeValueQuery, RunIdParams, RunNodeParams } from '../schemas';

/** The run debugger's reads: one node with its attempts, one node's value on demand, a run's inputs. */
export function registerRunDebugRoutes(routes: RouteRegistry, debug: RunDebug): void {
  routes.add(
    {
      method: 'get',
      path: '/api/runs/{runId}/nodes/{nodeId}',
      tag: 'runs',
      params: RunNodeParams,
      summary: 'one node of a run: its view and every attempt (times, queue wait, usage, error)',
      responses: { 200: '{ node, attempts }', 404: 'no such run or node' },
    },
    async (request, response, { params: { runId, nodeId } }) => {
      response.json(await debug.node(runId, workspaceOf(request), nodeId));
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
        200: '{ nodeId, which, path?, value, bytes, total?, offset?, limit? }',
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
      responses: { 200: '{ runId, flowId, flowVersion | draft, trigger, nodes }', 404: 'no such run' },
    },
    async (request, response, { params: { runId } }) => {
      response.json(await debug.inputs(runId, workspaceOf(request)));
    },
  );
}
