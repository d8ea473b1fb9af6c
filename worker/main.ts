/** A worker process: runs the interpreter workflow and the activities that load flows and run code nodes. */
import fs from 'node:fs';
import { Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { FlowVersionCache } from '../activities/flowCache';
import { filterHostEnv } from '../activities/functionEnv';
import { OutputStore } from '../store/outputs';
import { parseConfig, requireSetting } from '../common/config';
import { platformEndpoints } from '../common/platformEndpoints';
import { validEgressPolicy } from '../sandbox/egress';
import { closeSandbox, configureSandbox, prewarmSandbox } from '../sandbox/execute';
import { connectWorkerConnection } from '../temporal/connection';
import { FlowStore } from '../store/flows';
import { SecretBox } from '../store/secretBox';
import { UsageStore } from '../store/usage';
import { VariableStore } from '../store/variables';
import { WorkspaceRuntime } from '../store/workspaceRuntime';
import { WorkspaceStore } from '../store/workspaces';
import { connectStore } from '../store/mongo';
import { WORKFLOW_BUNDLE_PATH } from './bundle';

async function main(): Promise<void> {
  const config = parseConfig();
  Runtime.install({ logger: undefined, shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const store = await connectStore(requireSetting(config.mongo.uri, 'NECTAR_MONGODB_URI'), config.mongo.dbName);
  const connection = await connectWorkerConnection(config);
  const hostEnv = filterHostEnv(process.env, config.functionEnv);
  const flowStore = new FlowStore(store);
  const activities = createActivities({
    flows: new FlowVersionCache(flowStore),
    functionEnv: () => ({ ...hostEnv }),
    workspace: new WorkspaceRuntime(
      flowStore,
      new WorkspaceStore(store),
      new VariableStore(store, SecretBox.fromConfig(config.workspaces.secretsKey, config.dataDir)),
      new UsageStore(store),
    ),
    latestVersion: async (flowId) => (await flowStore.latest(flowId))?.version,
    workspaceOf: (flowId) => flowStore.workspaceOf(flowId),
    outputs: new OutputStore(store.db),
    // Checked here so a mistyped NECTAR_EGRESS_ALLOW stops the worker at start, not every code node later.
    egress: validEgressPolicy({ ...config.egress, platform: platformEndpoints(config) }),
  });
  // Start the sandbox processes (and their isolate pools) now, not when the first code node arrives.
  if (config.sandboxProcesses !== undefined) configureSandbox({ processes: config.sandboxProcesses });
  prewarmSandbox();
  const workflowSource = fs.existsSync(WORKFLOW_BUNDLE_PATH)
    ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: require.resolve('../workflows') };
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueue,
    activities,
    ...workflowSource,
  });
  console.log(`[nectar worker] polling task queue "${config.taskQueue}" on ${config.temporal.address} (namespace ${config.temporal.namespace})`);
  try {
    await worker.run();
  } finally {
    closeSandbox();
    await connection.close();
    await store.close();
  }
}

main().catch((error) => {
  console.error('[nectar worker] failed:', error);
  process.exit(1);
});
