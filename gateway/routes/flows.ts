import { checkDefinition } from '../../flow/validate';
import { FlowDefinition } from '../../flow/schema';
import { FlowExistsError, FlowStore } from '../../store/flows';
import { HttpError, notFound, placedProblems } from '../errors';
import type { FlowService } from '../flowService';
import { FlowListAnswer, FlowListItem } from '../answers';
import { workspaceOf } from '../auth';
import { REDACTED_SECRET, redactDefinition, redactTriggers } from '../redact';
import { INVALID_REQUEST, RouteRegistry } from '../routeRegistry';
import type { FlowRunStats } from '../flowRunStats';
import { FlowIdParams, FlowListQuery, FlowReadQuery } from '../schemas';

function validDefinition(body: unknown): FlowDefinition {
  const check = checkDefinition(body);
  if (check.ok) return check.definition;
  throw new HttpError(
    400,
    'invalid_flow',
    `the flow definition has ${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}`,
    placedProblems(check.problems),
  );
}

/** The definition a `PUT /api/flows/:id[/draft]` body gives: the URL's id when the body has none; 400 when it differs. */
export function definitionForId(id: string, body: unknown): FlowDefinition {
  const withId = body && typeof body === 'object' && !Array.isArray(body) ? { id, ...body } : body;
  const definition = validDefinition(withId);
  if (definition.id !== id) {
    throw new HttpError(400, 'invalid_flow', 'the id in the body differs from the id in the URL', [
      { path: 'id', message: `expected "${id}", got "${definition.id}"` },
    ]);
  }
  return definition;
}

export function registerFlowRoutes(
  routes: RouteRegistry,
  flows: FlowStore,
  service: FlowService,
  runStats: FlowRunStats,
): void {
  routes.add(
    {
      method: 'post',
      path: '/api/flows',
      tag: 'flows',
      body: FlowDefinition,
      bodyCheckedByHandler: true,
      summary: 'create a flow (version 1)',
      responses: { 201: '{ id, version }', 400: INVALID_REQUEST, 409: 'the flow exists' },
    },
    async (request, response) => {
      const definition = validDefinition(request.body);
      try {
        const saved = await service.create(definition, workspaceOf(request));
        response.status(201).json({ id: saved.flowId, version: saved.version });
      } catch (error) {
        if (error instanceof FlowExistsError) {
          throw new HttpError(
            409,
            'flow_exists',
            `${error.message}; PUT /api/flows/${definition.id} saves a new version`,
          );
        }
        throw error;
      }
    },
  );

  routes.add(
    {
      method: 'put',
      path: '/api/flows/{id}',
      tag: 'flows',
      params: FlowIdParams,
      body: FlowDefinition,
      bodyCheckedByHandler: true,
      summary: `save a new version; reconciles its cron schedules; a webhook credential sent as "${REDACTED_SECRET}" keeps the previous version’s`,
      responses: { 200: '{ id, version }', 400: INVALID_REQUEST, 502: 'saved, but Temporal refused a schedule' },
    },
    async (request, response, { params: { id } }) => {
      const definition = definitionForId(id, request.body);
      let saved;
      try {
        saved = await service.saveVersion(definition, workspaceOf(request));
      } catch (error) {
        if (error instanceof FlowExistsError) throw new HttpError(409, 'flow_exists', error.message);
        throw error;
      }
      response.status(200).json({ id: saved.flowId, version: saved.version });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/flows',
      tag: 'flows',
      query: FlowListQuery,
      summary:
        'list flows, those that exist only as a draft too: `{ id, name, version, latestVersion, hasDraft, draftRevision, triggers, lastRun, successRate, createdAt, updatedAt }`; `lastRun` and `successRate` (closed and completed runs among the newest 100 runs of saved versions) from Temporal visibility, null when it did not answer in time, or not asked for (`runFigures=false`)',
      responses: { 200: { description: 'the flows', schema: FlowListAnswer } },
    },
    async (request, response, { query: { runFigures } }) => {
      const workspace = workspaceOf(request);
      const listed = await flows.list(workspace);
      const figures = runFigures
        ? await runStats.of(
            workspace,
            listed.map((flow) => flow.id),
          )
        : undefined;
      const items: FlowListItem[] = listed.map((flow) => ({
        ...flow,
        triggers: redactTriggers(flow.triggers),
        ...(figures?.get(flow.id) ?? { lastRun: null, successRate: null }),
      }));
      response.json({ flows: items });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/flows/{id}',
      tag: 'flows',
      params: FlowIdParams,
      query: FlowReadQuery,
      summary: `read a flow (newest version unless \`version\`); webhook credentials show as "${REDACTED_SECRET}"`,
      responses: { 200: 'the flow', 404: 'no such flow' },
    },
    async (request, response, { params: { id }, query: { version } }) => {
      const latest = await flows.latest(id, workspaceOf(request));
      if (!latest) throw notFound(`flow "${id}"`);
      const found = version === undefined ? latest : await flows.version(id, version);
      if (!found) throw notFound(`version ${version} of flow "${id}"`);
      response.json({
        id: found.flowId,
        name: found.definition.name,
        version: found.version,
        latestVersion: latest.version,
        createdAt: found.createdAt,
        definition: redactDefinition(found.definition),
      });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/flows/{id}/versions',
      tag: 'flows',
      params: FlowIdParams,
      summary: 'list versions, newest first',
      responses: { 200: '{ id, versions: [{ version, createdAt }] }', 404: 'no such flow' },
    },
    async (request, response, { params: { id } }) => {
      const versions = await flows.versionsOf(id, workspaceOf(request));
      if (!versions) throw notFound(`flow "${id}"`);
      response.json({ id, versions });
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/flows/{id}',
      tag: 'flows',
      params: FlowIdParams,
      summary: 'delete a flow and its schedules',
      responses: { 204: 'deleted', 404: 'no such flow' },
    },
    async (request, response, { params: { id } }) => {
      if (!(await service.delete(id, workspaceOf(request)))) throw notFound(`flow "${id}"`);
      response.status(204).end();
    },
  );
}
