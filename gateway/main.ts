/** The gateway process: the HTTP API (and the UI's files) in front of Temporal and the store. */
import type { Server } from 'node:http';
import path from 'node:path';
import { DefaultLogger, type NativeConnection, Runtime } from '@temporalio/worker';
import type { EmbeddedWorker } from '../worker/embedded';
import { OutputStore } from '../store/outputs';
import { resolveAdminKey } from '../common/adminKey';
import { Config, parseConfig, requireSetting } from '../common/config';
import { ApiKeyStore } from '../store/apiKeys';
import { FlowStore } from '../store/flows';
import { MetricsReader } from '../store/metricsReader';
import { gatewayRegistry } from './prometheus';
import { openStore, pingStore, Store } from '../store/mongo';
import { SecretBox } from '../store/secretBox';
import { TriggerRegistry } from '../store/triggerRegistry';
import { UploadStore } from '../store/uploads';
import { LocalUploadStorage } from '../store/uploadStorage';
import { UsageStore } from '../store/usage';
import { VariableStore } from '../store/variables';
import { WorkspaceStore } from '../store/workspaces';
import { connectClient, withCallDeadlines } from '../temporal/connection';
import { registerSearchAttributes } from '../temporal/registerSearchAttributes';
import { CronPreviewer } from '../temporal/cronPreview';
import { FlowSchedules } from '../temporal/schedules';
import { createServer } from './app';
import { BodyBudget } from './bodyBudget';
import { FlowLookup } from './flowLookup';
import { FlowService } from './flowService';
import { checkParts } from './health';
import { log } from './logging';
import { QuotaGuard } from './quota';
import { LastKnownSettings } from './lastKnownSettings';
import { installProcessGuard } from './requestGuard';
import { RunList } from './runList';
import { RunDebug } from './runDebug';
import { RunJournal } from '../store/runJournal';
import { RunService } from './runService';
import { ScheduleService } from './scheduleService';
import { TriggerService } from './triggerService';
import { unavailablePart } from './unavailable';
import { EventBus } from '../temporal/eventBus';
import { PushedSources } from './sources/pushed';
import { salesforceSource } from './sources/salesforceSource';
import { signedSource } from './sources/signedSource';
import { StepTests } from './stepTests';
import { createS3Source } from './sources/s3Source';
import { SnsVerifier } from './sources/sns';
import { AcceptJournal, acceptedRunStarter } from './webhooks/journal';
import { WebhookService } from './webhooks/service';
import { WorkspaceService } from './workspaceService';

const STORE_RETRY_MS = 3_000;

async function main(): Promise<void> {
  const config = parseConfig();
  installProcessGuard();
  // The runtime of the native Temporal connection; the gateway handles its own signals (graceful stop).
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const adminKey = resolveAdminKey(config.adminKey, config.dataDir).key;
  const deadlineMs = config.gateway.dependencyTimeoutMs;
  // Not awaited: a gateway started while the store is down serves what needs no store (async webhooks, from the last
  // known settings) and 503 for the rest, and prepares the store once it answers.
  const store = openStore(requireSetting(config.mongo.uri, 'NECTAR_MONGODB_URI'), config.mongo.dbName, deadlineMs);
  const flows = new FlowStore(store);
  const { client, connection } = await connectClient(config);
  try {
    await registerSearchAttributes(connection, config.temporal.namespace);
  } catch (error) {
    log.warn(
      `could not register search attributes (register NectarFlowId, NectarFlowVersion, NectarTrigger, NectarWorkspace as Keyword yourself): ${(error as Error).message}`,
    );
  }
  const workspaces = new WorkspaceStore(store);
  const keys = new ApiKeyStore(store);
  const usage = new UsageStore(store);
  const variables = new VariableStore(store, SecretBox.fromConfig(config.workspaces.secretsKey, config.dataDir));
  const quota = new QuotaGuard(workspaces, usage);
  const outputs = new OutputStore(store.db);
  const triggerRegistry = new TriggerRegistry(store);
  const runJournal = new RunJournal(store.db);
  await prepareStore(store, async () => {
    await flows.ensureIndexes();
    await workspaces.ensureDefault(config.gateway.defaultPlan);
    await keys.ensureIndexes();
    await triggerRegistry.ensureIndexes();
    await runJournal.ensureIndexes();
  });
  const embeddedWorker = config.gateway.eagerStart ? await startWorkerBeside(config, connection) : undefined;
  const journalDir = path.join(config.dataDir, 'webhook-journal');
  const journal = config.gateway.webhookJournal
    ? AcceptJournal.open(journalDir, acceptedRunStarter(client, config.taskQueue, outputs))
    : undefined;
  const runs = new RunService(client, config.taskQueue, outputs, {
    quota,
    pendingRuns: journal,
    eagerStart: embeddedWorker !== undefined,
    temporalUiUrl: config.temporal.uiUrl,
    journal: runJournal,
  });
  const runList = new RunList(client);
  const flowSchedules = new FlowSchedules(client, config.taskQueue);
  const flowLookup = new FlowLookup(flows);
  const lastKnown = LastKnownSettings.beside(journalDir, () => ({
    flows: flowLookup.webhookFlows(),
    farFromLimit: quota.farWorkspaces(),
  }));
  flowLookup.restore(lastKnown.loaded.flows);
  quota.restore(lastKnown.loaded.farFromLimit);
  flowLookup.onChange = quota.onChange = () => lastKnown.changed();
  const triggers = new TriggerService(flows, triggerRegistry, client, config.taskQueue);
  const uploads = await openUploads(store, config.uploads);
  const flowService = new FlowService(
    flows,
    flowSchedules,
    (workspace) => quota.limitsOf(workspace),
    (flowId) => flowLookup.invalidate(flowId),
    triggers,
  );
  const metrics = new MetricsReader(store.db);
  const workspaceService = new WorkspaceService(workspaces, keys, variables, usage, (workspace) =>
    quota.forget(workspace),
  );
  let stopping = false;
  const bodyBudget = new BodyBudget(config.gateway.bodyLimits.budget, config.gateway.bodyLimits.largestBody);
  const server: Server = createServer({
    stopping: () => stopping,
    corsOrigins: config.gateway.corsOrigins,
    rateLimitPerMinute: config.gateway.rateLimitPerMinute,
    adminKey,
    flows,
    runs,
    webhooks: new WebhookService(flowLookup, runs, journal, uploads),
    uploads,
    uploadLimit: config.gateway.uploadLimit,
    bodyBudget,
    flowService,
    triggers,
    eventBus: new EventBus(client, config.taskQueue, triggerRegistry, outputs),
    pushedSources: new PushedSources(
      triggerRegistry,
      runs,
      {
        signed: signedSource,
        salesforce: salesforceSource,
        s3: createS3Source({
          sns: new SnsVerifier(config.triggers.snsCertHosts),
          objectUrl: (workspace, event) => objectUrl(config.uploads.s3?.bucket, workspace, event),
        }),
      },
      (workspace) => variables.values(workspace),
    ),
    stepTests: new StepTests(flows, flowService, runs, (value) => outputs.resolve(value)),
    workspaces,
    keys,
    workspaceService,
    metrics,
    prometheus: gatewayRegistry({
      reader: metrics,
      workspaces: workspaceService,
      journalBacklog: journal && (() => journal.backlog()),
      bodyBytesInFlight: () => bodyBudget.inUse,
      worker: embeddedWorker?.metrics.registry,
    }),
    schedules: new ScheduleService(flows, flowSchedules),
    runList,
    runDebug: new RunDebug({
      runs,
      list: runList,
      flows,
      journal: runJournal,
      resolve: (value) => outputs.resolve(value),
    }),
    liveLogs: runJournal,
    cronPreview: new CronPreviewer(client),
    webhookBodyLimit: config.gateway.webhookBodyLimit,
    requestScope: (handle) => withCallDeadlines(connection, deadlineMs, handle),
    checkHealth: () =>
      checkParts(
        { temporal: () => client.workflowService.getSystemInfo({}), store: () => pingStore(store) },
        deadlineMs,
      ),
  });
  // A gateway that cannot listen (its port taken, say) serves nothing: it stops, and says why, rather than run deaf.
  const cannotListen = (error: Error) => {
    log.fatal({ err: error }, `cannot listen on ${config.host}:${config.port}`);
    process.exit(1);
  };
  server.once('error', cannotListen);
  server.listen(config.port, config.host, () => {
    server.off('error', cannotListen);
    log.info(`listening on http://${config.host}:${config.port}`);
  });
  // While stopping, a kept-alive connection closes as soon as its request is answered.
  server.on('request', (_request, response) => {
    if (stopping) response.setHeader('connection', 'close');
    response.once('finish', () => stopping && setImmediate(() => server.closeIdleConnections()));
  });
  // Graceful stop: refuse new connections, let every accepted request finish (bounded by the grace period), then close.
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing accepted requests');
    const forced = setTimeout(() => {
      log.warn('grace period over: exiting with requests still open');
      process.exit(1);
    }, config.gateway.shutdownGraceMs);
    forced.unref();
    const finish = async () => {
      lastKnown.flush();
      await journal?.drain(Math.max(0, config.gateway.shutdownGraceMs - 1_000));
      await embeddedWorker?.stop();
      await connection.close();
      await store.close();
      log.info('stopped');
      process.exit(0);
    };
    server.close(() => void finish());
    server.closeIdleConnections();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

/**
 * The worker the runs this gateway waits for start eagerly in (worker/embedded.ts; its code nodes run in sandbox
 * processes it supervises). Loaded only when on; without it (off, or failing to start) runs start as they always did.
 */
async function startWorkerBeside(config: Config, connection: NativeConnection): Promise<EmbeddedWorker | undefined> {
  try {
    const { startEmbeddedWorker } = await import('../worker/embedded');
    const worker = await startEmbeddedWorker({
      config,
      connection,
      onError: (error) => log.error({ err: error }, 'the worker beside the gateway stopped; runs now start normally'),
    });
    log.info(`eager start on: this process also polls task queue "${config.taskQueue}"`);
    return worker;
  } catch (error) {
    log.warn({ err: error }, 'could not start the worker beside the gateway; runs start normally (not eagerly)');
    return undefined;
  }
}

/**
 * Connects to the store and creates its indexes and default workspace. When the store does not answer, the gateway
 * starts all the same and tries again every few seconds until it does; any other failure stops the start, as before.
 * Each try connects explicitly: the driver keeps a client whose first connection failed closed (every operation then
 * fails at once, answered 503) until `connect` is called again.
 */
async function prepareStore(store: Store, prepare: () => Promise<void>): Promise<void> {
  const connectAndPrepare = async () => {
    await store.client.connect();
    await prepare();
  };
  try {
    await connectAndPrepare();
    return;
  } catch (error) {
    if (unavailablePart(error) !== 'store') throw error;
    log.warn({ err: error }, 'the store does not answer: starting without it, and preparing it once it does');
  }
  const retry = () => {
    connectAndPrepare().then(
      () => log.info('the store answers: prepared'),
      (error: unknown) => {
        if (unavailablePart(error) === 'store') setTimeout(retry, STORE_RETRY_MS).unref();
        else log.error({ err: error }, 'could not prepare the store');
      },
    );
  };
  setTimeout(retry, STORE_RETRY_MS).unref();
}

/** Where a run reads an object an S3 trigger reported: only objects of the uploads bucket under the workspace's prefix. */
function objectUrl(
  uploadsBucket: string | undefined,
  workspace: string,
  event: { bucket: string; key: string },
): string | undefined {
  if (event.bucket !== uploadsBucket || !event.key.startsWith(`${workspace}/`)) return undefined;
  return `/api/s3-objects?key=${encodeURIComponent(event.key)}`;
}

/** New uploads go to S3 when configured, else to the data dir; local ones stay readable either way. */
async function openUploads(store: Store, settings: Config['uploads']): Promise<UploadStore> {
  const local = new LocalUploadStorage(settings.local.dir);
  if (!settings.s3) return new UploadStore(store, local);
  const { S3UploadStorage } = await import('../store/s3UploadStorage');
  const s3 = new S3UploadStorage(settings.s3);
  try {
    await s3.check();
  } catch (error) {
    log.warn(
      `the uploads bucket "${settings.s3.bucket}" does not answer (webhook uploads will fail until it does): ${(error as Error).message}`,
    );
  }
  return new UploadStore(store, s3, [local]);
}

main().catch((error) => {
  log.fatal({ err: error }, 'failed to start');
  process.exit(1);
});
