import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { filterHostEnv } from '../../activities/functionEnv';
import { resolveAdminKey } from '../../common/adminKey';
import { binaryCacheDir, findBinary } from '../../common/binaries';
import { ConfigError, parseConfig, RUN_BODY_MAX_BYTES } from '../../common/config';

describe('configuration from the environment', () => {
  test('defaults give the embedded single-machine setup', () => {
    const config = parseConfig({});
    expect(config.port).toBe(3000);
    expect(config.taskQueue).toBe('nectar');
    expect(config.temporal.address).toBeUndefined();
    expect(config.temporal.namespace).toBe('default');
    expect(config.temporal.tls.enabled).toBe(false);
    expect(config.dataDir).toBe(path.resolve('.data'));
  });

  test('an API key for a remote cluster turns TLS on', () => {
    const config = parseConfig({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'k',
    });
    expect(config.temporal).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', apiKey: 'k' });
    expect(config.temporal.tls.enabled).toBe(true);
  });

  test('bad values name the variable', () => {
    expect(() => parseConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => parseConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => parseConfig({ NECTAR_API_KEY: 'short' })).toThrow(/NECTAR_API_KEY must be at least 16 characters/);
  });

  test('the budget of body bytes in flight holds at least the largest body a route reads', () => {
    const largest = Math.max(RUN_BODY_MAX_BYTES, 10 * 1024 * 1024);
    expect(parseConfig({}).gateway.bodyLimits).toEqual({ budget: 64 * 1024 * 1024, largestBody: largest });
    expect(parseConfig({ NECTAR_BODY_BYTES_IN_FLIGHT: '12mb' }).gateway.bodyLimits.budget).toBe(12 * 1024 * 1024);
    // An upload limit past the default budget raises the default with it.
    expect(parseConfig({ NECTAR_UPLOAD_LIMIT: '100mb' }).gateway.bodyLimits.budget).toBe(100 * 1024 * 1024);
    expect(() => parseConfig({ NECTAR_BODY_BYTES_IN_FLIGHT: '3mb' })).toThrow(/NECTAR_BODY_BYTES_IN_FLIGHT/);
    expect(() => parseConfig({ NECTAR_BODY_BYTES_IN_FLIGHT: 'lots' })).toThrow(/NECTAR_BODY_BYTES_IN_FLIGHT/);
  });

  test('the function environment allow-list is configurable; the block-list always holds the platform secrets', () => {
    const config = parseConfig({ NECTAR_ENV_ALLOW: 'A, B,JWT_SECRET', NECTAR_ENV_BLOCK: 'B' });
    expect(config.functionEnv.allow).toEqual(['A', 'B', 'JWT_SECRET']);
    expect(config.functionEnv.block).toEqual(
      expect.arrayContaining(['JWT_SECRET', 'NECTAR_API_KEY', 'NECTAR_MONGODB_URI', 'B']),
    );
  });
});

describe('uploads in S3', () => {
  test('off by default; a bucket turns it on, with region, endpoint, path style and keys', () => {
    expect(parseConfig({}).uploads).toEqual({ local: { dir: path.resolve('.data', 'uploads') }, s3: undefined });
    const config = parseConfig({
      NECTAR_UPLOADS_S3_BUCKET: 'nectar-uploads',
      NECTAR_UPLOADS_S3_ENDPOINT: 'http://127.0.0.1:9000',
      NECTAR_UPLOADS_S3_FORCE_PATH_STYLE: 'true',
      NECTAR_UPLOADS_S3_ACCESS_KEY_ID: 'key-id',
      NECTAR_UPLOADS_S3_SECRET_ACCESS_KEY: 'key-secret',
    });
    expect(config.uploads.s3).toEqual({
      bucket: 'nectar-uploads',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'key-id', secretAccessKey: 'key-secret' },
    });
  });

  test('bad or incomplete settings name the variable', () => {
    expect(() => parseConfig({ NECTAR_UPLOADS_S3_BUCKET: 'Bad_Bucket' })).toThrow(
      /NECTAR_UPLOADS_S3_BUCKET: an S3 bucket name/,
    );
    expect(() =>
      parseConfig({ NECTAR_UPLOADS_S3_BUCKET: 'nectar-uploads', NECTAR_UPLOADS_S3_ENDPOINT: 'ftp://x' }),
    ).toThrow(/NECTAR_UPLOADS_S3_ENDPOINT/);
    expect(() => parseConfig({ NECTAR_UPLOADS_S3_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow(
      /NECTAR_UPLOADS_S3_BUCKET must be set/,
    );
    expect(() =>
      parseConfig({ NECTAR_UPLOADS_S3_BUCKET: 'nectar-uploads', NECTAR_UPLOADS_S3_ACCESS_KEY_ID: 'key-id' }),
    ).toThrow(/NECTAR_UPLOADS_S3_SECRET_ACCESS_KEY are set together/);
  });

  test("the bucket's keys never reach functions, even allow-listed; nor the AWS chain's when S3 uses it", () => {
    const host = {
      NECTAR_UPLOADS_S3_ACCESS_KEY_ID: 'key-id',
      NECTAR_UPLOADS_S3_SECRET_ACCESS_KEY: 'key-secret',
      AWS_ACCESS_KEY_ID: 'aws-id',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      EMAIL_USER: 'me',
    };
    const allow = Object.keys(host).join(',');
    const withKeys = parseConfig({ ...host, NECTAR_ENV_ALLOW: allow, NECTAR_UPLOADS_S3_BUCKET: 'nectar-uploads' });
    expect(filterHostEnv(host, withKeys.functionEnv)).toEqual({
      AWS_ACCESS_KEY_ID: 'aws-id',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      EMAIL_USER: 'me',
    });
    const withChain = parseConfig({ NECTAR_ENV_ALLOW: allow, NECTAR_UPLOADS_S3_BUCKET: 'nectar-uploads' });
    expect(filterHostEnv(host, withChain.functionEnv)).toEqual({ EMAIL_USER: 'me' });
  });
});

describe('host variables a function may see', () => {
  test('only allow-listed names, and never a blocked one', () => {
    const host = {
      MONGODB_URI: 'mongodb://user',
      JWT_SECRET: 's',
      PATH: '/bin',
      NECTAR_API_KEY: 'admin',
      EMAIL_USER: 'me',
    };
    const { functionEnv } = parseConfig({ NECTAR_ENV_ALLOW: 'MONGODB_URI,JWT_SECRET,NECTAR_API_KEY,EMAIL_USER' });
    expect(filterHostEnv(host, functionEnv)).toEqual({ MONGODB_URI: 'mongodb://user', EMAIL_USER: 'me' });
  });

  test('the defaults are the spec list', () => {
    const host = {
      MONGODB_URI: 'm',
      EMAIL_USER: 'u',
      EMAIL_PASSWORD: 'p',
      OPENAI_API_KEY: 'o',
      AWS_ACCESS_KEY_ID: 'a',
      PUBLIC_URL: 'x',
      NODE_ENV: 'production',
      ENCRYPTION_KEY: 'e',
      ADMIN_EMAIL: 'ad',
      MCP_DEVELOPER_KEY: 'mcp',
      HOME: '/root',
    };
    expect(Object.keys(filterHostEnv(host, parseConfig({}).functionEnv)).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'EMAIL_PASSWORD',
      'EMAIL_USER',
      'MONGODB_URI',
      'NODE_ENV',
      'OPENAI_API_KEY',
      'PUBLIC_URL',
    ]);
  });
});

describe('the admin key', () => {
  test('is generated once, kept private under the data dir, and reused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-key-'));
    const first = resolveAdminKey(undefined, dir);
    expect(first.generated).toBe(true);
    expect(first.key).toMatch(/^nk_[A-Za-z0-9_-]{32}$/);
    expect(fs.statSync(path.join(dir, 'admin-key')).mode & 0o077).toBe(0);
    expect(resolveAdminKey(undefined, dir)).toMatchObject({ key: first.key, generated: false });
    expect(resolveAdminKey('configured-key-123456', dir)).toEqual({ key: 'configured-key-123456', generated: false });
  });
});

describe('finding the server binaries', () => {
  const makeExecutable = (dir: string, name: string) => {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    fs.writeFileSync(file, '#!/bin/sh\necho ok\n', { mode: 0o755 });
    return file;
  };

  test('the environment variable first, then PATH, then the cache outside the repo', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-bin-'));
    const env = { XDG_CACHE_HOME: path.join(root, 'cache'), PATH: path.join(root, 'path') } as NodeJS.ProcessEnv;
    expect(findBinary('temporal', env)).toBeUndefined();
    const cached = makeExecutable(binaryCacheDir(env), 'temporal');
    expect(findBinary('temporal', env)).toEqual({ path: cached, source: 'cache' });
    const onPath = makeExecutable(path.join(root, 'path'), 'temporal');
    expect(findBinary('temporal', env)).toEqual({ path: onPath, source: 'PATH' });
    const named = makeExecutable(path.join(root, 'named'), 'my-temporal');
    expect(findBinary('temporal', { ...env, NECTAR_TEMPORAL_BIN: named })).toEqual({
      path: named,
      source: 'environment',
    });
    expect(() => findBinary('temporal', { ...env, NECTAR_TEMPORAL_BIN: path.join(root, 'missing') })).toThrow(
      /not an executable/,
    );
  });

  test('FerretDB: only our patched build from the cache (a stock one on PATH scans whole collections), or the variable', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-bin-'));
    const env = { XDG_CACHE_HOME: path.join(root, 'cache'), PATH: path.join(root, 'path') } as NodeJS.ProcessEnv;
    makeExecutable(path.join(root, 'path'), 'ferretdb');
    makeExecutable(binaryCacheDir(env), 'ferretdb');
    expect(findBinary('ferretdb', env)).toBeUndefined();
    const patched = makeExecutable(binaryCacheDir(env), 'ferretdb-v1.24.2-nectar.1');
    expect(findBinary('ferretdb', env)).toEqual({ path: patched, source: 'cache' });
    const named = makeExecutable(path.join(root, 'named'), 'my-ferretdb');
    expect(findBinary('ferretdb', { ...env, NECTAR_FERRETDB_BIN: named })).toEqual({
      path: named,
      source: 'environment',
    });
  });
});
