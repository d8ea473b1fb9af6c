import { Collection } from 'mongodb';
import type { Store } from './mongo';
import type { SecretBox } from './secretBox';

interface VariableDocument {
  _id: string;
  workspace: string;
  name: string;
  sealed: string;
  updatedAt: Date;
}

export interface VariableInfo {
  name: string;
  updatedAt: string;
}

/** Workspace variables: the secrets functions read through `env`. Sealed at rest; the API only ever lists names. */
export class VariableStore {
  private readonly variables: Collection<VariableDocument>;

  constructor(
    store: Store,
    private readonly box: SecretBox,
  ) {
    this.variables = store.db.collection<VariableDocument>('workspace_variables');
  }

  async set(workspace: string, name: string, value: string): Promise<{ created: boolean }> {
    const id = `${workspace}/${name}`;
    const result = await this.variables.updateOne(
      { _id: id },
      { $set: { workspace, name, sealed: this.box.seal(value, id), updatedAt: new Date() } },
      { upsert: true },
    );
    return { created: result.upsertedCount === 1 };
  }

  async list(workspace: string): Promise<VariableInfo[]> {
    const docs = await this.variables
      .find({ workspace }, { projection: { name: 1, updatedAt: 1 } })
      .sort({ name: 1 })
      .toArray();
    return docs.map((doc) => ({ name: doc.name, updatedAt: doc.updatedAt.toISOString() }));
  }

  async delete(workspace: string, name: string): Promise<boolean> {
    return (await this.variables.deleteOne({ _id: `${workspace}/${name}` })).deletedCount === 1;
  }

  /** Every variable of a workspace, opened: for the worker to hand to function code, never for the API. */
  async values(workspace: string): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const doc of await this.variables.find({ workspace }).toArray())
      values[doc.name] = this.box.open(doc.sealed, doc._id);
    return values;
  }
}
