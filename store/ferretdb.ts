import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort, ManagedProcess, startProcess, waitUntil } from '../common/processes';

export interface FerretDbOptions {
  executable: string;
  dataDir: string;
  port: number;
  host?: string;
  niceness?: number;
}

export interface FerretDb {
  process: ManagedProcess;
  uri: string;
}

export const ferretDbUri = (host: string, port: number) => `mongodb://${host}:${port}/nectar`;

/** Starts FerretDB on its SQLite backend under the data dir, and waits until it answers a ping. */
export async function startFerretDb(options: FerretDbOptions): Promise<FerretDb> {
  const host = options.host ?? '127.0.0.1';
  const storage = path.join(options.dataDir, 'ferretdb');
  fs.mkdirSync(storage, { recursive: true });
  const debugPort = await freePort(host);
  const process = startProcess({
    name: 'ferretdb',
    niceness: options.niceness,
    command: options.executable,
    args: [
      '--handler=sqlite',
      `--sqlite-url=file:${storage}/`,
      `--listen-addr=${host}:${options.port}`,
      `--debug-addr=${host}:${debugPort}`,
      // Its state.json (a generated id) otherwise lands in whatever directory the product was started from.
      `--state-dir=${storage}`,
      '--telemetry=disable',
      '--log-level=warn',
    ],
    logFile: path.join(options.dataDir, 'ferretdb.log'),
  });
  const uri = ferretDbUri(host, options.port);
  try {
    await waitUntil(
      `FerretDB at ${host}:${options.port}`,
      async () => {
        const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1_000 });
        try {
          await client.db('admin').command({ ping: 1 });
          return true;
        } finally {
          await client.close();
        }
      },
      { timeoutMs: 30_000, process },
    );
  } catch (error) {
    await process.stop();
    throw error;
  }
  return { process, uri };
}
