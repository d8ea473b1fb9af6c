import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Collection } from 'mongodb';
import type { Store } from './mongo';

/** A stored upload as a run sees it: a reference, never the bytes (the run's history stays small). */
export interface UploadRef {
  uploadId: string;
  field: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
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
  file: string;
  createdAt: Date;
}

/** Files uploaded to webhooks, kept in a local directory (under the data dir) with their metadata in the store. */
export class UploadStore {
  private readonly uploads: Collection<UploadDocument>;

  constructor(
    store: Store,
    private readonly dir: string,
  ) {
    this.uploads = store.db.collection<UploadDocument>('uploads');
  }

  async save(workspace: string, flowId: string, file: { field: string; filename: string; contentType: string; data: Buffer }): Promise<UploadRef> {
    const id = `upl_${crypto.randomBytes(12).toString('hex')}`;
    const folder = path.join(this.dir, workspace);
    await fs.promises.mkdir(folder, { recursive: true });
    const target = path.join(folder, id);
    await fs.promises.writeFile(target, file.data, { mode: 0o600 });
    const sha256 = crypto.createHash('sha256').update(file.data).digest('hex');
    const doc: UploadDocument = { _id: id, workspace, flowId, field: file.field, filename: file.filename, contentType: file.contentType, size: file.data.length, sha256, file: target, createdAt: new Date() };
    await this.uploads.insertOne(doc);
    return { uploadId: id, field: doc.field, filename: doc.filename, contentType: doc.contentType, size: doc.size, sha256, url: `/api/uploads/${id}` };
  }

  /** The upload's file and type, when it exists and belongs to the workspace. */
  async find(workspace: string, id: string): Promise<{ file: string; filename: string; contentType: string; size: number } | undefined> {
    const doc = await this.uploads.findOne({ _id: id, workspace });
    return doc ? { file: doc.file, filename: doc.filename, contentType: doc.contentType, size: doc.size } : undefined;
  }
}
