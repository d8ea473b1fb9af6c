import { Router } from 'express';
import type { WorkspaceAnswer } from '../answers';
import { principalOf, requireAdmin, workspaceOf } from '../auth';
import { HttpError, parseRequest } from '../errors';
import {
  CreateKeyBody,
  CreateWorkspaceBody,
  KeyParams,
  SetVariableBody,
  UpdateWorkspaceBody,
  VariableParams,
  WorkspaceParams,
} from '../schemas';
import type { WorkspaceService } from '../workspaceService';

/** A key sees its own workspace only, and as not found any other: the admin sees them all. */
function visibleWorkspace(request: Parameters<typeof principalOf>[0]): string {
  const { workspaceId } = parseRequest(WorkspaceParams, request.params, 'params');
  const principal = principalOf(request);
  if (!principal.admin && principal.workspace !== workspaceId) throw new HttpError(404, 'not_found', `workspace "${workspaceId}" not found`);
  return workspaceId;
}

/** `/api/workspaces`: created, listed and changed by the admin key; a workspace's keys by the admin or its own keys. */
export function workspaceRoutes(service: WorkspaceService): Router {
  const router = Router();

  router.post('/', requireAdmin, async (request, response) => {
    const body = parseRequest(CreateWorkspaceBody, request.body ?? {}, 'body');
    response.status(201).json(await service.create(body));
  });
  router.get('/', requireAdmin, async (_request, response) => {
    response.json({ workspaces: await service.list() });
  });
  router.get('/:workspaceId', async (request, response) => {
    response.json(await service.get(visibleWorkspace(request)));
  });
  router.patch('/:workspaceId', requireAdmin, async (request, response) => {
    const { workspaceId } = parseRequest(WorkspaceParams, request.params, 'params');
    const body = parseRequest(UpdateWorkspaceBody, request.body ?? {}, 'body');
    response.json(await service.update(workspaceId, body));
  });
  router.post('/:workspaceId/usage/reset', requireAdmin, async (request, response) => {
    const { workspaceId } = parseRequest(WorkspaceParams, request.params, 'params');
    response.json(await service.resetUsage(workspaceId));
  });
  router.post('/:workspaceId/keys', async (request, response) => {
    const workspace = visibleWorkspace(request);
    const { name } = parseRequest(CreateKeyBody, request.body ?? {}, 'body');
    const { key, info } = await service.createKey(workspace, name);
    response.status(201).json({ ...info, key });
  });
  router.get('/:workspaceId/keys', async (request, response) => {
    response.json({ keys: await service.listKeys(visibleWorkspace(request)) });
  });
  router.delete('/:workspaceId/keys/:keyId', async (request, response) => {
    visibleWorkspace(request);
    const { workspaceId, keyId } = parseRequest(KeyParams, request.params, 'params');
    await service.revokeKey(workspaceId, keyId);
    response.status(204).end();
  });

  return router;
}

/** `/api/variables`: the caller's workspace's variables; values go in, names come out, values never do. */
export function variableRoutes(service: WorkspaceService): Router {
  const router = Router();
  router.get('/', async (request, response) => {
    response.json({ variables: await service.listVariables(workspaceOf(request)) });
  });
  router.put('/:name', async (request, response) => {
    const { name } = parseRequest(VariableParams, request.params, 'params');
    const { value } = parseRequest(SetVariableBody, request.body ?? {}, 'body');
    const { created } = await service.setVariable(workspaceOf(request), name, value);
    response.status(created ? 201 : 200).json({ name });
  });
  router.delete('/:name', async (request, response) => {
    const { name } = parseRequest(VariableParams, request.params, 'params');
    await service.deleteVariable(workspaceOf(request), name);
    response.status(204).end();
  });
  return router;
}

/**
 * `/api/workspace`: the caller's own workspace (any key), with the ceilings of a node's memory and time under its plan
 * spelled out for editors that refuse higher values as they are typed.
 */
export function currentWorkspaceRoutes(service: WorkspaceService): Router {
  const router = Router();
  router.get('/', async (request, response) => {
    const workspace = await service.get(workspaceOf(request));
    const answer: WorkspaceAnswer = { ...workspace, maxMemoryMb: workspace.limits.memoryMb, maxTimeoutMs: workspace.limits.timeoutMs };
    response.json(answer);
  });
  return router;
}
