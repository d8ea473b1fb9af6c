/**
 * A real PostgreSQL for tests and benchmarks: Debian's server binaries (`apt-get install postgresql`), a fresh cluster
 * made by initdb in a temporary directory, on a free port of 127.0.0.1, its socket in that directory. PostgreSQL refuses
 * to run as root, so under root it runs as the `postgres` user the package creates.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort, ManagedProcess, startProcess, waitUntil } from '../../common/processes';

export interface LocalPostgres {
  port: number;
  /** A connection URL for the `nectar` superuser and the `postgres` database (trust auth on loopback). */
  url: string;
  /** A connected client (closed by stop). */
  client: Client;
  /** Stops the server and keeps its data; `start` brings it back on the same port. */
  stopServer: () => Promise<void>;
  startServer: () => Promise<void>;
  stop: () => Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const found = versions
    .map((version) => path.join(root, version, 'bin'))
    .find((dir) => fs.existsSync(path.join(dir, 'initdb')));
  if (!found)
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)');
  return found;
}

/** Under root, the uid and gid of the `postgres` user; nothing otherwise. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export async function startLocalPostgres(): Promise<LocalPostgres> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-pg-'));
  const dataDir = path.join(dir, 'data');
  const user = runAs();
  if (user) fs.chownSync(dir, user.uid, user.gid);
  execFileSync(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'nectar', '--auth=trust', '--no-sync', '-E', 'UTF8'], {
    stdio: 'ignore',
    ...(user ?? {}),
  });
  const port = await freePort();
  let server: ManagedProcess | undefined;
  const stopServer = async () => {
    if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
    server.child.kill('SIGINT');
    await server.exited;
  };
  const url = `postgres://nectar@127.0.0.1:${port}/postgres`;
  const startServer = async () => {
    const logFile = path.join(dir, 'postgres.log');
    fs.writeFileSync(logFile, '', { flag: 'a' });
    if (user) fs.chownSync(logFile, user.uid, user.gid);
    const args = [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      dir,
      '-h',
      '127.0.0.1',
      '-c',
      'track_commit_timestamp=on',
      '-c',
      'fsync=off',
    ];
    // SIGINT is PostgreSQL's fast shutdown; startProcess stops with SIGTERM (smart shutdown), which waits for clients.
    server = startProcess({ name: 'postgres', command: path.join(bin, 'postgres'), args, logFile, user });
    await waitUntil(
      `postgres on port ${port}`,
      async () => {
        const probe = new Client({ connectionString: url });
        try {
          await probe.connect();
          return true;
        } catch {
          return false;
        } finally {
          await probe.end().catch(() => undefined);
        }
      },
      { timeoutMs: 30_000, process: server },
    );
  };
  await startServer();
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return {
    port,
    url,
    client,
    startServer,
    stopServer,
    stop: async () => {
      await client.end().catch(() => undefined);
      await stopServer();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
