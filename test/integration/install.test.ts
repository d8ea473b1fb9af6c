/** The install step's own behaviour: what it says when Go is missing, and that it takes the binaries it is given. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireBinary } from '../../common/binaries';

const INSTALL = path.resolve(__dirname, '..', '..', 'dist', 'scripts', 'install.js');

function runInstall(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [INSTALL], { env, encoding: 'utf8', timeout: 60_000 });
}

test('without Go and without binaries it stops and says what to install', () => {
  const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-nogo-'));
  const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-path-'));
  fs.symlinkSync(process.execPath, path.join(binDir, 'node'));
  const result = runInstall({ PATH: binDir, HOME: emptyCache, XDG_CACHE_HOME: emptyCache });
  expect(result.status).toBe(1);
  expect(result.stdout).toContain('temporal: not found; building github.com/temporalio/cli/cmd/temporal@v1.5.1');
  expect(result.stderr).toContain('Go is needed to build the Temporal CLI and FerretDB, and was not found on PATH');
  expect(result.stderr).toContain('apt-get install golang');
  expect(result.stderr).toContain('NECTAR_TEMPORAL_BIN');
});

test('binaries named by the environment are used as they are, with their versions printed', () => {
  const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-given-'));
  const result = runInstall({
    PATH: path.dirname(process.execPath),
    XDG_CACHE_HOME: emptyCache,
    NECTAR_TEMPORAL_BIN: requireBinary('temporal'),
    NECTAR_FERRETDB_BIN: requireBinary('ferretdb'),
    NECTAR_VERSITYGW_BIN: requireBinary('versitygw'),
  });
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(
    /temporal: using .*temporal \(from environment; temporal version .*Server 1\.29\.1, UI 2\.42/,
  );
  expect(result.stdout).toMatch(
    /ferretdb: using .*ferretdb-v1\.24\.2-nectar\.1 \(from environment; version: v1\.24\.2-nectar\.1\)/,
  );
  expect(result.stdout).not.toMatch(/is not our patched build/);
  expect(result.stdout).toMatch(/versitygw: using .*versitygw \(from environment; Version {2}: v1\.8\.0\)/);
});

test('a named binary that does not run is an error, not a silent rebuild', () => {
  const fake = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-fake-')), 'temporal');
  fs.writeFileSync(fake, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
  const result = runInstall({ PATH: path.dirname(process.execPath), NECTAR_TEMPORAL_BIN: fake });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(`${fake} (from environment) does not run`);
});
