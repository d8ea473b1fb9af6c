/** Where the bytes of webhook uploads live: a local directory, or an S3 (or S3-compatible) bucket. */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadBucketCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export type StorageKind = 'local' | 's3';

/** Keys are `<workspace>/<uploadId>`: every object lives under its workspace's prefix. */
export interface UploadStorage {
  readonly kind: StorageKind;
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** The bytes as a stream; undefined when nothing is stored under the key. */
  open(key: string): Promise<Readable | undefined>;
}

export class LocalUploadStorage implements UploadStorage {
  readonly kind = 'local';

  constructor(private readonly dir: string) {}

  /** Keys come from us (workspace and upload ids are validated identifiers), never from a request. */
  private fileOf(key: string): string {
    return path.join(this.dir, key);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const file = this.fileOf(key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, data, { mode: 0o600 });
  }

  async open(key: string): Promise<Readable | undefined> {
    try {
      const handle = await fs.promises.open(this.fileOf(key), 'r');
      return handle.createReadStream();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

export interface S3Settings {
  bucket: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Without them, the AWS SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class S3UploadStorage implements UploadStorage {
  readonly kind = 's3';
  private readonly client: S3Client;

  constructor(private readonly settings: S3Settings) {
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      credentials: settings.credentials,
      // Checksums only where S3 requires them: S3-compatible services do not all know the newer ones.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Throws when the bucket cannot be reached with these settings (for a warning at start). */
  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }));
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: key, Body: data, ContentType: contentType }));
  }

  async open(key: string): Promise<Readable | undefined> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      if (!(Body instanceof Readable)) throw new Error(`S3 answered object ${key} without a Node stream`);
      return Body;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  close(): void {
    this.client.destroy();
  }
}
