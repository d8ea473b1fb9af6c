/** A worker process: runs the interpreter workflow and the activities that load flows and run code nodes. */
import os from 'node:os';
import { Runtime } from '@temporalio/worker';
import { parseConfig, requireSetting } from '../common/config';
import { connectWorkerConnection } from '../temporal/connection';
import { connectStore } from '../store/mongo';
import { createNectarWorker } from './nectarWorker';
import { freePort } from '../common/processes';
import { serveMetrics } from './prometheus';
import { scheduleRetention } from '../store/retention';

async function main(): Promise<void> {
  const config = parseConfig();
  // The SDK's own worker metrics (task slots, polls, latencies), on loopback: the worker's /metrics appends them.
  const sdkMetricsPort = config.metrics.workerPort > 0 ? await freePort('127.0.0.1') : undefined;
  Runtime.install({
    logger: undefined,
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    ...(sdkMetricsPort === undefined
      ? {}
      : { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } } } }),
  });
  const store = await connectStore(requireSetting(config.mongo.uri, 'NECTAR_MONGODB_URI'), config.mongo.dbName);
  const connection = await connectWorkerConnection(config);
  const { worker, metrics, close } = await createNectarWorker({ config, connection, store, allowInProcess: true });
  const metricsEndpoint =
    sdkMetricsPort === undefined
      ? undefined
      : await serveMetrics(
          metrics,
          config.host,
          config.metrics.workerPort,
          `http://127.0.0.1:${sdkMetricsPort}/metrics`,
        );
  if (metricsEndpoint) console.log(`[nectar worker] Prometheus metrics at ${metricsEndpoint.url}`);
  // Every worker process offers; a lease in the store lets one prune per interval for the whole deployment.
  const stopRetention = scheduleRetention(store.db, config.metrics, `worker:${process.pid}@${os.hostname()}`);
  console.log(
    `[nectar worker] polling task queue "${config.taskQueue}" on ${config.temporal.address} (namespace ${config.temporal.namespace})`,
  );
  try {
    await worker.run();
  } finally {
    stopRetention();
    await close();
    await metricsEndpoint?.close();
    await connection.close();
    await store.close();
  }
}

main().catch((error) => {
  console.error('[nectar worker] failed:', error);
  process.exit(1);
});
