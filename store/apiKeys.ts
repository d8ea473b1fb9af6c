import crypto from 'node:crypto';
import { Collection } from 'mongodb';
import type { Store } from './mongo';

interface ApiKeyDocument {
  /** SHA-256 of the key: keys are long random strings, so a fast hash is enough and the key itself is never stored. */
  _id: string;
  id: string;
  workspace: string;
  name: string;
  prefix: string;
  createdAt: Date;
  revokedAt?: Date;
}

export interface ApiKeyInfo {
  id: string;
  workspace: string;
  name: string;
  prefix: string;
  createdAt: string;
  revokedAt?: string;
}

const hashOf = (key: string) => crypto.createHash('sha256').update(key).digest('hex');

function toInfo(doc: ApiKeyDocument): ApiKeyInfo {
  return {
    id: doc.id,
    workspace: doc.workspace,
    name: doc.name,
    prefix: doc.prefix,
    createdAt: doc.createdAt.toISOString(),
    revokedAt: doc.revokedAt?.toISOString(),
  };
}

/** API keys, each scoped to one workspace, stored hashed; the key is shown once, when created. */
export class ApiKeyStore {
  private readonly keys: Collection<ApiKeyDocument>;

  constructor(store: Store) {
    this.keys = store.db.collection<ApiKeyDocument>('api_keys');
  }

  async ensureIndexes(): Promise<void> {
    await this.keys.createIndex({ workspace: 1, id: 1 }, { unique: true });
  }

  async create(workspace: string, name: string): Promise<{ key: string; info: ApiKeyInfo }> {
    const key = `nk_${workspace}_${crypto.randomBytes(24).toString('base64url')}`;
    const doc: ApiKeyDocument = {
      _id: hashOf(key),
      id: `key_${crypto.randomBytes(8).toString('hex')}`,
      workspace,
      name,
      prefix: key.slice(0, workspace.length + 8),
      createdAt: new Date(),
    };
    await this.keys.insertOne(doc);
    return { key, info: toInfo(doc) };
  }

  /** The workspace a key belongs to, when it is a live (not revoked) key. */
  async resolve(key: string): Promise<ApiKeyInfo | undefined> {
    const doc = await this.keys.findOne({ _id: hashOf(key) });
    return doc && !doc.revokedAt ? toInfo(doc) : undefined;
  }

  async list(workspace: string): Promise<ApiKeyInfo[]> {
    return (await this.keys.find({ workspace }).sort({ createdAt: 1 }).toArray()).map(toInfo);
  }

  async revoke(workspace: string, id: string): Promise<boolean> {
    const result = await this.keys.updateOne(
      { workspace, id, revokedAt: { $exists: false } },
      { $set: { revokedAt: new Date() } },
    );
    return result.modifiedCount === 1;
  }
}
