import fs from 'node:fs';
import path from 'node:path';
import { ManagedProcess, sleep } from '../common/processes';

/** The first pause before a restart; it doubles with each crash in a row, up to the maximum. */
export const MIN_RESTART_PAUSE_MS = 1_000;
const MAX_RESTART_PAUSE_MS = 30_000;
/** A process that ran this long was healthy: its next crash starts again from the shortest pause. */
export const HEALTHY_RUN_MS = 60_000;

/** The pause before restart number `restarts` (1 for the first) in a row of crashes. */
export function restartPause(restarts: number): number {
  return Math.min(MAX_RESTART_PAUSE_MS, MIN_RESTART_PAUSE_MS * 2 ** Math.max(0, Math.min(restarts, 16) - 1));
}

/** How many crashes in a row a crash after `ranMs` makes, after `previous` of them. */
export function crashesInARow(previous: number, ranMs: number): number {
  return ranMs >= HEALTHY_RUN_MS ? 1 : previous + 1;
}

export interface Supervised {
  name: string;
  /** The process running now (undefined while it is being restarted). */
  current(): ManagedProcess | undefined;
  /** Resolves once the first start answered; rejects when it failed. */
  started: Promise<void>;
}

/**
 * Runs a process and starts it again whenever it exits on its own, with a pause that grows while it keeps crashing
 * and falls back to the shortest once it has run healthy for a while. Its pid is kept in `<pidDir>/<name>.pid`, for
 * scripts that inject faults. `start` resolves once the new process answers.
 */
export function supervise(
  name: string,
  start: () => Promise<ManagedProcess>,
  options: { isStopping: () => boolean; pidDir: string; say: (message: string) => void },
): Supervised {
  let current: ManagedProcess | undefined;
  let crashes = 0;
  const launch = async (): Promise<void> => {
    const startedAt = Date.now();
    const process = await start();
    if (options.isStopping()) {
      await process.stop();
      return;
    }
    current = process;
    fs.writeFileSync(path.join(options.pidDir, `${name}.pid`), String(process.child.pid));
    void process.exited.then(async (code) => {
      if (options.isStopping()) return;
      current = undefined;
      crashes = crashesInARow(crashes, Date.now() - startedAt);
      await restartLater(`${name} exited (code ${code})`, process.logFile);
    });
  };
  const restartLater = async (why: string, logFile: string) => {
    const pause = restartPause(crashes);
    options.say(`${why}; restarting in ${pause} ms — see ${logFile}`);
    await sleep(pause);
    if (options.isStopping()) return;
    try {
      await launch();
    } catch (error) {
      crashes += 1;
      await restartLater(`${name} did not start again: ${(error as Error).message}`, logFile);
    }
  };
  return { name, current: () => current, started: launch() };
}
