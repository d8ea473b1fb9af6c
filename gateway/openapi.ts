/**
 * `GET /api/openapi.json`: the API described from the route registry (gateway/routeRegistry.ts), whose schemas are the
 * ones that validate the requests.
 */
import { z } from 'zod';
import { FlowDefinition } from '../flow/schema';
import type { Method, RouteSpec } from './routeRegistry';
import * as A from './answers';
import * as R from './runAnswers';
import { PublishEventBody } from './routes/events';
import * as S from './schemas';

/** Named schemas: they become components, referenced wherever they appear. */
const NAMED: [string, z.ZodType][] = [
  ['FlowDefinition', FlowDefinition],
  ['StartRunBody', S.StartRunBody],
  ['NoteBody', S.NoteBody],
  ['TriggerNowBody', S.TriggerNowBody],
  ['BackfillBody', S.BackfillBody],
  ['RerunBody', S.RerunBody],
  ['RunEventBody', S.RunEventBody],
  ['CreateWorkspaceBody', S.CreateWorkspaceBody],
  ['UpdateWorkspaceBody', S.UpdateWorkspaceBody],
  ['CreateKeyBody', S.CreateKeyBody],
  ['SetVariableBody', S.SetVariableBody],
  ['ValidateCodeBody', S.ValidateCodeBody],
  ['StepTestBody', S.StepTestBody],
  ['CronPreviewBody', S.CronPreviewBody],
  ['PublishEventBody', PublishEventBody],
  ['ProblemsAnswer', A.ProblemsAnswer],
  ['FlowListAnswer', A.FlowListAnswer],
  ['StepTestAnswer', A.StepTestAnswer],
  ['DraftConflictError', A.DraftConflictError],
  ['WorkspaceAnswer', A.WorkspaceAnswer],
  ['CronPreviewAnswer', A.CronPreviewAnswer],
  ['MetricsSummaryAnswer', A.MetricsSummaryAnswer],
  ['MetricsTimeseriesAnswer', A.MetricsTimeseriesAnswer],
  ['MetricsNodesAnswer', A.MetricsNodesAnswer],
  ['MetricsErrorsAnswer', A.MetricsErrorsAnswer],
  ['MetricsUsageAnswer', A.MetricsUsageAnswer],
  ['RunViewAnswer', R.RunViewAnswer],
  ['NodeViewAnswer', R.NodeViewAnswer],
  ['AttemptAnswer', R.AttemptAnswer],
  ['NodeDetailAnswer', R.NodeDetailAnswer],
  ['RunAttemptsAnswer', R.RunAttemptsAnswer],
  ['NodeDataAnswer', R.NodeDataAnswer],
  ['RunInputsAnswer', R.RunInputsAnswer],
  ['RunListAnswer', R.RunListAnswer],
  ['RerunAnswer', R.RerunAnswer],
];

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
  const text = JSON.stringify(generated.schemas).replaceAll(
    '#/components/schemas/__shared#/$defs/',
    '#/components/schemas/Shared_',
  );
  const all = JSON.parse(text) as Record<string, Record<string, unknown>>;
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(all)) {
    if (name === '__shared') {
      for (const [def, value] of Object.entries((schema.$defs ?? {}) as Record<string, unknown>))
        schemas[`Shared_${def}`] = value;
      continue;
    }
    const { $schema: _schema, $id: _id, ...rest } = schema;
    schemas[name] = rest;
  }
  return { schemas, ids };
}

function parameters(where: 'path' | 'query' | 'header', schema: z.ZodObject | undefined): unknown[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, jsonSchemaOptions) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    description: (property as { description?: string }).description,
    schema: property,
  }));
}

function response(answer: RouteSpec['responses'][number], ids: Map<z.ZodType, string>): Record<string, unknown> {
  if (typeof answer === 'string') return { description: answer };
  const name = ids.get(answer.schema);
  const { $schema: _schema, ...inline } = name
    ? {}
    : z.toJSONSchema(answer.schema, { ...jsonSchemaOptions, io: 'output' });
  const schema = name ? { $ref: `#/components/schemas/${name}` } : inline;
  return { description: answer.description, content: { 'application/json': { schema } } };
}

export function openApiDocument(operations: RouteSpec[]): Record<string, unknown> {
  const { schemas, ids } = components();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const methods: Method[] =
      operation.method === 'any' ? ['get', 'post', 'put', 'patch', 'delete'] : [operation.method];
    for (const method of methods) {
      const body = operation.body;
      const bodyName = body ? ids.get(body) : undefined;
      paths[operation.path] ??= {};
      paths[operation.path][method] = {
        tags: [operation.tag],
        summary: operation.summary,
        operationId: `${method} ${operation.path}`,
        security: operation.auth === 'none' || operation.auth === 'webhook' ? [] : [{ apiKey: [] }],
        parameters: [
          ...parameters('path', operation.params),
          ...parameters('query', operation.query),
          ...parameters('header', operation.headers),
        ],
        requestBody:
          body && method !== 'get' && method !== 'delete'
            ? {
                required: false,
                content: {
                  'application/json': {
                    schema: bodyName
                      ? { $ref: `#/components/schemas/${bodyName}` }
                      : z.toJSONSchema(body, jsonSchemaOptions),
                  },
                },
              }
            : undefined,
        responses: Object.fromEntries(
          Object.entries(operation.responses).map(([status, answer]) => [status, response(answer, ids)]),
        ),
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Nectar Studio API', version: '1' },
    components: {
      schemas,
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an API key or the admin key' } },
    },
    paths,
  };
}
