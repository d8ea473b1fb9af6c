import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ManagedProcess, startProcess, waitUntil } from '../common/processes';
import { registerSearchAttributes } from './registerSearchAttributes';
import { devServerTypeName, NECTAR_SEARCH_ATTRIBUTES } from './searchAttributes';

export interface DevServerOptions {
  executable: string;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  host?: string;
  niceness?: number;
}

export interface DevServer {
  process: ManagedProcess;
  address: string;
  uiUrl: string;
}

/** Without these in its environment the CLI cannot mistake our settings for its own client profile. */
function serverEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')));
}

/** Settings of every dev server we start (the product's and the benchmarks'), after the address and database flags. */
export const DEV_SERVER_TUNING: readonly string[] = [
  // Write-ahead log, still synced on every commit: one fsync per transaction instead of the rollback journal's three
  // or four, so every step Temporal persists costs a fraction of the time and survives a crash all the same.
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=full',
  // The worker then receives a run's next activity with the workflow task that schedules it, saving a round trip per node.
  '--dynamic-config-value',
  'system.enableActivityEagerExecution=true',
  // The CLI forces a read of the search-attribute table on every eager start answer and history read; ours are
  // registered when the server starts (below, and by the gateway), so the cached copy is always current.
  '--dynamic-config-value',
  'system.forceSearchAttributesCacheRefreshOnRead=false',
  ...NECTAR_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${devServerTypeName(key)}`]),
];

/** Starts `temporal server start-dev` on SQLite under the data dir, waits until it answers, registers our search attributes. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const host = options.host ?? '127.0.0.1';
  const address = `${host}:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.join(options.dataDir, 'temporal.sqlite'),
    '--ip',
    host,
    '--port',
    String(options.port),
    '--ui-ip',
    host,
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    ...DEV_SERVER_TUNING,
  ];
  const process = startProcess({
    name: 'temporal',
    command: options.executable,
    args,
    logFile: path.join(options.dataDir, 'temporal.log'),
    env: serverEnvironment(),
    niceness: options.niceness,
  });
  let connection: Connection | undefined;
  try {
    await waitUntil(
      `the Temporal server at ${address}`,
      async () => {
        connection ??= await Connection.connect({ address, connectTimeout: '2s' });
        await connection.workflowService.describeNamespace({ namespace: options.namespace });
        return true;
      },
      { timeoutMs: 60_000, process },
    );
    await registerSearchAttributes(connection!, options.namespace);
  } catch (error) {
    await process.stop();
    throw error;
  } finally {
    await connection?.close();
  }
  return { process, address, uiUrl: `http://${host}:${options.uiPort}` };
}
