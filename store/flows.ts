import { Collection } from 'mongodb';
import { DEFAULT_WORKSPACE, versionRef } from '../flow/ids';
import type { FlowDefinition, FlowVersion } from '../flow/schema';
import type { FlowTrigger } from '../flow/triggers';
import { DraftStore } from './drafts';
import { FlowDocument, FLOWS_COLLECTION } from './flowDocument';
import { FlowExistsError } from './flowErrors';
import type { Store } from './mongo';
import { insertNumbered, isDuplicateKey } from './numbered';

export { FlowExistsError };

interface FlowVersionDocument {
  _id: string;
  flowId: string;
  version: number;
  definition: FlowDefinition;
  createdAt: Date;
}

export interface FlowSummary {
  id: string;
  name: string;
  /** The newest version; 0 for a flow that so far exists only as a draft (kept for older clients: see latestVersion). */
  version: number;
  latestVersion: number | null;
  hasDraft: boolean;
  draftRevision: number | null;
  triggers: FlowTrigger[];
  createdAt: string;
  updatedAt: string;
}

/** Flows saved before workspaces existed have no workspace field: they belong to the default one. */
const inWorkspace = (workspace?: string) => (workspace === undefined ? {} : { workspace });

function toVersion(doc: FlowVersionDocument): FlowVersion {
  return {
    flowId: doc.flowId,
    version: doc.version,
    definition: doc.definition,
    createdAt: doc.createdAt.toISOString(),
  };
}

/** Flows and their immutable versions. */
export class FlowStore {
  private readonly flows: Collection<FlowDocument>;
  private readonly versions: Collection<FlowVersionDocument>;
  /** The flows' drafts (working copies), kept on the same flow documents. */
  readonly drafts: DraftStore;

  constructor(store: Store) {
    this.flows = store.db.collection<FlowDocument>(FLOWS_COLLECTION);
    this.versions = store.db.collection<FlowVersionDocument>('flow_versions');
    this.drafts = new DraftStore(store);
  }

  async ensureIndexes(): Promise<void> {
    await this.versions.createIndex({ flowId: 1, version: -1 }, { unique: true });
    await this.flows.updateMany({ workspace: { $exists: false } }, { $set: { workspace: DEFAULT_WORKSPACE } });
  }

  /** The workspace owning a flow (deleted or not), for the worker and the webhook route, which know only the id. */
  async workspaceOf(flowId: string): Promise<string | undefined> {
    const flow = await this.flows.findOne({ _id: flowId }, { projection: { workspace: 1 } });
    return flow ? (flow.workspace ?? DEFAULT_WORKSPACE) : undefined;
  }

  /** Saves the first version of a new flow; a flow id in use (not deleted, or with only a draft) is a conflict. */
  async create(definition: FlowDefinition, workspace = DEFAULT_WORKSPACE): Promise<FlowVersion> {
    const now = new Date();
    try {
      await this.flows.insertOne({
        _id: definition.id,
        name: definition.name,
        versionCounter: 0,
        workspace,
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const revived = await this.flows.updateOne(
        // A deleted flow of this workspace comes back; so does one that has only a draft so far (not one another
        // create has just inserted: that has no draft counter).
        {
          _id: definition.id,
          workspace,
          $or: [{ deletedAt: { $exists: true } }, { versionCounter: 0, draftCounter: { $gt: 0 } }],
        },
        { $unset: { deletedAt: '' }, $set: { createdAt: now } },
      );
      if (revived.modifiedCount === 0) throw new FlowExistsError(`flow "${definition.id}" already exists`);
    }
    return this.saveVersion(definition, workspace);
  }

  /** Saves a new immutable version, creating the flow if it does not exist. */
  async saveVersion(definition: FlowDefinition, workspace = DEFAULT_WORKSPACE): Promise<FlowVersion> {
    const now = new Date();
    return insertNumbered(
      () => this.allocateVersion(definition, workspace, now),
      async (version) => {
        const doc: FlowVersionDocument = {
          _id: versionRef(definition.id, { flowVersion: version }),
          flowId: definition.id,
          version,
          definition,
          createdAt: now,
        };
        await this.versions.insertOne(doc);
        return toVersion(doc);
      },
    );
  }

  private async allocateVersion(definition: FlowDefinition, workspace: string, now: Date): Promise<number> {
    let flow: FlowDocument | null;
    try {
      flow = await this.flows.findOneAndUpdate(
        { _id: definition.id, workspace },
        {
          $inc: { versionCounter: 1 },
          $set: { name: definition.name, updatedAt: now },
          $unset: { deletedAt: '' },
          $setOnInsert: { createdAt: now },
        },
        { upsert: true, returnDocument: 'after' },
      );
    } catch (error) {
      // The id belongs to a flow of another workspace: the upsert collided with it.
      if (isDuplicateKey(error)) throw new FlowExistsError(`flow id "${definition.id}" is taken`);
      throw error;
    }
    if (!flow) throw new Error(`could not allocate a version for flow "${definition.id}"`);
    return flow.versionCounter;
  }

  async latest(flowId: string, workspace?: string): Promise<FlowVersion | undefined> {
    const flow = await this.flows.findOne({ _id: flowId, deletedAt: { $exists: false }, ...inWorkspace(workspace) });
    if (!flow) return undefined;
    const [doc] = await this.versions.find({ flowId }).sort({ version: -1 }).limit(1).toArray();
    return doc ? toVersion(doc) : undefined;
  }

  /** A pinned version stays readable after the flow is deleted, so runs that started on it can finish. */
  async version(flowId: string, version: number): Promise<FlowVersion | undefined> {
    const doc = await this.versions.findOne({ _id: versionRef(flowId, { flowVersion: version }) });
    return doc ? toVersion(doc) : undefined;
  }

  /**
   * The workspace's flows, those that exist only as a draft included, each with the triggers of its newest version (of
   * its draft when it has no version). Three queries, whatever the number of flows.
   */
  async list(workspace?: string): Promise<FlowSummary[]> {
    const flows = (
      await this.flows
        .find({ deletedAt: { $exists: false }, ...inWorkspace(workspace) })
        .sort({ _id: 1 })
        .toArray()
    ).filter((flow) => flow.versionCounter > 0 || flow.draft !== undefined);
    const saved = flows.filter((flow) => flow.versionCounter > 0);
    const versionDocs = await this.versions
      .find(
        { _id: { $in: saved.map((flow) => versionRef(flow._id, { flowVersion: flow.versionCounter })) } },
        { projection: { flowId: 1, 'definition.triggers': 1 } },
      )
      .toArray();
    const triggersOf = new Map(versionDocs.map((doc) => [doc.flowId, doc.definition?.triggers ?? []]));
    const drafts = await this.drafts.definitionsOf(
      flows.filter((flow) => flow.versionCounter === 0).map((flow) => ({ flowId: flow._id, revision: flow.draft! })),
    );
    return flows.map((flow) => {
      const draftOnly = flow.versionCounter === 0 ? drafts.get(flow._id) : undefined;
      return {
        id: flow._id,
        name: draftOnly?.name ?? flow.name,
        version: flow.versionCounter,
        latestVersion: flow.versionCounter > 0 ? flow.versionCounter : null,
        hasDraft: flow.draft !== undefined,
        draftRevision: flow.draft ?? null,
        triggers: (flow.versionCounter > 0 ? triggersOf.get(flow._id) : draftOnly?.triggers) ?? [],
        createdAt: flow.createdAt.toISOString(),
        updatedAt: flow.updatedAt.toISOString(),
      };
    });
  }

  async versionsOf(flowId: string, workspace?: string): Promise<{ version: number; createdAt: string }[] | undefined> {
    const flow = await this.flows.findOne({ _id: flowId, deletedAt: { $exists: false }, ...inWorkspace(workspace) });
    if (!flow) return undefined;
    const docs = await this.versions
      .find({ flowId }, { projection: { version: 1, createdAt: 1 } })
      .sort({ version: -1 })
      .toArray();
    return docs.map((doc) => ({ version: doc.version, createdAt: doc.createdAt.toISOString() }));
  }

  /** Deletes the flow and discards its draft. */
  async delete(flowId: string, workspace?: string): Promise<boolean> {
    const result = await this.flows.updateOne(
      { _id: flowId, deletedAt: { $exists: false }, ...inWorkspace(workspace) },
      { $set: { deletedAt: new Date() }, $unset: { draft: '' } },
    );
    return result.modifiedCount === 1;
  }
}
