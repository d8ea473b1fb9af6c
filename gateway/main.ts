/** The gateway process: the HTTP API (and the UI's files) in front of Temporal and the store. */
import type { Server } from 'node:http';
import { resolveAdminKey } from '../common/adminKey';
import { parseConfig, requireSetting } from '../common/config';
import { connectClient } from '../temporal/connection';
import { registerSearchAttributes } from '../temporal/registerSearchAttributes';
import { FlowStore } from '../store/flows';
import { connectStore, pingStore } from '../store/mongo';
import { createApp } from './app';
import { RunService } from './runService';
import { WebhookService } from './webhooks/service';
import { FlowSchedules } from '../temporal/schedules';
import { FlowService } from './flowService';
import { ScheduleService } from './scheduleService';
import { RunList } from './runList';
import { QuotaGuard } from './quota';
import { WorkspaceService } from './workspaceService';
import { ApiKeyStore } from '../store/apiKeys';
import { SecretBox } from '../store/secretBox';
import { UsageStore } from '../store/usage';
import { VariableStore } from '../store/variables';
import { WorkspaceStore } from '../store/workspaces';

async function main(): Promise<void> {
  const config = parseConfig();
  const adminKey = resolveAdminKey(config.adminKey, config.dataDir).key;
  const store = await connectStore(requireSetting(config.mongo.uri, 'NECTAR_MONGODB_URI'), config.mongo.dbName);
  const flows = new FlowStore(store);
  await flows.ensureIndexes();
  const { client, connection } = await connectClient(config);
  try {
    await registerSearchAttributes(connection, config.temporal.namespace);
  } catch (error) {
    console.warn(`[nectar gateway] could not register search attributes (register NectarFlowId, NectarFlowVersion, NectarTrigger, NectarWorkspace as Keyword yourself): ${(error as Error).message}`);
  }
  const workspaces = new WorkspaceStore(store);
  await workspaces.ensureDefault(config.gateway.defaultPlan);
  const keys = new ApiKeyStore(store);
  await keys.ensureIndexes();
  const usage = new UsageStore(store);
  const variables = new VariableStore(store, SecretBox.fromConfig(config.workspaces.secretsKey, config.dataDir));
  const quota = new QuotaGuard(workspaces, usage);
  const runs = new RunService(client, config.taskQueue, quota);
  const flowSchedules = new FlowSchedules(client, config.taskQueue);
  const app = createApp({
    adminKey,
    flows,
    runs,
    webhooks: new WebhookService(flows, runs),
    flowService: new FlowService(flows, flowSchedules, (workspace) => quota.limitsOf(workspace)),
    workspaces,
    keys,
    workspaceService: new WorkspaceService(workspaces, keys, variables, usage),
    schedules: new ScheduleService(flows, flowSchedules),
    runList: new RunList(client),
    webhookBodyLimit: config.gateway.webhookBodyLimit,
    checkHealth: async () => {
      await Promise.all([client.workflowService.getSystemInfo({}), pingStore(store)]);
      return { temporal: 'ok', store: 'ok' };
    },
  });
  const server: Server = app.listen(config.port, config.host, () => {
    console.log(`[nectar gateway] listening on http://${config.host}:${config.port}`);
  });
  const shutdown = () => {
    server.close(async () => {
      await connection.close();
      await store.close();
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error) => {
  console.error('[nectar gateway] failed:', error);
  process.exit(1);
});
