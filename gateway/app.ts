import http from 'node:http';
import express from 'express';
import { RUN_BODY_MAX_BYTES } from '../common/config';
import type { ApiKeyStore } from '../store/apiKeys';
import type { FlowStore } from '../store/flows';
import type { WorkspaceStore } from '../store/workspaces';
import { requireAdmin, requireApiKey } from './auth';
import type { Registry } from 'prom-client';
import { assertPayloadShape, errorHandler, HttpError } from './errors';
import type { FlowService } from './flowService';
import { type BodyBudget, limitBodiesInFlight } from './bodyBudget';
import { FlowRunStats } from './flowRunStats';
import { healthAnswer, type HealthReport } from './health';
import { requestLogging } from './logging';
import { guardRequests, parsingInContext } from './requestGuard';
import { openApiDocument } from './openapi';
import { registerStudioRoutes, studioFiles } from './studio';
import type { CronPreviewer } from '../temporal/cronPreview';
import { registerCronPreviewRoute } from './routes/cronPreview';
import { registerEventRoutes } from './routes/events';
import type { EventBus } from '../temporal/eventBus';
import { RouteRegistry } from './routeRegistry';
import { registerObjectRoutes } from './routes/s3Objects';
import { registerDraftRoutes } from './routes/drafts';
import { registerFlowRoutes } from './routes/flows';
import { registerMetricsRoutes } from './routes/metrics';
import type { MetricsReader } from '../store/metricsReader';
import { registerPushedTriggerRoutes } from './routes/pushedTriggers';
import { registerRunListRoutes } from './routes/runList';
import { registerRunDebugRoutes } from './routes/runDebug';
import type { RunDebug } from './runDebug';
import type { LiveLogSource } from './runStream';
import { registerRunRoutes, registerStartRunRoute } from './routes/runs';
import { registerScheduleRoutes } from './routes/schedules';
import { registerStepTestRoute } from './routes/stepTests';
import { registerTriggerRoutes } from './routes/triggers';
import { registerUploadRoutes } from './routes/uploads';
import { registerValidateRoutes } from './routes/validate';
import { registerCurrentWorkspaceRoute, registerVariableRoutes, registerWorkspaceRoutes } from './routes/workspaces';
import type { PushedSources } from './sources/pushed';
import { StepTests } from './stepTests';
import type { UploadStore } from '../store/uploads';
import type { RunList } from './runList';
import { RunService } from './runService';
import type { ScheduleService } from './scheduleService';
import type { TriggerService } from './triggerService';
import { cors, rateLimitPerKey, securityHeaders } from './security';
import { describeWebhookIntake, webhookIntake } from './webhooks/intake';
import type { WebhookService } from './webhooks/service';
import { TestWebhooks } from './webhooks/testHooks';
import type { WorkspaceService } from './workspaceService';

export interface GatewayDependencies {
  adminKey: string;
  flows: FlowStore;
  runs: RunService;
  webhooks: WebhookService;
  flowService: FlowService;
  schedules: ScheduleService;
  triggers: TriggerService;
  pushedSources: PushedSources;
  eventBus: EventBus;
  runList: RunList;
  /** The run debugger's reads (node attempts, values on demand, inputs); without it those routes are absent. */
  runDebug?: RunDebug;
  /** Where the run stream reads live log lines; without it runs stream no `log` events. */
  liveLogs?: LiveLogSource;
  cronPreview: CronPreviewer;
  /** Runs of one node, unpublished; by default without resolving stored outputs. */
  stepTests?: StepTests;
  /** The flows list's run figures; by default from `runList` with the standard sample, concurrency and deadline. */
  runStats?: FlowRunStats;
  workspaces: WorkspaceStore;
  keys: ApiKeyStore;
  workspaceService: WorkspaceService;
  /** The dashboard's figures (rollups the workers write). */
  metrics: MetricsReader;
  /** What `GET /metrics` answers (Prometheus text). */
  prometheus?: Registry;
  webhookBodyLimit: string;
  /** The budget of request-body bytes read at once; without it bodies are bounded per request only. */
  bodyBudget?: BodyBudget;
  uploadLimit?: string;
  uploads?: UploadStore;
  corsOrigins?: string[];
  rateLimitPerMinute?: number;
  /** True once the gateway is stopping: /readyz fails so a balancer stops sending, live streams end. */
  stopping?: () => boolean;
  /** Runs each request's handling; the gateway gives every Temporal call made in it a deadline. */
  requestScope?: (handle: () => void) => void;
  /** Each part's state (Temporal, the store), bounded in time. */
  checkHealth: () => Promise<HealthReport>;
}

/** API routes (paths under /api) whose body carries a run's payload: a run's input, an event's payload. */
const RUN_PAYLOAD_ROUTES = /^\/(?:flows\/[^/]+\/(?:runs|draft\/runs|steps\/test)|events|runs\/[^/]+\/events)\/?$/;

export function createApp(deps: GatewayDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLogging());
  app.use(securityHeaders({ contentSecurityPolicy: false }));
  app.use('/api', securityHeaders({ contentSecurityPolicy: true }), cors(deps.corsOrigins ?? []));

  const routes = gatewayRoutes(deps);
  app.use(routes.publicRouter());

  const api = express.Router();
  api.use(requireApiKey(deps.adminKey, deps.keys, deps.workspaces));
  api.use(rateLimitPerKey(deps.rateLimitPerMinute ?? 0));
  // Bodies that carry a run's payload may be as large as it (RUN_PAYLOAD_MAX_BYTES, checked where the run starts);
  // the rest keep a smaller limit. A body read by the first parser is passed over by the second.
  const runPayloadJson = parsingInContext(express.json({ limit: RUN_BODY_MAX_BYTES }));
  api.use((request, response, next) =>
    request.method === 'POST' && RUN_PAYLOAD_ROUTES.test(request.path)
      ? runPayloadJson(request, response, next)
      : next(),
  );
  api.use(parsingInContext(express.json({ limit: '2mb' })));
  api.use((request, _response, next) => {
    assertPayloadShape(request.body, 'body');
    next();
  });
  api.use(routes.apiRouter());
  api.use((request) => {
    throw new HttpError(404, 'not_found', `no API route ${request.method} ${request.originalUrl}`);
  });
  app.use('/api', api);

  app.use(studioFiles());
  // Anything else (`/hooks/` without a flow id, a mistyped path) is a JSON 404 naming the route, like the API's.
  app.use((request) => {
    throw new HttpError(404, 'not_found', `no route ${request.method} ${request.path}`);
  });
  app.use(errorHandler);
  return app;
}

/** Every route the gateway serves or documents (gateway/routeRegistry.ts says how to add one). */
function gatewayRoutes(deps: GatewayDependencies): RouteRegistry {
  const routes = new RouteRegistry();
  const stopping = deps.stopping ?? (() => false);
  const health = async (response: express.Response, healthy: string) => {
    const answer = healthAnswer(await deps.checkHealth(), healthy);
    response.status(answer.status).set(answer.headers).json(answer.body);
  };
  routes.add(
    {
      method: 'get',
      path: '/healthz',
      tag: 'operations',
      auth: 'none',
      summary: 'Temporal and the store answer',
      responses: { 200: 'healthy', 503: 'a dependency does not answer' },
    },
    (_request, response) => health(response, 'ok'),
  );
  routes.add(
    {
      method: 'get',
      path: '/readyz',
      tag: 'operations',
      auth: 'none',
      summary: 'ready for traffic (not stopping; Temporal and the store answer)',
      responses: { 200: 'ready', 503: 'stopping or a dependency does not answer' },
    },
    async (_request, response) => {
      if (stopping()) {
        response.status(503).json({ status: 'stopping' });
        return;
      }
      await health(response, 'ready');
    },
  );
  let openApi: Record<string, unknown> | undefined;
  routes.add(
    {
      method: 'get',
      path: '/api/openapi.json',
      tag: 'operations',
      auth: 'none',
      summary: 'this document',
      responses: { 200: 'OpenAPI 3.1' },
    },
    (_request, response) => {
      response.json((openApi ??= openApiDocument(routes.operations())));
    },
  );
  const prometheus = deps.prometheus;
  if (prometheus) {
    routes.add(
      {
        method: 'get',
        path: '/metrics',
        tag: 'operations',
        auth: 'none',
        middleware: [requireApiKey(deps.adminKey), requireAdmin],
        summary: 'Prometheus metrics (text exposition format); `Authorization: Bearer <admin key>`',
        responses: { 200: 'text/plain; version=0.0.4', 401: 'not the admin key', 403: 'not the admin key' },
      },
      async (_request, response) => {
        const text = await prometheus.metrics();
        response.type(prometheus.contentType).send(text);
      },
    );
  }
  registerPushedTriggerRoutes(routes, deps.pushedSources, deps.webhookBodyLimit);

  registerFlowRoutes(routes, deps.flows, deps.flowService, deps.runStats ?? new FlowRunStats(deps.runList));
  registerStartRunRoute(routes, deps.flows, deps.runs);
  registerScheduleRoutes(routes, deps.schedules);
  registerTriggerRoutes(routes, deps.triggers);
  registerEventRoutes(routes, deps.eventBus, deps.runs);
  registerDraftRoutes(routes, deps.flows, deps.flowService, deps.runs);
  registerStepTestRoute(routes, deps.stepTests ?? new StepTests(deps.flows, deps.flowService, deps.runs));
  registerValidateRoutes(routes, deps.flowService);
  registerWorkspaceRoutes(routes, deps.workspaceService);
  registerCurrentWorkspaceRoute(routes, deps.workspaceService, deps.flowService);
  registerVariableRoutes(routes, deps.workspaceService);
  registerCronPreviewRoute(routes, deps.cronPreview);
  if (deps.uploads) registerUploadRoutes(routes, deps.uploads);
  if (deps.uploads) registerObjectRoutes(routes, deps.uploads);
  registerRunListRoutes(routes, deps.flows, deps.runs, deps.runList, stopping, deps.liveLogs);
  if (deps.runDebug) registerRunDebugRoutes(routes, deps.runDebug);
  registerRunRoutes(routes, deps.runs);
  registerMetricsRoutes(routes, deps.metrics, deps.workspaceService);
  describeWebhookIntake(routes);
  registerStudioRoutes(routes);
  return routes;
}

/** The gateway's HTTP server: webhook deliveries on the intake, everything else on the express app. */
export function createServer(deps: GatewayDependencies): http.Server {
  const app = createApp(deps);
  const intake = webhookIntake({
    webhooks: deps.webhooks,
    testWebhooks: new TestWebhooks(deps.flows.drafts, deps.webhooks),
    bodyLimit: deps.webhookBodyLimit,
    uploadLimit: deps.uploadLimit ?? deps.webhookBodyLimit,
    corsOrigins: deps.corsOrigins ?? [],
  });
  const serve: http.RequestListener = (request, response) => {
    if (intake(request, response)) return;
    app(request, response);
  };
  // In front of every body reader (the intake's, express's parsers, the pushed triggers'), once.
  return http.createServer(
    guardRequests(deps.bodyBudget ? limitBodiesInFlight(deps.bodyBudget, serve) : serve, deps.requestScope),
  );
}
