import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { Collection } from 'mongodb';
import type { Store } from './mongo';
import type { StorageKind, UploadStorage } from './uploadStorage';

/** A stored upload as a run sees it: a reference, never the bytes (the run's history stays small). */
export interface UploadRef {
  uploadId: string;
  field: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  /** Where the bytes are kept. */
  storage: StorageKind;
  /** Where a holder of the workspace's key downloads it. */
  url: string;
}

interface UploadDocument {
  _id: string;
  workspace: string;
  flowId: string;
  field: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  /** Absent on uploads stored before S3 existed: those are local. */
  storage?: StorageKind;
  /** `<workspace>/<uploadId>`; absent on the same older uploads, which used that key too. */
  key?: string;
  createdAt: Date;
}

export interface StoredUpload {
  filename: string;
  contentType: string;
  size: number;
  /** The bytes; undefined when the metadata outlived them. */
  open: () => Promise<Readable | undefined>;
}

/**
 * Files uploaded to webhooks: the bytes in the configured storage (new uploads) with their metadata in the store.
 * Every storage the gateway knows stays readable, so uploads kept locally before S3 was configured still download.
 */
export class UploadStore {
  private readonly uploads: Collection<UploadDocument>;
  private readonly storages: Map<StorageKind, UploadStorage>;

  constructor(
    store: Store,
    private readonly storage: UploadStorage,
    others: UploadStorage[] = [],
  ) {
    this.uploads = store.db.collection<UploadDocument>('uploads');
    this.storages = new Map([...others, storage].map((each) => [each.kind, each]));
  }

  async save(
    workspace: string,
    flowId: string,
    file: { field: string; filename: string; contentType: string; data: Buffer },
  ): Promise<UploadRef> {
    const id = `upl_${crypto.randomBytes(12).toString('hex')}`;
    const key = `${workspace}/${id}`;
    await this.storage.put(key, file.data, file.contentType);
    const sha256 = crypto.createHash('sha256').update(file.data).digest('hex');
    const storage = this.storage.kind;
    const doc: UploadDocument = {
      _id: id,
      workspace,
      flowId,
      field: file.field,
      filename: file.filename,
      contentType: file.contentType,
      size: file.data.length,
      sha256,
      storage,
      key,
      createdAt: new Date(),
    };
    await this.uploads.insertOne(doc);
    return {
      uploadId: id,
      field: doc.field,
      filename: doc.filename,
      contentType: doc.contentType,
      size: doc.size,
      sha256,
      storage,
      url: `/api/uploads/${id}`,
    };
  }

  /**
   * An object of the S3 uploads bucket under the workspace's prefix (`<workspace>/…`), such as one an S3 trigger
   * reported; undefined when uploads are not in S3, the key is outside the prefix, or there is no such object.
   */
  async openObject(workspace: string, key: string): Promise<Readable | undefined> {
    const s3 = this.storages.get('s3');
    if (this.storage !== s3 || !s3 || !key.startsWith(`${workspace}/`)) return undefined;
    return s3.open(key);
  }

  /** The upload, when it exists and belongs to the workspace. */
  async find(workspace: string, id: string): Promise<StoredUpload | undefined> {
    const doc = await this.uploads.findOne({ _id: id, workspace });
    if (!doc) return undefined;
    const kind = doc.storage ?? 'local';
    const storage = this.storages.get(kind);
    if (!storage) throw new Error(`upload ${id} is stored in ${kind}, which this gateway is not configured for`);
    const key = doc.key ?? `${workspace}/${id}`;
    return { filename: doc.filename, contentType: doc.contentType, size: doc.size, open: () => storage.open(key) };
  }
}
