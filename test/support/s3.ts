/**
 * A real S3-compatible server for tests: versitygw (built by `npm install` like the Temporal CLI and FerretDB) on its
 * POSIX backend in a temporary directory, on a free port of 127.0.0.1, with fresh keys and one bucket.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { requireBinary } from '../../common/binaries';
import { freePort, startProcess, waitUntil } from '../../common/processes';

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The settings that point the product's uploads at this server. */
  productEnv: Record<string, string>;
  client: S3Client;
  /** An object's bytes, or undefined when there is none under the key. */
  read: (key: string) => Promise<Buffer | undefined>;
  stop: () => Promise<void>;
}

export interface LocalS3Options {
  /** Where versitygw posts bucket notifications (AWS records), once each, without retry. It must answer when versitygw starts. */
  eventWebhookUrl?: string;
  /** A port and keys chosen beforehand (so the product can be configured before this server starts). */
  port?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function newS3Credentials(): { accessKeyId: string; secretAccessKey: string } {
  return {
    accessKeyId: `test${crypto.randomBytes(8).toString('hex')}`,
    secretAccessKey: crypto.randomBytes(24).toString('base64url'),
  };
}

/** The settings that point the product's uploads at a server on `port` with these keys. */
export function s3ProductEnv(
  port: number,
  bucket: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Record<string, string> {
  return {
    NECTAR_UPLOADS_S3_BUCKET: bucket,
    NECTAR_UPLOADS_S3_ENDPOINT: `http://127.0.0.1:${port}`,
    NECTAR_UPLOADS_S3_FORCE_PATH_STYLE: 'true',
    NECTAR_UPLOADS_S3_ACCESS_KEY_ID: credentials.accessKeyId,
    NECTAR_UPLOADS_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
}

export async function startLocalS3(bucket = 'nectar-uploads', options: LocalS3Options = {}): Promise<LocalS3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-s3-'));
  fs.mkdirSync(path.join(dir, 'data'));
  fs.mkdirSync(path.join(dir, 'meta'));
  const port = options.port ?? (await freePort());
  const { accessKeyId, secretAccessKey } = options.credentials ?? newS3Credentials();
  const server = startProcess({
    name: 'versitygw',
    command: requireBinary('versitygw'),
    // Keys through the environment, not the command line (where `ps` shows them); metadata in a sidecar dir, as tmpfs may lack xattrs.
    args: [
      '--port',
      `127.0.0.1:${port}`,
      '--quiet',
      ...(options.eventWebhookUrl ? ['--event-webhook-url', options.eventWebhookUrl] : []),
      'posix',
      '--sidecar',
      path.join(dir, 'meta'),
      path.join(dir, 'data'),
    ],
    env: { ...process.env, ROOT_ACCESS_KEY_ID: accessKeyId, ROOT_SECRET_ACCESS_KEY: secretAccessKey },
    logFile: path.join(dir, 'versitygw.log'),
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  const stop = async () => {
    client.destroy();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(`versitygw at ${endpoint}`, async () => Boolean(await client.send(new ListBucketsCommand({}))), {
      timeoutMs: 30_000,
      process: server,
    });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    bucket,
    accessKeyId,
    secretAccessKey,
    productEnv: s3ProductEnv(port, bucket, { accessKeyId, secretAccessKey }),
    client,
    read: async (key) => {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await object.Body!.transformToByteArray());
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    stop,
  };
}
