import { Collection, MongoServerError } from 'mongodb';
import { versionRef } from '../flow/ids';
import type { FlowDefinition } from '../flow/schema';
import { FlowDocument, FLOWS_COLLECTION } from './flowDocument';
import { FlowExistsError } from './flowErrors';
import type { Store } from './mongo';

/** One saved state of a flow's working copy. Immutable: a test run pins its revision as a run pins a version. */
interface DraftRevisionDocument {
  /** `versionRef` (`<flowId>@draft-<revision>`): revisions of a flow id are numbered by the flow's counter, never reused. */
  _id: string;
  flowId: string;
  workspace: string;
  revision: number;
  definition: FlowDefinition;
  createdAt: Date;
}

export interface FlowDraft {
  flowId: string;
  workspace: string;
  revision: number;
  definition: FlowDefinition;
  savedAt: string;
}

const DUPLICATE_KEY = 11000;

function toDraft(doc: DraftRevisionDocument): FlowDraft {
  return { flowId: doc.flowId, workspace: doc.workspace, revision: doc.revision, definition: doc.definition, savedAt: doc.createdAt.toISOString() };
}

/**
 * A flow's draft (working copy): saved without creating a version, run from the test URL. The flow document holds
 * the revision counter and the current revision; every save writes a new immutable revision. A draft may exist
 * before the flow's first version (the flow document then has no versions and holds the id for the workspace).
 */
export class DraftStore {
  private readonly flows: Collection<FlowDocument>;
  private readonly revisions: Collection<DraftRevisionDocument>;

  constructor(store: Store) {
    this.flows = store.db.collection<FlowDocument>(FLOWS_COLLECTION);
    this.revisions = store.db.collection<DraftRevisionDocument>('flow_draft_revisions');
  }

  /** Saves a new revision and makes it the draft. The id must be free, this workspace's, or a deleted never-saved one. */
  async save(definition: FlowDefinition, workspace: string): Promise<FlowDraft> {
    const now = new Date();
    let flow: FlowDocument | null;
    try {
      flow = await this.flows.findOneAndUpdate(
        // A deleted flow with versions stays deleted: a draft does not bring its production URL back.
        { _id: definition.id, workspace, $or: [{ deletedAt: { $exists: false } }, { versionCounter: 0 }] },
        { $inc: { draftCounter: 1 }, $unset: { deletedAt: '' }, $setOnInsert: { name: definition.name, versionCounter: 0, createdAt: now, updatedAt: now } },
        { upsert: true, returnDocument: 'after' },
      );
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
      const owner = (await this.flows.findOne({ _id: definition.id }, { projection: { workspace: 1 } }))?.workspace;
      throw new FlowExistsError(
        owner === workspace
          ? `flow "${definition.id}" was deleted; save a version (PUT /api/flows/${definition.id}) to restore it before drafting`
          : `flow id "${definition.id}" is taken`,
      );
    }
    if (!flow?.draftCounter) throw new Error(`could not allocate a draft revision for flow "${definition.id}"`);
    const doc: DraftRevisionDocument = {
      _id: versionRef(definition.id, { flowVersion: 0, draft: flow.draftCounter }),
      flowId: definition.id,
      workspace,
      revision: flow.draftCounter,
      definition,
      createdAt: now,
    };
    await this.revisions.insertOne(doc);
    // $max: of two saves racing, the later revision stays the draft whichever write lands last.
    await this.flows.updateOne({ _id: definition.id, workspace }, { $max: { draft: doc.revision } });
    return toDraft(doc);
  }

  /** The flow's draft now; without `workspace` (the test URL knows only the id) any workspace's. */
  async current(flowId: string, workspace?: string): Promise<FlowDraft | undefined> {
    const flow = await this.flows.findOne(
      { _id: flowId, deletedAt: { $exists: false }, ...(workspace === undefined ? {} : { workspace }) },
      { projection: { draft: 1 } },
    );
    return flow?.draft === undefined ? undefined : this.revision(flowId, flow.draft);
  }

  /** A pinned revision stays readable after the draft moves on or is discarded, so test runs on it can finish. */
  async revision(flowId: string, revision: number): Promise<FlowDraft | undefined> {
    const doc = await this.revisions.findOne({ _id: versionRef(flowId, { flowVersion: 0, draft: revision }) });
    return doc ? toDraft(doc) : undefined;
  }

  /** Discards the draft (its revisions stay for the runs that pinned them); false when there was none. */
  async discard(flowId: string, workspace: string): Promise<boolean> {
    const result = await this.flows.updateOne({ _id: flowId, workspace, deletedAt: { $exists: false }, draft: { $exists: true } }, { $unset: { draft: '' } });
    return result.modifiedCount === 1;
  }
}
