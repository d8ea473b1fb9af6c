import http from 'node:http';
import express from 'express';
import type { ApiKeyStore } from '../store/apiKeys';
import type { FlowStore } from '../store/flows';
import type { WorkspaceStore } from '../store/workspaces';
import { requireApiKey } from './auth';
import { assertPayloadShape, errorHandler, HttpError } from './errors';
import type { FlowService } from './flowService';
import { FlowRunStats } from './flowRunStats';
import { healthAnswer, type HealthReport } from './health';
import { requestLogging } from './logging';
import { guardRequests, inRequestContext } from './requestGuard';
import { openApiDocument } from './openapi';
import { studioRoutes } from './studio';
import type { CronPreviewer } from '../temporal/cronPreview';
import { cronPreviewRoutes } from './routes/cronPreview';
import { draftRoutes } from './routes/drafts';
import { flowRoutes } from './routes/flows';
import { runListRoutes } from './routes/runList';
import { runRoutes, startRunRoutes } from './routes/runs';
import { scheduleRoutes } from './routes/schedules';
import { stepTestRoutes } from './routes/stepTests';
import { triggerRoutes } from './routes/triggers';
import { eventRoutes } from './routes/events';
import type { EventBus } from '../temporal/eventBus';
import { pushedTriggerRoutes } from './routes/pushedTriggers';
import type { PushedSources } from './sources/pushed';
import { validateRoutes } from './routes/validate';
import { currentWorkspaceRoutes, variableRoutes, workspaceRoutes } from './routes/workspaces';
import { StepTests } from './stepTests';
import { uploadRoutes } from './routes/uploads';
import { objectRoutes } from './routes/s3Objects';
import type { UploadStore } from '../store/uploads';
import type { RunList } from './runList';
import { RunService } from './runService';
import type { ScheduleService } from './scheduleService';
import type { TriggerService } from './triggerService';
import { cors, rateLimitPerKey, securityHeaders } from './security';
import { webhookIntake } from './webhooks/intake';
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
  cronPreview: CronPreviewer;
  /** Runs of one node, unpublished; by default without resolving stored outputs. */
  stepTests?: StepTests;
  /** The flows list's run figures; by default from `runList` with the standard sample, concurrency and deadline. */
  runStats?: FlowRunStats;
  workspaces: WorkspaceStore;
  keys: ApiKeyStore;
  workspaceService: WorkspaceService;
  webhookBodyLimit: string;
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

export function createApp(deps: GatewayDependencies): express.Express {
  const app = express();
  const stopping = deps.stopping ?? (() => false);
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLogging());
  app.use(securityHeaders({ contentSecurityPolicy: false }));
  app.use('/api', securityHeaders({ contentSecurityPolicy: true }), cors(deps.corsOrigins ?? []));

  const health = async (response: express.Response, healthy: string) => {
    const answer = healthAnswer(await deps.checkHealth(), healthy);
    response.status(answer.status).set(answer.headers).json(answer.body);
  };
  app.get('/healthz', (_request, response) => health(response, 'ok'));
  app.get('/readyz', async (_request, response) => {
    if (stopping()) {
      response.status(503).json({ status: 'stopping' });
      return;
    }
    await health(response, 'ready');
  });

  let openApi: Record<string, unknown> | undefined;
  app.get('/api/openapi.json', (_request, response) => {
    response.json((openApi ??= openApiDocument()));
  });

  app.use('/triggers', pushedTriggerRoutes(deps.pushedSources, deps.webhookBodyLimit));

  const api = express.Router();
  api.use(requireApiKey(deps.adminKey, deps.keys, deps.workspaces));
  api.use(rateLimitPerKey(deps.rateLimitPerMinute ?? 0));
  const readJson = express.json({ limit: '2mb' });
  api.use((request, response, next) => readJson(request, response, inRequestContext(next)));
  api.use((request, _response, next) => {
    assertPayloadShape(request.body, 'body');
    next();
  });
  api.use('/flows/:id/runs', startRunRoutes(deps.flows, deps.runs));
  api.use('/flows/:id/schedules', scheduleRoutes(deps.schedules));
  api.use('/flows/:id/triggers', triggerRoutes(deps.triggers));
  api.use('/events', eventRoutes(deps.eventBus, deps.runs));
  api.use('/flows/:id/draft', draftRoutes(deps.flows, deps.flowService, deps.runs));
  api.use('/flows/:id/steps', stepTestRoutes(deps.stepTests ?? new StepTests(deps.flows, deps.flowService, deps.runs)));
  api.use('/flows', flowRoutes(deps.flows, deps.flowService, deps.runStats ?? new FlowRunStats(deps.runList)));
  api.use('/validate', validateRoutes(deps.flowService));
  api.use('/cron', cronPreviewRoutes(deps.cronPreview));
  api.use('/workspaces', workspaceRoutes(deps.workspaceService));
  api.use('/workspace', currentWorkspaceRoutes(deps.workspaceService));
  api.use('/variables', variableRoutes(deps.workspaceService));
  if (deps.uploads) api.use('/uploads', uploadRoutes(deps.uploads));
  if (deps.uploads) api.use('/s3-objects', objectRoutes(deps.uploads));
  api.use('/runs', runListRoutes(deps.flows, deps.runs, deps.runList, stopping));
  api.use('/runs', runRoutes(deps.runs));
  api.use((request) => {
    throw new HttpError(404, 'not_found', `no API route ${request.method} ${request.originalUrl}`);
  });
  app.use('/api', api);

  app.use(studioRoutes());
  app.use(errorHandler);
  return app;
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
  return http.createServer(guardRequests((request, response) => {
    if (intake(request, response)) return;
    app(request, response);
  }, deps.requestScope));
}
