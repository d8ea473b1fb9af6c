import { Router } from 'express';
import { checkDefinition } from '../../flow/validate';
import type { FlowDefinition } from '../../flow/schema';
import { FlowExistsError, FlowStore } from '../../store/flows';
import { HttpError, notFound, parseRequest, placedProblems } from '../errors';
import type { FlowService } from '../flowService';
import type { FlowListItem } from '../answers';
import { workspaceOf } from '../auth';
import { redactDefinition, redactTriggers } from '../redact';
import type { FlowRunStats } from '../flowRunStats';
import { FlowIdParams, FlowReadQuery } from '../schemas';

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

export function flowRoutes(flows: FlowStore, service: FlowService, runStats: FlowRunStats): Router {
  const router = Router();

  router.post('/', async (request, response) => {
    const definition = validDefinition(request.body);
    try {
      const saved = await service.create(definition, workspaceOf(request));
      response.status(201).json({ id: saved.flowId, version: saved.version });
    } catch (error) {
      if (error instanceof FlowExistsError) {
        throw new HttpError(409, 'flow_exists', `${error.message}; PUT /api/flows/${definition.id} saves a new version`);
      }
      throw error;
    }
  });

  router.put('/:id', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    const definition = definitionForId(id, request.body);
    let saved;
    try {
      saved = await service.saveVersion(definition, workspaceOf(request));
    } catch (error) {
      if (error instanceof FlowExistsError) throw new HttpError(409, 'flow_exists', error.message);
      throw error;
    }
    response.status(200).json({ id: saved.flowId, version: saved.version });
  });

  router.get('/', async (request, response) => {
    const workspace = workspaceOf(request);
    const listed = await flows.list(workspace);
    const figures = await runStats.of(workspace, listed.map((flow) => flow.id));
    const items: FlowListItem[] = listed.map((flow) => ({ ...flow, triggers: redactTriggers(flow.triggers), ...figures.get(flow.id)! }));
    response.json({ flows: items });
  });

  router.get('/:id', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    const { version } = parseRequest(FlowReadQuery, request.query, 'query');
    const latest = await flows.latest(id, workspaceOf(request));
    if (!latest) throw notFound(`flow "${id}"`);
    const found = version === undefined ? latest : await flows.version(id, version);
    if (!found) throw notFound(`version ${version} of flow "${id}"`);
    response.json({ id: found.flowId, name: found.definition.name, version: found.version, latestVersion: latest.version, createdAt: found.createdAt, definition: redactDefinition(found.definition) });
  });

  router.get('/:id/versions', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    const versions = await flows.versionsOf(id, workspaceOf(request));
    if (!versions) throw notFound(`flow "${id}"`);
    response.json({ id, versions });
  });

  router.delete('/:id', async (request, response) => {
    const { id } = parseRequest(FlowIdParams, request.params, 'params');
    if (!(await service.delete(id, workspaceOf(request)))) throw notFound(`flow "${id}"`);
    response.status(204).end();
  });

  return router;
}
