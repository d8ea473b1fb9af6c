import type { Request } from 'express';
import { WorkspaceAnswer } from '../answers';
import { principalOf, workspaceOf } from '../auth';
import { HttpError } from '../errors';
import { INVALID_REQUEST, RouteRegistry } from '../routeRegistry';
import {
  CreateKeyBody,
  CreateWorkspaceBody,
  KeyParams,
  SetVariableBody,
  UpdateCurrentWorkspaceBody,
  UpdateWorkspaceBody,
  VariableParams,
  WorkspaceParams,
} from '../schemas';
import type { FlowService } from '../flowService';
import type { WorkspaceService, WorkspaceView } from '../workspaceService';

/** A key sees its own workspace only, and as not found any other: the admin sees them all. */
function visibleWorkspace(request: Request, workspaceId: string): string {
  const principal = principalOf(request);
  if (!principal.admin && principal.workspace !== workspaceId)
    throw new HttpError(404, 'not_found', `workspace "${workspaceId}" not found`);
  return workspaceId;
}

const NOT_YOURS = 'not found (or not yours)';

/** `/api/workspaces`: created, listed and changed by the admin key; a workspace's keys by the admin or its own keys. */
export function registerWorkspaceRoutes(routes: RouteRegistry, service: WorkspaceService): void {
  const tag = 'workspaces';
  routes.add(
    {
      method: 'post',
      path: '/api/workspaces',
      tag,
      auth: 'admin',
      body: CreateWorkspaceBody,
      summary: 'create a workspace (admin key)',
      responses: { 201: 'the workspace', 400: INVALID_REQUEST, 403: 'not the admin key', 409: 'exists' },
    },
    async (_request, response, { body }) => {
      response.status(201).json(await service.create(body));
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/api/workspaces',
      tag,
      auth: 'admin',
      summary: 'list workspaces with plan and usage (admin key)',
      responses: { 200: '{ workspaces }', 403: 'not the admin key' },
    },
    async (_request, response) => {
      response.json({ workspaces: await service.list() });
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/api/workspaces/{workspaceId}',
      tag,
      params: WorkspaceParams,
      summary: 'a workspace with its plan limits and this month’s usage',
      responses: { 200: 'the workspace', 404: NOT_YOURS },
    },
    async (request, response, { params: { workspaceId } }) => {
      response.json(await service.get(visibleWorkspace(request, workspaceId)));
    },
  );
  routes.add(
    {
      method: 'patch',
      path: '/api/workspaces/{workspaceId}',
      tag,
      auth: 'admin',
      params: WorkspaceParams,
      body: UpdateWorkspaceBody,
      summary: 'change name, plan or enterprise limits (admin key)',
      responses: { 200: 'the workspace', 404: 'not found' },
    },
    async (_request, response, { params: { workspaceId }, body }) => {
      response.json(await service.update(workspaceId, body));
    },
  );
  routes.add(
    {
      method: 'post',
      path: '/api/workspaces/{workspaceId}/usage/reset',
      tag,
      auth: 'admin',
      params: WorkspaceParams,
      summary: 'start this month’s execution count again (admin key)',
      responses: { 200: 'the workspace' },
    },
    async (_request, response, { params: { workspaceId } }) => {
      response.json(await service.resetUsage(workspaceId));
    },
  );
  routes.add(
    {
      method: 'post',
      path: '/api/workspaces/{workspaceId}/keys',
      tag,
      params: WorkspaceParams,
      body: CreateKeyBody,
      summary: 'create an API key (shown once; stored hashed)',
      responses: { 201: '{ id, name, prefix, key }', 404: NOT_YOURS },
    },
    async (request, response, { params: { workspaceId }, body: { name } }) => {
      const { key, info } = await service.createKey(visibleWorkspace(request, workspaceId), name);
      response.status(201).json({ ...info, key });
    },
  );
  routes.add(
    {
      method: 'get',
      path: '/api/workspaces/{workspaceId}/keys',
      tag,
      params: WorkspaceParams,
      summary: 'list keys (never their secret)',
      responses: { 200: '{ keys }' },
    },
    async (request, response, { params: { workspaceId } }) => {
      response.json({ keys: await service.listKeys(visibleWorkspace(request, workspaceId)) });
    },
  );
  routes.add(
    {
      method: 'delete',
      path: '/api/workspaces/{workspaceId}/keys/{keyId}',
      tag,
      params: KeyParams,
      summary: 'revoke a key',
      responses: { 204: 'revoked', 404: 'no live key' },
    },
    async (request, response, { params: { workspaceId, keyId } }) => {
      await service.revokeKey(visibleWorkspace(request, workspaceId), keyId);
      response.status(204).end();
    },
  );
}

/** `/api/variables`: the caller's workspace's variables; values go in, names come out, values never do. */
export function registerVariableRoutes(routes: RouteRegistry, service: WorkspaceService): void {
  const tag = 'variables';
  routes.add(
    {
      method: 'get',
      path: '/api/variables',
      tag,
      summary: 'the workspace’s variables, by name only',
      responses: { 200: '{ variables: [{ name, updatedAt }] }' },
    },
    async (request, response) => {
      response.json({ variables: await service.listVariables(workspaceOf(request)) });
    },
  );
  routes.add(
    {
      method: 'put',
      path: '/api/variables/{name}',
      tag,
      params: VariableParams,
      body: SetVariableBody,
      summary: 'set a variable (sealed at rest; functions read it in `env`)',
      responses: { 201: 'created', 200: 'replaced', 400: INVALID_REQUEST },
    },
    async (request, response, { params: { name }, body: { value } }) => {
      const { created } = await service.setVariable(workspaceOf(request), name, value);
      response.status(created ? 201 : 200).json({ name });
    },
  );
  routes.add(
    {
      method: 'delete',
      path: '/api/variables/{name}',
      tag,
      params: VariableParams,
      summary: 'delete a variable',
      responses: { 204: 'deleted', 404: 'no such variable' },
    },
    async (request, response, { params: { name } }) => {
      await service.deleteVariable(workspaceOf(request), name);
      response.status(204).end();
    },
  );
}

/** The caller's workspace as `/api/workspace` answers it, with a node's ceilings under its plan spelled out. */
function currentWorkspaceAnswer(workspace: WorkspaceView): WorkspaceAnswer {
  return { ...workspace, maxMemoryMb: workspace.limits.memoryMb, maxTimeoutMs: workspace.limits.timeoutMs };
}

/**
 * `/api/workspace`: the caller's own workspace (any key), with the ceilings of a node's memory and time under its plan
 * spelled out for editors that refuse higher values as they are typed; and its settings any of its keys may change.
 */
export function registerCurrentWorkspaceRoute(
  routes: RouteRegistry,
  service: WorkspaceService,
  flows: FlowService,
): void {
  routes.add(
    {
      method: 'get',
      path: '/api/workspace',
      tag: 'workspaces',
      summary:
        'the calling key’s workspace: plan, limits, usage, default error handler, and `maxMemoryMb`/`maxTimeoutMs` (a node’s ceilings under the plan)',
      responses: { 200: { description: 'the workspace', schema: WorkspaceAnswer } },
    },
    async (request, response) => {
      response.json(currentWorkspaceAnswer(await service.get(workspaceOf(request))));
    },
  );
  routes.add(
    {
      method: 'patch',
      path: '/api/workspace',
      tag: 'workspaces',
      body: UpdateCurrentWorkspaceBody,
      summary:
        'set (or, with null, remove) the calling key’s workspace’s default error handler: a saved flow of the workspace, started when a run fails whose flow names no handler of its own',
      responses: { 200: { description: 'the workspace', schema: WorkspaceAnswer }, 400: INVALID_REQUEST },
    },
    async (request, response, { body: { errorHandler } }) => {
      const workspace = workspaceOf(request);
      const problem =
        errorHandler && (await flows.errorHandlerProblem(errorHandler.flowId, workspace, 'body.errorHandler.flowId'));
      if (problem)
        throw new HttpError(400, 'invalid_request', 'the error handler is not a flow of this workspace', [problem]);
      response.json(currentWorkspaceAnswer(await service.setErrorHandler(workspace, errorHandler)));
    },
  );
}
