/**
 * Runs after `npm install`: finds or builds the Temporal CLI and FerretDB that the embedded default needs, and
 * versitygw, the S3-compatible server the tests of S3 uploads run.
 * Order: the binary named by NECTAR_TEMPORAL_BIN / NECTAR_FERRETDB_BIN, one on PATH, then a Go build into a
 * cache outside the repo, so that a second clone on the same machine finds it in milliseconds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BINARIES,
  BinaryName,
  binaryCacheDir,
  binaryVersion,
  cachedBinaryName,
  findBinary,
  requiredVersion,
} from '../common/binaries';

const log = (message: string) => console.log(`[nectar install] ${message}`);

function requireGo(): string {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(
      'Go is needed to build the Temporal CLI and FerretDB, and was not found on PATH.\n' +
        '  Install Go 1.22 or newer (Debian: `apt-get install golang`), or point NECTAR_TEMPORAL_BIN and\n' +
        '  NECTAR_FERRETDB_BIN at existing executables, then run `npm install` again.',
    );
  }
  return result.stdout.trim();
}

function goEnv(cacheDir: string): NodeJS.ProcessEnv {
  return { ...process.env, GOBIN: cacheDir, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
}

function buildTemporal(cacheDir: string): void {
  execFileSync('go', ['install', BINARIES.temporal.goPackage], { stdio: 'inherit', env: goEnv(cacheDir) });
}

/**
 * `go install` of FerretDB 1.24.2 yields a binary that panics at start: its version check wants
 * build/version/version.txt, which the module does not ship. So we build from a copy of the module source with that
 * file written, and with scripts/ferretdb-sqlite-pushdown.patch applied: upstream's SQLite backend answers every
 * lookup but `{_id}` by decoding the whole collection, and even that one misses the _id index (its expression differs
 * from the index's), so each write of a run's records cost time in proportion to all the records kept.
 */
function buildFerretDb(cacheDir: string): void {
  const modulePath = BINARIES.ferretdb.goPackage.replace('/cmd/ferretdb', '');
  const download = execFileSync('go', ['mod', 'download', '-json', modulePath], {
    encoding: 'utf8',
    env: goEnv(cacheDir),
  });
  const moduleDir = (JSON.parse(download) as { Dir: string }).Dir;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-ferretdb-'));
  try {
    fs.cpSync(moduleDir, work, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', work]);
    execFileSync(
      'git',
      ['apply', '--whitespace=nowarn', path.join(__dirname, '..', '..', 'scripts', 'ferretdb-sqlite-pushdown.patch')],
      {
        cwd: work,
        stdio: 'inherit',
      },
    );
    fs.writeFileSync(path.join(work, 'build', 'version', 'version.txt'), `${BINARIES.ferretdb.patchedVersion}\n`);
    execFileSync('go', ['build', '-o', path.join(cacheDir, cachedBinaryName('ferretdb')), './cmd/ferretdb'], {
      cwd: work,
      stdio: 'inherit',
      env: goEnv(cacheDir),
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** With its version stamped in, as its own Makefile does (it prints `git` otherwise). */
function buildVersityGw(cacheDir: string): void {
  const version = BINARIES.versitygw.goPackage.split('@')[1];
  execFileSync('go', ['install', '-ldflags', `-X main.Version=${version}`, BINARIES.versitygw.goPackage], {
    stdio: 'inherit',
    env: goEnv(cacheDir),
  });
}

const BUILDERS: Record<BinaryName, (cacheDir: string) => void> = {
  temporal: buildTemporal,
  ferretdb: buildFerretDb,
  versitygw: buildVersityGw,
};

function ensure(name: BinaryName): void {
  const found = findBinary(name);
  if (found) {
    try {
      const version = binaryVersion(found.path, name);
      log(`${name}: using ${found.path} (from ${found.source}; ${version})`);
      const required = requiredVersion(name);
      if (required && !version.includes(required))
        log(
          `${name}: ${found.path} is not our patched build (${required}); lookups in it scan whole collections, so runs slow down as records accumulate`,
        );
      return;
    } catch (error) {
      if (found.source !== 'cache')
        throw new Error(`${found.path} (from ${found.source}) does not run: ${(error as Error).message}`, {
          cause: error,
        });
      log(`${name}: the cached ${found.path} does not run; building it again`);
      fs.rmSync(found.path, { force: true });
    }
  }
  const cacheDir = binaryCacheDir();
  fs.mkdirSync(cacheDir, { recursive: true });
  log(`${name}: not found; building ${BINARIES[name].goPackage} into ${cacheDir} (a few minutes the first time)`);
  log(`${name}: with ${requireGo()}`);
  const started = Date.now();
  BUILDERS[name](cacheDir);
  const built = findBinary(name);
  if (!built) throw new Error(`${name} was built but is not executable in ${cacheDir}`);
  log(
    `${name}: built ${built.path} in ${((Date.now() - started) / 1000).toFixed(1)} s (${binaryVersion(built.path, name)})`,
  );
}

function main(): void {
  if (process.env.NECTAR_SKIP_BINARIES === '1') {
    log('NECTAR_SKIP_BINARIES=1: not looking for the Temporal CLI, FerretDB and versitygw');
    return;
  }
  for (const name of Object.keys(BINARIES) as BinaryName[]) ensure(name);
}

try {
  main();
} catch (error) {
  console.error(`[nectar install] ${(error as Error).message}`);
  process.exit(1);
}
