import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The two servers the embedded default runs, the S3-compatible server the tests run, and the Go module each is built from. */
export const BINARIES = {
  temporal: {
    envVar: 'NECTAR_TEMPORAL_BIN',
    command: 'temporal',
    goPackage: 'github.com/temporalio/cli/cmd/temporal@v1.5.1',
    versionArgs: ['--version'],
  },
  /**
   * Built with scripts/ferretdb-sqlite-pushdown.patch (lookups answered from SQLite's indexes), so its version says
   * `-nectar.N` and it is cached under its own name; a stock FerretDB on PATH is passed over, since every lookup in
   * it scans the whole collection.
   */
  ferretdb: {
    envVar: 'NECTAR_FERRETDB_BIN',
    command: 'ferretdb',
    goPackage: 'github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2',
    versionArgs: ['--version'],
    patchedVersion: 'v1.24.2-nectar.1',
  },
  /** Versity S3 Gateway on its POSIX backend: a real S3 API (SigV4, bucket rules) for the tests of S3 uploads. */
  versitygw: {
    envVar: 'NECTAR_VERSITYGW_BIN',
    command: 'versitygw',
    goPackage: 'github.com/versity/versitygw/cmd/versitygw@v1.8.0',
    versionArgs: ['--version'],
  },
} as const;

export type BinaryName = keyof typeof BINARIES;

export interface FoundBinary {
  path: string;
  source: 'environment' | 'PATH' | 'cache';
}

/** Outside the repo, so that every clone on the machine shares one build. */
export function binaryCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'nectar-studio', 'bin');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The version a binary must print to be used, for those we build patched; none for the others. */
export function requiredVersion(name: BinaryName): string | undefined {
  const spec = BINARIES[name];
  return 'patchedVersion' in spec ? spec.patchedVersion : undefined;
}

/** The file name in our cache: a patched build carries its version, so an older build is never taken for it. */
export function cachedBinaryName(name: BinaryName): string {
  const patched = requiredVersion(name);
  return patched ? `${BINARIES[name].command}-${patched}` : BINARIES[name].command;
}

/**
 * Looks in the order the install step builds: the environment variable, then PATH (not for a binary we patch), then
 * our cache.
 */
export function findBinary(name: BinaryName, env: NodeJS.ProcessEnv = process.env): FoundBinary | undefined {
  const spec = BINARIES[name];
  const fromEnv = env[spec.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${spec.envVar}=${fromEnv} is not an executable file`);
    return { path: fromEnv, source: 'environment' };
  }
  const fromPath = requiredVersion(name) ? undefined : onPath(spec.command, env);
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const cached = path.join(binaryCacheDir(env), cachedBinaryName(name));
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

export function requireBinary(name: BinaryName, env: NodeJS.ProcessEnv = process.env): string {
  const found = findBinary(name, env);
  if (!found) {
    throw new Error(
      `No ${BINARIES[name].command} executable found (looked at $${BINARIES[name].envVar}, PATH and ${binaryCacheDir(env)}). Run \`npm install\`, which builds it.`,
    );
  }
  return found.path;
}

export function binaryVersion(file: string, name: BinaryName): string {
  return execFileSync(file, [...BINARIES[name].versionArgs], {
    encoding: 'utf8',
    timeout: 20_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
    .trim()
    .split('\n')[0];
}
