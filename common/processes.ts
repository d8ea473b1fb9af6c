import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';

/** A child process we started and must stop: its output goes to a log file, its stop is bounded in time. */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(options: {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Raises the process's niceness (lower CPU priority); its children inherit it. */
  niceness?: number;
  /** Runs it as another user (a server that refuses to run as root). */
  user?: { uid: number; gid: number };
}): ManagedProcess {
  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', log, log],
    ...options.user,
  });
  fs.closeSync(log);
  if (options.niceness && child.pid !== undefined) {
    try {
      os.setPriority(child.pid, options.niceness);
    } catch {
      // Not allowed here (some containers): it runs at the default priority.
    }
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.once('error', () => resolve(127));
  });
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { name: options.name, child, logFile: options.logFile, exited, stop };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it resolves true, failing early if the process exits. */
export async function waitUntil(
  description: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; process?: ManagedProcess },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exitCode: number | null | undefined;
  void options.process?.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(
        `${options.process?.name} exited (code ${exitCode}) before ${description}; see ${options.process?.logFile}`,
      );
    }
    try {
      if (await check()) return;
    } catch {
      // not ready yet
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${description}`);
}

/** The preferred port when nothing listens there, otherwise one the OS picks. */
export async function choosePort(preferred: number, host = '127.0.0.1'): Promise<number> {
  if (preferred > 0 && (await isPortFree(preferred, host))) return preferred;
  return freePort(host);
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Where the kernel picks the local ports of outgoing connections (Linux); undefined where it cannot be read. */
function outgoingPortRange(): [number, number] | undefined {
  try {
    const [low, high] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return Number.isInteger(low) && Number.isInteger(high) ? [low, high] : undefined;
  } catch {
    return undefined;
  }
}

const LOWEST_PICKED_PORT = 10_000;

/**
 * A port free now, for a process to listen on soon. Picked below the range the kernel takes outgoing connections'
 * ports from: a port from that range (as `listen(0)` gives) can be taken by any client's connection before the process
 * listens — a test's gateway once found its port held that way (EADDRINUSE) and never answered.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const range = outgoingPortRange();
  if (range && range[0] > LOWEST_PICKED_PORT + 1_000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = LOWEST_PICKED_PORT + Math.floor(Math.random() * (range[0] - LOWEST_PICKED_PORT));
      if (await isPortFree(port, host)) return port;
    }
  }
  return anyFreePort(host);
}

function anyFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
