/**
 * Starts the whole product as `npm start` does — Temporal dev server, FerretDB, worker, gateway — on free ports in
 * a temporary data dir, and talks to it over HTTP on 127.0.0.1. Needs `npm run build` first (npm test does it).
 */
import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, sleep } from '../../common/processes';
import type { RunningInfo } from '../../launcher/main';

// From test/support under ts-jest, or from dist/test/support when a benchmark (compiled) uses it.
const ROOT =
  [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..', '..', '..')].find((root) =>
    fs.existsSync(path.join(root, 'dist', 'launcher', 'main.js')),
  ) ?? path.resolve(__dirname, '..', '..');
const LAUNCHER = path.join(ROOT, 'dist', 'launcher', 'main.js');

export interface Product {
  dataDir: string;
  info: RunningInfo;
  adminKey: string;
  baseUrl: string;
  ports: { gateway: number; temporal: number; temporalUi: number; ferretdb: number };
  launcher: ChildProcess;
  output: () => string;
  /** An HTTP call to the gateway with the admin key (or the headers given). */
  request: (
    method: string,
    urlPath: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<{ status: number; body: any; headers: Headers }>;
  /** The pid of a process the launcher runs now (the embedded servers' only when embedded). */
  pidOf: (service: 'worker' | 'gateway' | 'temporal' | 'ferretdb') => number;
  stop: () => Promise<void>;
}

export interface StartOptions {
  /** Reuse a data dir (to test a restart); a new temporary one otherwise. */
  dataDir?: string;
  adminKey?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** The gateway's port, when something started before the product must know its URL. */
  gatewayPort?: number;
}

export async function startProduct(options: StartOptions = {}): Promise<Product> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-test-'));
  const adminKey = options.adminKey ?? `test_${crypto.randomBytes(16).toString('hex')}`;
  const ports = {
    gateway: options.gatewayPort ?? (await freePort()),
    temporal: await freePort(),
    temporalUi: await freePort(),
    ferretdb: await freePort(),
  };
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['TEMPORAL_ADDRESS', 'NECTAR_MONGODB_URI', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS']) delete env[name];
  Object.assign(env, {
    NECTAR_DATA_DIR: dataDir,
    NECTAR_API_KEY: adminKey,
    PORT: String(ports.gateway),
    NECTAR_TEMPORAL_PORT: String(ports.temporal),
    NECTAR_TEMPORAL_UI_PORT: String(ports.temporalUi),
    NECTAR_FERRETDB_PORT: String(ports.ferretdb),
    ...options.env,
  });
  const runningFile = path.join(dataDir, 'running.json');
  fs.rmSync(runningFile, { force: true });
  let output = '';
  const launcher = spawn(process.execPath, ['--no-node-snapshot', LAUNCHER], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launcher.stdout.on('data', (chunk) => (output += chunk));
  launcher.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => launcher.once('exit', () => resolve()));

  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!fs.existsSync(runningFile)) {
    if (launcher.exitCode !== null) throw new Error(`the launcher exited (${launcher.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      // SIGINT lets the launcher stop the servers it already started.
      launcher.kill('SIGINT');
      await Promise.race([exited, sleep(20_000)]);
      throw new Error(`the product did not start in time:\n${output}`);
    }
    await sleep(100);
  }
  const info = JSON.parse(fs.readFileSync(runningFile, 'utf8')) as RunningInfo;
  const baseUrl = `http://127.0.0.1:${ports.gateway}`;

  const request: Product['request'] = async (method, urlPath, body, headers) => {
    const response = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers: headers ?? {
        authorization: `Bearer ${adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };

  return {
    dataDir,
    info,
    adminKey,
    baseUrl,
    ports,
    launcher,
    output: () => output,
    request,
    pidOf: (service) => Number(fs.readFileSync(path.join(dataDir, 'pids', `${service}.pid`), 'utf8')),
    stop: async () => {
      if (launcher.exitCode === null) launcher.kill('SIGINT');
      const timer = setTimeout(() => launcher.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Answers once the gateway answers its health check (after the launcher restarted it, say). */
export async function untilHealthy(product: Product, timeoutMs: number): Promise<void> {
  await eventually(
    async () => ((await product.request('GET', '/healthz').catch(() => undefined))?.status === 200 ? true : undefined),
    timeoutMs,
  );
}

/**
 * Kills (SIGKILL) every process with a worker of the interpreter's queue — the worker, and the gateway, whose
 * eager-start worker polls the same queue — so a running node is cut wherever it runs; answers once the launcher has
 * restarted both and the gateway is healthy again.
 */
export async function killRunWorkers(product: Product): Promise<void> {
  const before = { worker: product.pidOf('worker'), gateway: product.pidOf('gateway') };
  process.kill(before.worker, 'SIGKILL');
  process.kill(before.gateway, 'SIGKILL');
  await eventually(
    async () =>
      product.pidOf('worker') !== before.worker && product.pidOf('gateway') !== before.gateway ? true : undefined,
    60_000,
  );
  await untilHealthy(product, 60_000);
}

/** Polls until `check` returns a value other than undefined. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}
