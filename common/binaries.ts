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
  ferretdb: {
    envVar: 'NECTAR_FERRETDB_BIN',
    command: 'ferretdb',
    goPackage: 'github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2',
    versionArgs: ['--version'],
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

/** Looks in the order the install step builds: the environment variable, then PATH, then our cache. */
export function findBinary(name: BinaryName, env: NodeJS.ProcessEnv = process.env): FoundBinary | undefined {
  const spec = BINARIES[name];
  const fromEnv = env[spec.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${spec.envVar}=${fromEnv} is not an executable file`);
    return { path: fromEnv, source: 'environment' };
  }
  const fromPath = onPath(spec.command, env);
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const cached = path.join(binaryCacheDir(env), spec.command);
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
