/**
 * The worker the gateway's process runs beside the HTTP API, on the same native connection as its Temporal client: a
 * run the gateway starts with `requestEagerStart` then has its first workflow task handed back in the start response
 * and run here, without a task-queue round trip. It is an ordinary worker of the interpreter's task queue (built by
 * nectarWorker.ts, like the worker process's), so any other worker can take over whatever it was running; code nodes
 * run in sandbox processes it supervises, never in the gateway's own process.
 */
import os from 'node:os';
import type { NativeConnection } from '@temporalio/worker';
import { Config, requireSetting } from '../common/config';
import { openStore } from '../store/mongo';
import { createNectarWorker } from './nectarWorker';
import type { WorkerMetrics } from './prometheus';

export interface EmbeddedWorker {
  /** What it ran: the gateway's Prometheus endpoint includes it. */
  metrics: WorkerMetrics;
  /** Finishes the tasks the worker holds (sync runs the gateway still answers), then stops it and its sandboxes. */
  stop(): Promise<void>;
}

export async function startEmbeddedWorker(options: {
  config: Config;
  connection: NativeConnection;
  onError: (error: unknown) => void;
}): Promise<EmbeddedWorker> {
  // A store client of its own, unbounded as the worker process's: the gateway's gives up on a pool checkout after the
  // request deadline (NECTAR_DEPENDENCY_TIMEOUT_MS), which ten nodes reading 10 MiB payloads at once passed, failing
  // nodes whose code never ran.
  const { config } = options;
  const store = openStore(requireSetting(config.mongo.uri, 'NECTAR_MONGODB_URI'), config.mongo.dbName);
  const { worker, metrics, close } = await createNectarWorker({
    ...options,
    store,
    tuning: { identity: `nectar-gateway:${process.pid}@${os.hostname()}` },
  });
  // A worker that stops on its own leaves the gateway answering: the SDK then sends eager start requests as normal ones.
  const done = worker
    .run()
    .catch(options.onError)
    .finally(async () => {
      await close();
      await store.close();
    });
  return {
    metrics,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
