/**
 * A worker of the interpreter's task queue, as every process that runs flows builds it: the interpreter workflow, the
 * activities that load flows and run code nodes (in supervised sandbox processes), the trigger listeners' and the event
 * bus's activities. The worker process runs one (worker/main.ts); so does the gateway's process, on the connection its
 * client uses, so that the runs it waits for start eagerly in it (gateway/embeddedWorker.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createListenerActivities } from '../activities/triggers/listen';
import { createEmitActivities } from '../activities/triggers/emit';
import { createErrorHandlerActivities } from '../activities/errorHandler';
import { EventBus } from '../temporal/eventBus';
import { FlowVersionCache } from '../activities/flowCache';
import { NodeCosts } from '../activities/nodeCosts';
import { filterHostEnv } from '../activities/functionEnv';
import { OutputStore } from '../store/outputs';
import { RunJournal } from '../store/runJournal';
import { NodeCostStore } from '../store/nodeCosts';
import type { Config } from '../common/config';
import { platformEndpoints } from '../common/platformEndpoints';
import { EgressGuard, validEgressPolicy } from '../sandbox/egress';
import type { Executor } from '../sandbox/contract';
import { SANDBOX_PROCESS_PATH, SandboxSupervisor } from '../sandbox/supervisor';
import { FlowStore } from '../store/flows';
import type { Store } from '../store/mongo';
import { SecretBox } from '../store/secretBox';
import { TriggerRegistry } from '../store/triggerRegistry';
import { UsageStore } from '../store/usage';
import { VariableStore } from '../store/variables';
import { WorkspaceRuntime } from '../store/workspaceRuntime';
import { WorkspaceStore } from '../store/workspaces';
import { WORKFLOW_BUNDLE_PATH } from './bundle';
import { MetricsRecorder } from '../store/metricsRecorder';
import type { RunMetricsSinks } from '../workflows/runMetrics';
import type { InjectedSinks } from '@temporalio/worker';
import { WorkerMetrics } from './prometheus';

/** Past an execution's time limit, how long its sandbox process may stay silent before it is killed as stuck. */
const PROCESS_GRACE_MS = 2_000;

export interface NectarWorkerOptions {
  config: Config;
  connection: NativeConnection;
  store: Store;
  /**
   * Where isolates run. `processes` (default: up to 2, one per core) supervised sandbox processes; 0 runs them in this
   * process, which only the worker process may ask for (`allowInProcess`): the gateway's process never loads isolates.
   */
  sandboxProcesses?: number;
  allowInProcess?: boolean;
  /** Options of the SDK's worker this process needs beyond the common ones. */
  tuning?: Partial<WorkerOptions>;
}

export interface NectarWorker {
  worker: Worker;
  /** What this worker ran, for a Prometheus endpoint (worker/prometheus.ts). */
  metrics: WorkerMetrics;
  /** Writes what the worker recorded and stops the sandbox processes (after the worker has stopped). */
  close: () => Promise<void>;
}

/**
 * Isolates run in supervised sandbox processes, started now rather than when the first code node arrives; with 0
 * processes (worker process only) they run in this process, with isolates prepared now.
 */
async function sandboxExecutor(processes: number, allowInProcess: boolean): Promise<Executor> {
  if (processes <= 0 && allowInProcess) {
    const { InProcessExecutor } = await import('../sandbox/inProcess');
    return new InProcessExecutor({ prewarm: true });
  }
  return new SandboxSupervisor({
    childPath: SANDBOX_PROCESS_PATH,
    processes: Math.max(1, processes),
    graceMs: PROCESS_GRACE_MS,
  });
}

export async function createNectarWorker(options: NectarWorkerOptions): Promise<NectarWorker> {
  const { config, connection, store } = options;
  const hostEnv = filterHostEnv(process.env, config.functionEnv);
  const flowStore = new FlowStore(store);
  const variables = new VariableStore(store, SecretBox.fromConfig(config.workspaces.secretsKey, config.dataDir));
  // Checked here so a mistyped NECTAR_EGRESS_ALLOW stops the process at start, not every code node later.
  const egress = validEgressPolicy({ ...config.egress, platform: platformEndpoints(config) });
  const sandbox = await sandboxExecutor(
    options.sandboxProcesses ?? config.sandboxProcesses ?? Math.min(2, os.availableParallelism()),
    options.allowInProcess ?? false,
  );
  try {
    const outputs = new OutputStore(store.db);
    const workspace = new WorkspaceRuntime(flowStore, new WorkspaceStore(store), variables, new UsageStore(store));
    const recorder = config.metrics.recording
      ? new MetricsRecorder(store.db, { workspaceOf: (flowId) => workspace.workspaceOf(flowId) })
      : undefined;
    const metrics = new WorkerMetrics(() => (sandbox instanceof SandboxSupervisor ? sandbox.stats() : undefined));
    const journal = new RunJournal(store.db);
    await journal.ensureIndexes();
    const activities = createActivities({
      flows: new FlowVersionCache(flowStore),
      functionEnv: () => ({ ...hostEnv }),
      workspace,
      recordExecution: (execution) => {
        recorder?.node(execution);
        metrics.node(execution);
      },
      latestVersion: async (flowId) => (await flowStore.latest(flowId))?.version,
      workspaceOf: (flowId) => flowStore.workspaceOf(flowId),
      outputs,
      sandbox,
      egress,
      journal,
      costs: new NodeCosts(new NodeCostStore(store.db)),
    });
    // Trigger listeners start runs themselves, and read their sources under the same egress policy as function code.
    const triggerRegistry = new TriggerRegistry(store);
    const triggerClient = new Client({ connection, namespace: config.temporal.namespace });
    const listenerActivities = createListenerActivities({
      registry: triggerRegistry,
      variables: (workspace) => variables.values(workspace),
      client: triggerClient,
      taskQueue: config.taskQueue,
      payloads: outputs,
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
          bus: new EventBus(triggerClient, config.taskQueue, triggerRegistry, outputs),
          workspaceOf: (flowId) => flowStore.workspaceOf(flowId),
        }),
        ...createErrorHandlerActivities({
          client: triggerClient,
          payloads: outputs,
          taskQueue: config.taskQueue,
          defaultErrorHandler: (id) => workspace.defaultErrorHandler(id),
          latestVersion: async (flowId, id) => (await flowStore.latest(flowId, id))?.version,
          quotaRefusal: (id) => workspace.quotaRefusal(id),
          publicUrl: config.publicUrl,
        }),
      },
      ...workflowSource,
      sinks: runMetricsSinks(recorder, metrics),
      ...options.tuning,
    });
    const close = async () => {
      // The worker has finished its tasks: what they recorded is written before the store closes.
      await recorder?.close().catch((error: unknown) => console.error('[nectar worker] metrics not written:', error));
      sandbox.close();
    };
    return { worker, metrics, close };
  } catch (error) {
    sandbox.close();
    throw error;
  }
}

/** Runs starting and closing, told by the interpreter workflow through its sink (never during replay). */
export function runMetricsSinks(
  recorder: MetricsRecorder | undefined,
  metrics: WorkerMetrics,
): InjectedSinks<RunMetricsSinks> {
  return {
    runMetrics: {
      started: {
        fn: (info, event) => {
          recorder?.runStarted({ ...event, runId: info.workflowId, at: Date.now() });
          metrics.runStarted(event);
        },
      },
      closed: {
        fn: (info, event) => {
          const at = Date.now();
          const startedAt = event.startedAt ?? info.startTime.getTime();
          recorder?.runClosed({ ...event, status: event.status ?? 'completed', startedAt, runId: info.workflowId, at });
          metrics.runClosed(event, at - startedAt);
        },
      },
    },
  };
}
