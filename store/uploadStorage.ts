/** Where the bytes of webhook uploads live: a local directory, or an S3 (or S3-compatible) bucket (s3UploadStorage.ts). */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

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
