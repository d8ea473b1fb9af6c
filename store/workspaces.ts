import { Collection, MongoServerError } from 'mongodb';
import { DEFAULT_WORKSPACE } from '../flow/ids';
import type { Store } from './mongo';
import { limitsOf, PlanLimits, PlanName } from './plans';

interface WorkspaceDocument {
  _id: string;
  name: string;
  plan: PlanName;
  customLimits?: Partial<PlanLimits>;
  /** The flow started when a run fails whose flow names no handler of its own (flow/errorHandler.ts). */
  errorHandler?: { flowId: string };
  createdAt: Date;
}

export interface Workspace {
  id: string;
  name: string;
  plan: PlanName;
  limits: PlanLimits;
  /** The workspace's default error handler flow. */
  errorHandler?: { flowId: string };
  createdAt: string;
}

export class WorkspaceExistsError extends Error {
  override name = 'WorkspaceExistsError';
}

function toWorkspace(doc: WorkspaceDocument): Workspace {
  return {
    id: doc._id,
    name: doc.name,
    plan: doc.plan,
    limits: limitsOf(doc.plan, doc.customLimits),
    ...(doc.errorHandler ? { errorHandler: { flowId: doc.errorHandler.flowId } } : {}),
    createdAt: doc.createdAt.toISOString(),
  };
}

/** Workspaces and their plans. The `default` workspace always exists: the admin key works in it. */
export class WorkspaceStore {
  private readonly workspaces: Collection<WorkspaceDocument>;

  constructor(store: Store) {
    this.workspaces = store.db.collection<WorkspaceDocument>('workspaces');
  }

  async ensureDefault(plan: PlanName): Promise<void> {
    await this.workspaces.updateOne(
      { _id: DEFAULT_WORKSPACE },
      { $setOnInsert: { name: 'Default', plan, createdAt: new Date() } },
      { upsert: true },
    );
  }

  async create(input: {
    id: string;
    name: string;
    plan: PlanName;
    customLimits?: Partial<PlanLimits>;
  }): Promise<Workspace> {
    const doc: WorkspaceDocument = {
      _id: input.id,
      name: input.name,
      plan: input.plan,
      customLimits: input.customLimits,
      createdAt: new Date(),
    };
    try {
      await this.workspaces.insertOne(doc);
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000)
        throw new WorkspaceExistsError(`workspace "${input.id}" already exists`);
      throw error;
    }
    return toWorkspace(doc);
  }

  async get(id: string): Promise<Workspace | undefined> {
    const doc = await this.workspaces.findOne({ _id: id });
    return doc ? toWorkspace(doc) : undefined;
  }

  async list(): Promise<Workspace[]> {
    return (await this.workspaces.find({}).sort({ _id: 1 }).toArray()).map(toWorkspace);
  }

  async update(
    id: string,
    change: {
      name?: string;
      plan?: PlanName;
      customLimits?: Partial<PlanLimits>;
      /** null: no default handler any more. */
      errorHandler?: { flowId: string } | null;
    },
  ): Promise<Workspace | undefined> {
    const set: Partial<WorkspaceDocument> = {};
    if (change.name !== undefined) set.name = change.name;
    if (change.plan !== undefined) set.plan = change.plan;
    if (change.customLimits !== undefined) set.customLimits = change.customLimits;
    if (change.errorHandler) set.errorHandler = { flowId: change.errorHandler.flowId };
    const update = {
      ...(Object.keys(set).length > 0 ? { $set: set } : {}),
      ...(change.errorHandler === null ? { $unset: { errorHandler: '' as const } } : {}),
    };
    const doc =
      Object.keys(update).length > 0
        ? await this.workspaces.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' })
        : await this.workspaces.findOne({ _id: id });
    return doc ? toWorkspace(doc) : undefined;
  }
}
