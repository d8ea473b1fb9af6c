/**
 * Uploads in an S3 (or S3-compatible) bucket. A module of its own so that the AWS SDK is loaded only where S3 is
 * configured (loading it costs a gateway start about half a second).
 */
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { UploadStorage } from './uploadStorage';

export interface S3Settings {
  bucket: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Without them, the AWS SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface ListedObject {
  key: string;
  size: number;
  eTag: string;
  lastModified: Date;
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
    await this.client.send(
      new PutObjectCommand({ Bucket: this.settings.bucket, Key: key, Body: data, ContentType: contentType }),
    );
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

  get bucket(): string {
    return this.settings.bucket;
  }

  /** The bucket's objects under `prefix`, page by page (ListObjectsV2). */
  async *list(prefix: string): AsyncIterable<ListedObject> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined || item.LastModified === undefined) continue;
        yield {
          key: item.Key,
          size: item.Size ?? 0,
          eTag: item.ETag?.replace(/^"|"$/g, '') ?? '',
          lastModified: item.LastModified,
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  close(): void {
    this.client.destroy();
  }
}
