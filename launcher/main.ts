/**
 * `npm start`: brings up the whole product on one machine — the Temporal dev server (unless TEMPORAL_ADDRESS is
 * set), FerretDB (unless NECTAR_MONGODB_URI is set), a worker and the gateway — then prints where to go.
 * Ctrl-C stops everything it started.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveAdminKey } from '../common/adminKey';
import { requireBinary } from '../common/binaries';
import { parseConfig } from '../common/config';
import { choosePort, ManagedProcess, startProcess, waitUntil } from '../common/processes';
import { ferretDbUri, startFerretDb } from '../store/ferretdb';
import { startDevServer } from '../temporal/devServer';
import { supervise, Supervised } from './supervise';

const say = (message: string) => console.log(`[nectar] ${message}`);

/** What the launcher writes once everything answers, for scripts and tests that drive it. */
export interface RunningInfo {
  pid: number;
  uiUrl: string;
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  mongoUri: string;
  adminKey: string;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const config = parseConfig();
  const logDir = path.join(config.dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const runningFile = path.join(config.dataDir, 'running.json');
  fs.rmSync(runningFile, { force: true });

  // Everything started, in order: the Temporal server and FerretDB (when embedded), the worker, the gateway.
  const supervised: Supervised[] = [];
  let stopping = false;
  const pidDir = path.join(config.dataDir, 'pids');
  fs.mkdirSync(pidDir, { recursive: true });
  const superviseProcess = (name: string, start: () => Promise<ManagedProcess>) => {
    const running = supervise(name, start, { isStopping: () => stopping, pidDir, say });
    supervised.push(running);
    return running;
  };

  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    fs.rmSync(runningFile, { force: true });
    for (const running of [...supervised].reverse()) await running.current()?.stop();
    say('stopped');
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  try {
    let temporalAddress = config.temporal.address;
    let temporalUiUrl = config.temporal.uiUrl;
    if (!temporalAddress) {
      const executable = requireBinary('temporal');
      const port = await choosePort(config.embedded.temporalPort);
      const uiPort = await choosePort(config.embedded.temporalUiPort);
      say(
        `starting the Temporal dev server on 127.0.0.1:${port} (data: ${path.join(config.dataDir, 'temporal.sqlite')})`,
      );
      const options = {
        executable,
        dataDir: config.dataDir,
        port,
        uiPort,
        namespace: config.temporal.namespace,
        niceness: config.runNiceness,
      };
      // Restarted on the same ports when it dies: the worker and the gateway reconnect to the address they have.
      await superviseProcess('temporal', async () => (await startDevServer(options)).process).started;
      temporalAddress = `127.0.0.1:${port}`;
      temporalUiUrl = `http://127.0.0.1:${uiPort}`;
    } else {
      say(`using the Temporal cluster at ${temporalAddress} (namespace ${config.temporal.namespace})`);
    }

    let mongoUri = config.mongo.uri;
    if (!mongoUri) {
      const executable = requireBinary('ferretdb');
      const port = await choosePort(config.embedded.ferretdbPort);
      say(`starting FerretDB on 127.0.0.1:${port} (data: ${path.join(config.dataDir, 'ferretdb')})`);
      const options = { executable, dataDir: config.dataDir, port, niceness: config.runNiceness };
      await superviseProcess('ferretdb', async () => (await startFerretDb(options)).process).started;
      mongoUri = ferretDbUri('127.0.0.1', port);
    } else {
      say('using the MongoDB store at NECTAR_MONGODB_URI');
    }

    const admin = resolveAdminKey(config.adminKey, config.dataDir);
    const workerMetricsPort = config.metrics.workerPort > 0 ? await choosePort(config.metrics.workerPort) : 0;
    const apiUrl = `http://${config.host}:${config.port}`;
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress,
      NECTAR_MONGODB_URI: mongoUri,
      ...(temporalUiUrl ? { TEMPORAL_UI_URL: temporalUiUrl } : {}),
      NECTAR_API_KEY: admin.key,
      NECTAR_DATA_DIR: config.dataDir,
      PORT: String(config.port),
      NECTAR_PUBLIC_URL: config.publicUrl ?? apiUrl,
      NECTAR_WORKER_METRICS_PORT: String(workerMetricsPort),
    };
    const nodeProcess = (name: string, script: string, niceness?: number) =>
      superviseProcess(name, async () =>
        startProcess({
          name,
          command: process.execPath,
          args: ['--no-node-snapshot', path.join(__dirname, '..', script)],
          logFile: path.join(logDir, `${name}.log`),
          env: childEnv,
          niceness,
        }),
      );
    nodeProcess('worker', 'worker/main.js', config.runNiceness);
    const gateway = nodeProcess('gateway', 'gateway/main.js');

    await gateway.started;
    await waitUntil(`the gateway at ${apiUrl}/healthz`, async () => (await fetch(`${apiUrl}/healthz`)).ok, {
      timeoutMs: 60_000,
      process: gateway.current(),
    });

    const info: RunningInfo = {
      pid: process.pid,
      uiUrl: `${apiUrl}/`,
      apiUrl: `${apiUrl}/api`,
      temporalAddress,
      temporalUiUrl,
      mongoUri,
      adminKey: admin.key,
    };
    // Written whole, then renamed, so a reader never sees half of it.
    fs.writeFileSync(`${runningFile}.tmp`, JSON.stringify(info, null, 2), { mode: 0o600 });
    fs.renameSync(`${runningFile}.tmp`, runningFile);
    const lines = [
      '',
      `Nectar Studio is up (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`,
      `  UI              ${info.uiUrl}`,
      `  API             ${info.apiUrl}`,
      `  Temporal Web UI ${temporalUiUrl ?? '(external cluster: see your Temporal UI)'}`,
      `  Metrics         ${apiUrl}/metrics (Prometheus, admin key as Bearer)${workerMetricsPort > 0 ? `  worker http://${config.host}:${workerMetricsPort}/metrics` : ''}`,
      `  Admin API key   ${admin.key}${admin.generated ? `  (generated, saved in ${admin.file})` : ''}`,
      `  Data            ${config.dataDir}   Logs ${logDir}`,
      '',
      'Try it:',
      `  curl -H "Authorization: Bearer ${admin.key}" ${info.apiUrl}/flows`,
      '',
      'Ctrl-C stops everything.',
      '',
    ];
    console.log(lines.join('\n'));
  } catch (error) {
    console.error(`[nectar] start failed: ${(error as Error).message}`);
    await stopAll(1);
  }
}

void main();
