/**
 * The route registry is the only way to add a route: every express route of the gateway was made by it, and the
 * OpenAPI document describes each one (gateway/routeRegistry.ts says how to add a route).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { createApp, GatewayDependencies } from '../../gateway/app';
import type { FlowService } from '../../gateway/flowService';
import { registeredSpec } from '../../gateway/routeRegistry';
import type { RunList } from '../../gateway/runList';
import type { RunService } from '../../gateway/runService';
import type { ScheduleService } from '../../gateway/scheduleService';
import type { PushedSources } from '../../gateway/sources/pushed';
import type { TriggerService } from '../../gateway/triggerService';
import type { WebhookService } from '../../gateway/webhooks/service';
import type { WorkspaceService } from '../../gateway/workspaceService';
import type { ApiKeyStore } from '../../store/apiKeys';
import type { FlowStore } from '../../store/flows';
import type { MetricsReader } from '../../store/metricsReader';
import type { UploadStore } from '../../store/uploads';
import type { WorkspaceStore } from '../../store/workspaces';
import type { CronPreviewer } from '../../temporal/cronPreview';
import type { EventBus } from '../../temporal/eventBus';

/** Nothing is called while routes are registered and the document is served: the parts can be empty. */
const deps: GatewayDependencies = {
  adminKey: 'routes-test-admin-key',
  flows: {} as FlowStore,
  runs: {} as RunService,
  webhooks: {} as WebhookService,
  flowService: {} as FlowService,
  schedules: {} as ScheduleService,
  triggers: {} as TriggerService,
  pushedSources: {} as PushedSources,
  runList: {} as RunList,
  workspaces: {} as WorkspaceStore,
  keys: {} as ApiKeyStore,
  workspaceService: {} as WorkspaceService,
  metrics: {} as MetricsReader,
  uploads: {} as UploadStore,
  cronPreview: {} as CronPreviewer,
  eventBus: {} as EventBus,
  webhookBodyLimit: '1mb',
  checkHealth: async () => ({ ok: true, parts: { temporal: 'ok', store: 'ok' } }),
};

interface ExpressRoute {
  path: string;
  methods: Record<string, boolean>;
}

/** Every express route in a router's stack, wherever it is mounted. */
function expressRoutes(stack: unknown[]): ExpressRoute[] {
  return stack.flatMap((layer) => {
    const { route, handle } = layer as { route?: ExpressRoute; handle?: { stack?: unknown[] } };
    if (route) return [route];
    return handle?.stack ? expressRoutes(handle.stack) : [];
  });
}

function unregistered(app: express.Express): string[] {
  return expressRoutes(app.router.stack)
    .filter((route) => registeredSpec(route) === undefined)
    .map((route) => `${Object.keys(route.methods).join(',')} ${route.path}`);
}

test('every express route of the gateway was made by the route registry', () => {
  const app = createApp(deps);
  expect(expressRoutes(app.router.stack).length).toBeGreaterThan(30);
  expect(unregistered(app)).toEqual([]);
  // What the check reports of a route added past the registry.
  app.get('/unregistered', (_request, response) => response.end());
  expect(unregistered(app)).toEqual(['get /unregistered']);
});

test('the OpenAPI document describes every route the app serves, at its path', async () => {
  const app = createApp(deps);
  const server = http.createServer(app).listen(0, '127.0.0.1');
  try {
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const doc = (await (await fetch(`http://127.0.0.1:${port}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const route of expressRoutes(app.router.stack)) {
      const spec = registeredSpec(route)!;
      expect(spec.path.replace(/\{(\w+)\}/g, ':$1').endsWith(route.path)).toBe(true);
      for (const method of Object.keys(route.methods))
        expect(Object.keys(doc.paths[spec.path] ?? {})).toContain(method);
    }
  } finally {
    server.close();
  }
});
