/** `GET /api/openapi.json`: the API described from the same zod schemas that validate its requests. */
import { z } from 'zod';
import { FlowDefinition } from '../flow/schema';
import { REDACTED_SECRET } from './redact';
import { HookParams } from './webhooks/intake';
import { UploadParams } from './routes/uploads';
import * as A from './answers';
import * as S from './schemas';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Operation {
  method: Method | 'any';
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** A schema registered below under a name, referenced from the request body. */
  body?: z.ZodType;
  auth?: 'apiKey' | 'webhook' | 'none';
  /** Each status's meaning; with a schema (registered below), also its JSON body. */
  responses: Record<number, string | { description: string; schema: z.ZodType }>;
}

/** Named schemas: they become components, referenced wherever they appear. */
const NAMED: [string, z.ZodType][] = [
  ['FlowDefinition', FlowDefinition],
  ['StartRunBody', S.StartRunBody],
  ['NoteBody', S.NoteBody],
  ['TriggerNowBody', S.TriggerNowBody],
  ['BackfillBody', S.BackfillBody],
  ['RerunBody', S.RerunBody],
  ['CreateWorkspaceBody', S.CreateWorkspaceBody],
  ['UpdateWorkspaceBody', S.UpdateWorkspaceBody],
  ['CreateKeyBody', S.CreateKeyBody],
  ['SetVariableBody', S.SetVariableBody],
  ['ValidateCodeBody', S.ValidateCodeBody],
  ['StepTestBody', S.StepTestBody],
  ['CronPreviewBody', S.CronPreviewBody],
  ['ProblemsAnswer', A.ProblemsAnswer],
  ['FlowListAnswer', A.FlowListAnswer],
  ['StepTestAnswer', A.StepTestAnswer],
  ['DraftConflictError', A.DraftConflictError],
  ['WorkspaceAnswer', A.WorkspaceAnswer],
  ['CronPreviewAnswer', A.CronPreviewAnswer],
];

const Error400 = 'invalid request: `error.problems` names every field';
const FlowParams = S.FlowIdParams;
const RunParams = S.RunIdParams;

export const OPERATIONS: Operation[] = [
  { method: 'get', path: '/healthz', tag: 'operations', auth: 'none', summary: 'Temporal and the store answer', responses: { 200: 'healthy', 503: 'a dependency does not answer' } },
  { method: 'get', path: '/readyz', tag: 'operations', auth: 'none', summary: 'ready for traffic (not stopping; Temporal and the store answer)', responses: { 200: 'ready', 503: 'stopping or a dependency does not answer' } },
  { method: 'get', path: '/api/openapi.json', tag: 'operations', auth: 'none', summary: 'this document', responses: { 200: 'OpenAPI 3.1' } },
  { method: 'post', path: '/api/flows', tag: 'flows', body: FlowDefinition, summary: 'create a flow (version 1)', responses: { 201: '{ id, version }', 400: Error400, 409: 'the flow exists' } },
  { method: 'get', path: '/api/flows', tag: 'flows', summary: 'list flows, those that exist only as a draft too: `{ id, name, version, latestVersion, hasDraft, draftRevision, triggers, lastRun, successRate, createdAt, updatedAt }`; `lastRun` and `successRate` (closed and completed runs among the newest 100 runs of saved versions) from Temporal visibility, null when it did not answer in time', responses: { 200: { description: 'the flows', schema: A.FlowListAnswer } } },
  { method: 'put', path: '/api/flows/{id}', tag: 'flows', params: FlowParams, body: FlowDefinition, summary: `save a new version; reconciles its cron schedules; a webhook credential sent as "${REDACTED_SECRET}" keeps the previous version’s`, responses: { 200: '{ id, version }', 400: Error400, 502: 'saved, but Temporal refused a schedule' } },
  { method: 'get', path: '/api/flows/{id}', tag: 'flows', params: FlowParams, query: S.FlowReadQuery, summary: `read a flow (newest version unless \`version\`); webhook credentials show as "${REDACTED_SECRET}"`, responses: { 200: 'the flow', 404: 'no such flow' } },
  { method: 'get', path: '/api/flows/{id}/versions', tag: 'flows', params: FlowParams, summary: 'list versions, newest first', responses: { 200: '{ id, versions: [{ version, createdAt }] }', 404: 'no such flow' } },
  { method: 'delete', path: '/api/flows/{id}', tag: 'flows', params: FlowParams, summary: 'delete a flow and its schedules', responses: { 204: 'deleted', 404: 'no such flow' } },
  { method: 'post', path: '/api/flows/{id}/runs', tag: 'runs', params: FlowParams, query: S.StartRunQuery, body: S.StartRunBody, summary: 'start a run of the newest version', responses: { 202: '{ runId } (or the run, still running, with wait=true)', 200: 'the closed run (wait=true)', 404: 'no such flow' } },
  { method: 'put', path: '/api/flows/{id}/draft', tag: 'drafts', params: FlowParams, query: S.DraftSaveQuery, body: FlowDefinition, summary: 'save the flow’s draft (working copy): validated like a version, creates none; a flow may have a draft before its first version. With `baseRevision` (the revision the edit started from, 0 for none) a draft saved since is not overwritten', responses: { 200: '{ id, revision, savedAt }', 400: Error400, 409: { description: '`{ error: DraftConflictError }`: the draft is no longer at `baseRevision`; or (`flow_exists`) the id is another workspace’s, or a deleted flow’s', schema: z.object({ error: A.DraftConflictError }) } } },
  { method: 'get', path: '/api/flows/{id}/draft', tag: 'drafts', params: FlowParams, summary: `read the draft (webhook credentials show as "${REDACTED_SECRET}")`, responses: { 200: '{ id, revision, savedAt, latestVersion, definition }', 404: 'no draft' } },
  { method: 'delete', path: '/api/flows/{id}/draft', tag: 'drafts', params: FlowParams, summary: 'discard the draft (runs that pinned a revision finish on it)', responses: { 204: 'discarded', 404: 'no draft' } },
  { method: 'post', path: '/api/flows/{id}/draft/runs', tag: 'drafts', params: FlowParams, query: S.StartRunQuery, body: S.StartRunBody, summary: 'start a test run of the draft, its revision pinned (`NectarFlowVersion` = `draft-<revision>`)', responses: { 202: '{ runId } (or the run, still running, with wait=true)', 200: 'the closed run (wait=true)', 404: 'no draft', 429: 'the month’s executions are used' } },
  { method: 'post', path: '/api/flows/{id}/steps/test', tag: 'drafts', params: FlowParams, body: S.StepTestBody, summary: 'run one code node with `input`, unpublished: a real run of a one-node flow (a draft revision that does not become the draft; `NectarFlowVersion` = `draft-<revision>`), counted against the quota; its input mapping, onError and retries are left out', responses: { 200: { description: 'the node’s outcome', schema: A.StepTestAnswer }, 202: { description: '`{ runId, status: "running" }`: not ended within the node’s time limit + 30 s', schema: A.StepTestAnswer }, 400: Error400, 409: 'the id is another workspace’s, or a deleted flow’s', 429: 'the month’s executions are used' } },
  { method: 'post', path: '/api/validate/code', tag: 'validate', body: S.ValidateCodeBody, summary: 'check one code node’s source with the rules a save applies, saving nothing', responses: { 200: { description: 'the problems (`path: "code"`), empty when fine', schema: A.ProblemsAnswer }, 400: Error400 } },
  { method: 'post', path: '/api/validate/flow', tag: 'validate', body: FlowDefinition, summary: 'check a flow definition with the rules a save applies (shape, graph, code, layout, plan limits), saving nothing', responses: { 200: { description: 'the problems, empty when fine', schema: A.ProblemsAnswer } } },
  { method: 'post', path: '/api/cron/preview', tag: 'schedules', body: S.CronPreviewBody, summary: 'a cron trigger’s plain-language reading and next 5 run times in its time zone, as Temporal reads the expression (computed by Temporal from a paused schedule made and deleted for it), before it is saved', responses: { 200: { description: 'the reading and the next 5 times', schema: A.CronPreviewAnswer }, 400: Error400 } },
  { method: 'get', path: '/api/workspace', tag: 'workspaces', summary: 'the calling key’s workspace: plan, limits, usage, and `maxMemoryMb`/`maxTimeoutMs` (a node’s ceilings under the plan)', responses: { 200: { description: 'the workspace', schema: A.WorkspaceAnswer } } },
  { method: 'get', path: '/api/flows/{id}/schedules', tag: 'schedules', params: FlowParams, summary: 'the schedules of the flow’s cron triggers, with next run times', responses: { 200: '{ schedules }', 404: 'no such flow' } },
  { method: 'get', path: '/api/flows/{id}/schedules/{triggerId}', tag: 'schedules', params: S.ScheduleParams, summary: 'one schedule', responses: { 200: 'the schedule', 404: 'no such flow or trigger' } },
  { method: 'post', path: '/api/flows/{id}/schedules/{triggerId}/pause', tag: 'schedules', params: S.ScheduleParams, body: S.NoteBody, summary: 'pause', responses: { 200: 'the schedule', 404: 'no such flow or trigger' } },
  { method: 'post', path: '/api/flows/{id}/schedules/{triggerId}/resume', tag: 'schedules', params: S.ScheduleParams, body: S.NoteBody, summary: 'resume', responses: { 200: 'the schedule', 404: 'no such flow or trigger' } },
  { method: 'post', path: '/api/flows/{id}/schedules/{triggerId}/trigger', tag: 'schedules', params: S.ScheduleParams, body: S.TriggerNowBody, summary: 'start a run now', responses: { 202: 'the schedule', 404: 'no such flow or trigger' } },
  { method: 'post', path: '/api/flows/{id}/schedules/{triggerId}/backfill', tag: 'schedules', params: S.ScheduleParams, body: S.BackfillBody, summary: 'take the actions a past time range held', responses: { 202: 'the schedule', 400: Error400, 404: 'no such flow or trigger' } },
  { method: 'get', path: '/api/runs', tag: 'runs', query: S.RunListQuery, summary: 'list runs from Temporal visibility (open runs first, then newest closed), paginated', responses: { 200: '{ runs, nextPageToken }', 400: Error400 } },
  { method: 'get', path: '/api/runs/{runId}', tag: 'runs', params: RunParams, summary: 'a run with its nodes, live while running', responses: { 200: 'the run', 404: 'no such run' } },
  { method: 'post', path: '/api/runs/{runId}/cancel', tag: 'runs', params: RunParams, summary: 'cancel a running run', responses: { 202: 'cancelling', 404: 'no such run', 409: 'not running' } },
  { method: 'post', path: '/api/runs/{runId}/events', tag: 'runs', params: RunParams, summary: 'deliver `{ event, payload }` to the run’s wait nodes', responses: { 202: 'delivered', 404: 'no such run', 409: 'not running' } },
  { method: 'post', path: '/api/runs/{runId}/rerun', tag: 'runs', params: RunParams, body: S.RerunBody, summary: 'start a new run with the same trigger and input', responses: { 202: '{ runId, rerunOf, flowVersion }', 404: 'no such run' } },
  { method: 'get', path: '/api/runs/{runId}/stream', tag: 'runs', params: RunParams, summary: 'Server-Sent Events: `status`, `node` (each change), `end`', responses: { 200: 'text/event-stream', 404: 'no such run' } },
  { method: 'post', path: '/api/workspaces', tag: 'workspaces', body: S.CreateWorkspaceBody, summary: 'create a workspace (admin key)', responses: { 201: 'the workspace', 400: Error400, 403: 'not the admin key', 409: 'exists' } },
  { method: 'get', path: '/api/workspaces', tag: 'workspaces', summary: 'list workspaces with plan and usage (admin key)', responses: { 200: '{ workspaces }', 403: 'not the admin key' } },
  { method: 'get', path: '/api/workspaces/{workspaceId}', tag: 'workspaces', params: S.WorkspaceParams, summary: 'a workspace with its plan limits and this month’s usage', responses: { 200: 'the workspace', 404: 'not found (or not yours)' } },
  { method: 'patch', path: '/api/workspaces/{workspaceId}', tag: 'workspaces', params: S.WorkspaceParams, body: S.UpdateWorkspaceBody, summary: 'change name, plan or enterprise limits (admin key)', responses: { 200: 'the workspace', 404: 'not found' } },
  { method: 'post', path: '/api/workspaces/{workspaceId}/usage/reset', tag: 'workspaces', params: S.WorkspaceParams, summary: 'start this month’s execution count again (admin key)', responses: { 200: 'the workspace' } },
  { method: 'post', path: '/api/workspaces/{workspaceId}/keys', tag: 'workspaces', params: S.WorkspaceParams, body: S.CreateKeyBody, summary: 'create an API key (shown once; stored hashed)', responses: { 201: '{ id, name, prefix, key }', 404: 'not found (or not yours)' } },
  { method: 'get', path: '/api/workspaces/{workspaceId}/keys', tag: 'workspaces', params: S.WorkspaceParams, summary: 'list keys (never their secret)', responses: { 200: '{ keys }' } },
  { method: 'delete', path: '/api/workspaces/{workspaceId}/keys/{keyId}', tag: 'workspaces', params: S.KeyParams, summary: 'revoke a key', responses: { 204: 'revoked', 404: 'no live key' } },
  { method: 'get', path: '/api/variables', tag: 'variables', summary: 'the workspace’s variables, by name only', responses: { 200: '{ variables: [{ name, updatedAt }] }' } },
  { method: 'put', path: '/api/variables/{name}', tag: 'variables', params: S.VariableParams, body: S.SetVariableBody, summary: 'set a variable (sealed at rest; functions read it in `env`)', responses: { 201: 'created', 200: 'replaced', 400: Error400 } },
  { method: 'delete', path: '/api/variables/{name}', tag: 'variables', params: S.VariableParams, summary: 'delete a variable', responses: { 204: 'deleted', 404: 'no such variable' } },
  { method: 'get', path: '/api/uploads/{uploadId}', tag: 'webhooks', params: UploadParams, summary: 'a file a multipart webhook received (its workspace only)', responses: { 200: 'the file', 404: 'not found (or not yours)' } },
  { method: 'any', path: '/hooks/{flowId}', tag: 'webhooks', auth: 'webhook', params: HookParams.omit({ rest: true }), summary: 'webhook trigger (any method): JSON, form, text, raw or multipart (files stored, passed as references); `Idempotency-Key` answers the first run', responses: { 202: '{ runId } (async, or sync past its timeout)', 200: 'the flow’s result (sync)', 401: 'wrong credentials', 404: 'no webhook', 405: 'method not allowed', 413: 'body too large' } },
  { method: 'any', path: '/hooks/{flowId}/{path}', tag: 'webhooks', auth: 'webhook', params: HookParams.omit({ rest: true }).extend({ path: z.string() }), summary: 'webhook trigger with a sub-path (reaches the run as `path`)', responses: { 202: '{ runId }', 200: 'the flow’s result (sync)' } },
  { method: 'any', path: '/hooks-test/{flowId}', tag: 'webhooks', auth: 'webhook', params: HookParams.omit({ rest: true }), summary: 'test URL: runs the flow’s draft by the draft’s webhook trigger (its auth, methods, respond mode), the draft revision pinned', responses: { 202: '{ runId } (async, or sync past its timeout)', 200: 'the flow’s result (sync)', 401: 'wrong credentials', 404: 'no draft, or the draft has no webhook trigger', 429: 'the month’s executions are used' } },
  { method: 'any', path: '/hooks-test/{flowId}/{path}', tag: 'webhooks', auth: 'webhook', params: HookParams.omit({ rest: true }).extend({ path: z.string() }), summary: 'test URL with a sub-path', responses: { 202: '{ runId }', 200: 'the flow’s result (sync)' } },
];

/** Extra operations other modules describe (workspaces, keys, variables), with the body schemas they name: registered at start. */
export function describeOperations(operations: Operation[], named: [string, z.ZodType][] = []): void {
  OPERATIONS.push(...operations);
  NAMED.push(...named);
}

const jsonSchemaOptions = { io: 'input', unrepresentable: 'any' } as const;

function components(): { schemas: Record<string, unknown>; ids: Map<z.ZodType, string> } {
  const registry = z.registry<{ id: string }>();
  const ids = new Map<z.ZodType, string>();
  for (const [name, schema] of NAMED) {
    registry.add(schema, { id: name });
    ids.set(schema, name);
  }
  const generated = z.toJSONSchema(registry, { ...jsonSchemaOptions, uri: (id) => `#/components/schemas/${id}` });
  // Shared sub-schemas (recursive JSON values) land in `__shared.$defs`: lift them to components of their own.
  const text = JSON.stringify(generated.schemas).replaceAll('#/components/schemas/__shared#/$defs/', '#/components/schemas/Shared_');
  const all = JSON.parse(text) as Record<string, Record<string, unknown>>;
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(all)) {
    if (name === '__shared') {
      for (const [def, value] of Object.entries((schema.$defs ?? {}) as Record<string, unknown>)) schemas[`Shared_${def}`] = value;
      continue;
    }
    const { $schema: _schema, $id: _id, ...rest } = schema;
    schemas[name] = rest;
  }
  return { schemas, ids };
}

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined): unknown[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, jsonSchemaOptions) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function response(answer: Operation['responses'][number], ids: Map<z.ZodType, string>): Record<string, unknown> {
  if (typeof answer === 'string') return { description: answer };
  const name = ids.get(answer.schema);
  const { $schema: _schema, ...inline } = name ? {} : z.toJSONSchema(answer.schema, { ...jsonSchemaOptions, io: 'output' });
  const schema = name ? { $ref: `#/components/schemas/${name}` } : inline;
  return { description: answer.description, content: { 'application/json': { schema } } };
}

export function openApiDocument(): Record<string, unknown> {
  const { schemas, ids } = components();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of OPERATIONS) {
    const methods: Method[] = operation.method === 'any' ? ['get', 'post', 'put', 'patch', 'delete'] : [operation.method];
    for (const method of methods) {
      const body = operation.body;
      const bodyName = body ? ids.get(body) : undefined;
      paths[operation.path] ??= {};
      paths[operation.path][method] = {
        tags: [operation.tag],
        summary: operation.summary,
        operationId: `${method} ${operation.path}`,
        security: operation.auth === 'none' || operation.auth === 'webhook' ? [] : [{ apiKey: [] }],
        parameters: [...parameters('path', operation.params), ...parameters('query', operation.query)],
        requestBody:
          body && method !== 'get' && method !== 'delete'
            ? { required: false, content: { 'application/json': { schema: bodyName ? { $ref: `#/components/schemas/${bodyName}` } : z.toJSONSchema(body, jsonSchemaOptions) } } }
            : undefined,
        responses: Object.fromEntries(Object.entries(operation.responses).map(([status, answer]) => [status, response(answer, ids)])),
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Nectar Studio API', version: '1' },
    components: { schemas, securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an API key or the admin key' } } },
    paths,
  };
}
