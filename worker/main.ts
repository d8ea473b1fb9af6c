/** A worker process: runs the interpreter workflow and the activities that load flows and run code nodes. */
import fs from 'node:fs';
import os from 'node:os';
import { Client } from '@temporalio/client';
import { Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createListenerActivities } from '../activities/triggers/listen';
import { createEmitActivities } from '../activities/triggers/emit';
import { EventBus } from '../temporal/eventBus';
import { FlowVersionCache } from '../activities/flowCache';
import { filterHostEnv } from '../activities/functionEnv';
import { OutputStore } from '../store/outputs';
import { parseConfig, requireSetting } from '../common/config';
import { platformEndpoints } from '../common/platformEndpoints';
import { EgressGuard, validEgressPolicy } from '../sandbox/egress';
import type { Executor } from '../sandbox/contract';
import { InProcessExecutor } from '../sandbox/inProcess';
import { SANDBOX_PROCESS_PATH, SandboxSupervisor } from '../sandbox/supervisor';
import { connectWorkerConnection } from '../temporal/connection';
import { FlowStore } from '../store/flows';
import { SecretBox } from '../store/secretBox';
import { TriggerRegistry } from '../store/triggerRegistry';
import { UsageStore } from '../store/usage';
import { VariableStore } from '../store/variables';
import { WorkspaceRuntime } from '../store/workspaceRuntime';
import { WorkspaceStore } from '../store/workspaces';
import { connectStore } from '../store/mongo';
import { WORKFLOW_BUNDLE_PATH } from './bundle';

/** Past an execution's time limit, how long its sandbox process may stay silent before it is killed as stuck. */
const PROCESS_GRACE_MS = 2_000;

/**
 * Isolates run in supervised sandbox processes (by default one per core, up to 2), which are started now, not when the
 * first code node arrives; with 0 processes they run in this process, with isolates prepared now.
 */
function sandboxExecutor(processes = Math.min(2, os.availableParallelism())): Executor {
  if (processes <= 0) return new InProcessExecutor({ prewarm: true });
  return new SandboxSupervisor({ childPath: SANDBOX_PROCESS_PATH, processes, graceMs: PROCESS_GRACE_MS });
}

async function main(): Promise<void> {
  const config = parseConfig();
  Runtime.install({ logger: undefined, shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const store = await connectStore(requireSetting(config.mongo.uri, 'NECTAR_MONGODB_URI'), config.mongo.dbName);
  const connection = await connectWorkerConnection(config);
  const hostEnv = filterHostEnv(process.env, config.functionEnv);
  const flowStore = new FlowStore(store);
  const variables = new VariableStore(store, SecretBox.fromConfig(config.workspaces.secretsKey, config.dataDir));
  // Checked here so a mistyped NECTAR_EGRESS_ALLOW stops the worker at start, not every code node later.
  const egress = validEgressPolicy({ ...config.egress, platform: platformEndpoints(config) });
  const sandbox = sandboxExecutor(config.sandboxProcesses);
  const outputs = new OutputStore(store.db);
  const activities = createActivities({
    flows: new FlowVersionCache(flowStore),
    functionEnv: () => ({ ...hostEnv }),
    workspace: new WorkspaceRuntime(flowStore, new WorkspaceStore(store), variables, new UsageStore(store)),
    latestVersion: async (flowId) => (await flowStore.latest(flowId))?.version,
    workspaceOf: (flowId) => flowStore.workspaceOf(flowId),
    outputs,
    sandbox,
    egress,
  });
  // Trigger listeners start runs themselves, and read their sources under the same egress policy as function code.
  const triggerRegistry = new TriggerRegistry(store);
  const triggerClient = new Client({ connection, namespace: config.temporal.namespace });
  const listenerActivities = createListenerActivities({
    registry: triggerRegistry,
    variables: (workspace) => variables.values(workspace),
    client: triggerClient,
    taskQueue: config.taskQueue,
    egress: new EgressGuard(egress),
    s3: config.uploads.s3
      ? new (await import('../store/s3UploadStorage')).S3UploadStorage(config.uploads.s3)
      : undefined,
  });
  const workflowSource = fs.existsSync(WORKFLOW_BUNDLE_PATH)
    ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: require.resolve('../workflows') };
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueue,
    activities: {
      ...activities,
      ...listenerActivities,
      ...createEmitActivities({
        bus: new EventBus(triggerClient, config.taskQueue, triggerRegistry, (value, owner) =>
          outputs.offload(value, owner),
        ),
        workspaceOf: (flowId) => flowStore.workspaceOf(flowId),
      }),
    },
    ...workflowSource,
  });
  console.log(
    `[nectar worker] polling task queue "${config.taskQueue}" on ${config.temporal.address} (namespace ${config.temporal.namespace})`,
  );
  try {
    await worker.run();
  } finally {
    sandbox.close();
    await connection.close();
    await store.close();
  }
}

main().catch((error) => {
  console.error('[nectar worker] failed:', error);
  process.exit(1);
});
