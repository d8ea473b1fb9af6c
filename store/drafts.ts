import { Collection } from 'mongodb';
import { versionRef } from '../flow/ids';
import type { FlowDefinition } from '../flow/schema';
import { FlowDocument, FLOWS_COLLECTION } from './flowDocument';
import { FlowExistsError } from './flowErrors';
import { KeyedLock } from './keyedLock';
import type { Store } from './mongo';
import { insertNumbered, isDuplicateKey } from './numbered';

/** One saved state of a flow's working copy. Immutable: a test run pins its revision as a run pins a version. */
interface DraftRevisionDocument {
  /** `versionRef` (`<flowId>@draft-<revision>`): revisions of a flow id are numbered by the flow's counter, never reused. */
  _id: string;
  flowId: string;
  workspace: string;
  revision: number;
  definition: FlowDefinition;
  createdAt: Date;
  /** Set on a revision that never was the draft: a step test's one-node definition. */
  purpose?: 'step-test';
}

export interface FlowDraft {
  flowId: string;
  workspace: string;
  revision: number;
  definition: FlowDefinition;
  savedAt: string;
}

/**
 * A flow's draft saves, one at a time in this gateway. MongoDB makes the conditional update of a save based on a
 * revision atomic on its own; FerretDB (the embedded store) does not, and two saves from one revision would both land.
 */
const draftSaves = new KeyedLock();

/** A draft save based on a revision that is no longer the draft (another editor saved since). */
export class DraftConflictError extends Error {
  override name = 'DraftConflictError';

  constructor(readonly current: FlowDraft | undefined) {
    super(
      current
        ? `the draft was saved by someone else since (it is at revision ${current.revision}, saved ${current.savedAt}); reload it before saving`
        : 'the draft was discarded since this edit began; reload the flow before saving',
    );
  }
}

function toDraft(doc: DraftRevisionDocument): FlowDraft {
  return {
    flowId: doc.flowId,
    workspace: doc.workspace,
    revision: doc.revision,
    definition: doc.definition,
    savedAt: doc.createdAt.toISOString(),
  };
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

  /**
   * Saves a new revision and makes it the draft. The id must be free, this workspace's, or a deleted never-saved one.
   * With `baseRevision` (the revision the edit started from; 0: there was no draft) the save only lands when the draft
   * is still at that revision, else DraftConflictError: of two editors saving from the same revision, the later loses.
   */
  async save(definition: FlowDefinition, workspace: string, baseRevision?: number): Promise<FlowDraft> {
    return draftSaves.run(definition.id, () => this.saveNow(definition, workspace, baseRevision));
  }

  private async saveNow(definition: FlowDefinition, workspace: string, baseRevision?: number): Promise<FlowDraft> {
    if (baseRevision !== undefined) {
      // Checked first so a stale save allocates nothing; the conditional update below is what decides a race.
      const current = await this.current(definition.id, workspace);
      if ((current?.revision ?? 0) !== baseRevision) throw new DraftConflictError(current);
    }
    const doc = await this.writeRevision(definition, workspace);
    if (baseRevision === undefined) {
      // $max: of two saves racing, the later revision stays the draft whichever write lands last.
      await this.flows.updateOne({ _id: definition.id, workspace }, { $max: { draft: doc.revision } });
      return toDraft(doc);
    }
    const moved = await this.flows.updateOne(
      { _id: definition.id, workspace, draft: baseRevision === 0 ? { $exists: false } : baseRevision },
      { $set: { draft: doc.revision } },
    );
    if (moved.modifiedCount === 1) return toDraft(doc);
    // Nothing can have pinned the revision that lost: it never was the draft.
    await this.revisions.deleteOne({ _id: doc._id });
    throw new DraftConflictError(await this.current(definition.id, workspace));
  }

  /**
   * Saves a revision that does not become the draft: a step test's one-node definition, run pinned like a draft run
   * while the draft itself stays as the editor left it.
   */
  async saveDetached(definition: FlowDefinition, workspace: string): Promise<FlowDraft> {
    return toDraft(await this.writeRevision(definition, workspace, 'step-test'));
  }

  /** Allocates the next revision number of the flow (creating its document when needed) and writes the revision. */
  private async writeRevision(
    definition: FlowDefinition,
    workspace: string,
    purpose?: 'step-test',
  ): Promise<DraftRevisionDocument> {
    const now = new Date();
    return insertNumbered(
      () => this.allocateRevision(definition, workspace, now),
      async (revision) => {
        const doc: DraftRevisionDocument = {
          _id: versionRef(definition.id, { flowVersion: 0, draft: revision }),
          flowId: definition.id,
          workspace,
          revision,
          definition,
          createdAt: now,
          ...(purpose ? { purpose } : {}),
        };
        await this.revisions.insertOne(doc);
        return doc;
      },
    );
  }

  private async allocateRevision(definition: FlowDefinition, workspace: string, now: Date): Promise<number> {
    let flow: FlowDocument | null;
    try {
      flow = await this.flows.findOneAndUpdate(
        // A deleted flow with versions stays deleted: a draft does not bring its production URL back.
        { _id: definition.id, workspace, $or: [{ deletedAt: { $exists: false } }, { versionCounter: 0 }] },
        {
          $inc: { draftCounter: 1 },
          $unset: { deletedAt: '' },
          $setOnInsert: { name: definition.name, versionCounter: 0, createdAt: now, updatedAt: now },
        },
        { upsert: true, returnDocument: 'after' },
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const owner = (await this.flows.findOne({ _id: definition.id }, { projection: { workspace: 1 } }))?.workspace;
      throw new FlowExistsError(
        owner === workspace
          ? `flow "${definition.id}" was deleted; save a version (PUT /api/flows/${definition.id}) to restore it before drafting`
          : `flow id "${definition.id}" is taken`,
      );
    }
    if (!flow?.draftCounter) throw new Error(`could not allocate a draft revision for flow "${definition.id}"`);
    return flow.draftCounter;
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

  /** The names and triggers of some flows' draft revisions, by flow id (for listing flows that exist only as a draft). */
  async definitionsOf(
    refs: { flowId: string; revision: number }[],
  ): Promise<Map<string, Pick<FlowDefinition, 'name' | 'triggers'>>> {
    if (refs.length === 0) return new Map();
    const docs = await this.revisions
      .find(
        { _id: { $in: refs.map((ref) => versionRef(ref.flowId, { flowVersion: 0, draft: ref.revision })) } },
        { projection: { flowId: 1, 'definition.name': 1, 'definition.triggers': 1 } },
      )
      .toArray();
    return new Map(docs.map((doc) => [doc.flowId, { name: doc.definition.name, triggers: doc.definition.triggers }]));
  }

  /** Discards the draft (its revisions stay for the runs that pinned them); false when there was none. */
  async discard(flowId: string, workspace: string): Promise<boolean> {
    const result = await this.flows.updateOne(
      { _id: flowId, workspace, deletedAt: { $exists: false }, draft: { $exists: true } },
      { $unset: { draft: '' } },
    );
    return result.modifiedCount === 1;
  }
}
