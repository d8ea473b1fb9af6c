/** A worker process: runs the interpreter workflow and the activities that load flows and run code nodes. */
import { Runtime } from '@temporalio/worker';
import { parseConfig, requireSetting } from '../common/config';
import { connectWorkerConnection } from '../temporal/connection';
import { connectStore } from '../store/mongo';
import { createNectarWorker } from './nectarWorker';

async function main(): Promise<void> {
  const config = parseConfig();
  Runtime.install({ logger: undefined, shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const store = await connectStore(requireSetting(config.mongo.uri, 'NECTAR_MONGODB_URI'), config.mongo.dbName);
  const connection = await connectWorkerConnection(config);
  const { worker, close } = await createNectarWorker({ config, connection, store, allowInProcess: true });
  console.log(
    `[nectar worker] polling task queue "${config.taskQueue}" on ${config.temporal.address} (namespace ${config.temporal.namespace})`,
  );
  try {
    await worker.run();
  } finally {
    close();
    await connection.close();
    await store.close();
  }
}

main().catch((error) => {
  console.error('[nectar worker] failed:', error);
  process.exit(1);
});
