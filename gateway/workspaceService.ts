import type { ApiKeyInfo, ApiKeyStore } from '../store/apiKeys';
import type { PlanLimits, PlanName } from '../store/plans';
import type { UsageStore } from '../store/usage';
import type { VariableInfo, VariableStore } from '../store/variables';
import { Workspace, WorkspaceExistsError, WorkspaceStore } from '../store/workspaces';
import { HttpError, notFound } from './errors';

export interface WorkspaceView extends Workspace {
  usage: { period: string; executions: number; remaining: number };
}

/** Workspaces with their plan and usage, their API keys and their variables. */
export class WorkspaceService {
  constructor(
    private readonly workspaces: WorkspaceStore,
    private readonly keys: ApiKeyStore,
    private readonly variables: VariableStore,
    private readonly usage: UsageStore,
    /** Told when a workspace's plan changes, so cached limits are dropped. */
    private readonly planChanged: (workspace: string) => void = () => undefined,
  ) {}

  async create(input: {
    id: string;
    name: string;
    plan: PlanName;
    limits?: Partial<PlanLimits>;
  }): Promise<WorkspaceView> {
    try {
      return this.withUsage(await this.workspaces.create({ ...input, customLimits: input.limits }));
    } catch (error) {
      if (error instanceof WorkspaceExistsError) throw new HttpError(409, 'workspace_exists', error.message);
      throw error;
    }
  }

  async list(): Promise<WorkspaceView[]> {
    return Promise.all((await this.workspaces.list()).map((workspace) => this.withUsage(workspace)));
  }

  async get(id: string): Promise<WorkspaceView> {
    return this.withUsage(await this.require(id));
  }

  async update(
    id: string,
    change: { name?: string; plan?: PlanName; limits?: Partial<PlanLimits> },
  ): Promise<WorkspaceView> {
    const updated = await this.workspaces.update(id, {
      name: change.name,
      plan: change.plan,
      customLimits: change.limits,
    });
    if (!updated) throw notFound(`workspace "${id}"`);
    this.planChanged(id);
    return this.withUsage(updated);
  }

  /** The workspace's default error handler flow (checked by the caller); null removes it. */
  async setErrorHandler(id: string, errorHandler: { flowId: string } | null): Promise<WorkspaceView> {
    const updated = await this.workspaces.update(id, { errorHandler });
    if (!updated) throw notFound(`workspace "${id}"`);
    return this.withUsage(updated);
  }

  async resetUsage(id: string): Promise<WorkspaceView> {
    await this.require(id);
    await this.usage.reset(id);
    this.planChanged(id);
    return this.get(id);
  }

  async createKey(workspace: string, name: string): Promise<{ key: string; info: ApiKeyInfo }> {
    await this.require(workspace);
    return this.keys.create(workspace, name);
  }

  async listKeys(workspace: string): Promise<ApiKeyInfo[]> {
    await this.require(workspace);
    return this.keys.list(workspace);
  }

  async revokeKey(workspace: string, keyId: string): Promise<void> {
    if (!(await this.keys.revoke(workspace, keyId))) throw notFound(`live key "${keyId}"`);
  }

  setVariable(workspace: string, name: string, value: string): Promise<{ created: boolean }> {
    return this.variables.set(workspace, name, value);
  }

  listVariables(workspace: string): Promise<VariableInfo[]> {
    return this.variables.list(workspace);
  }

  async deleteVariable(workspace: string, name: string): Promise<void> {
    if (!(await this.variables.delete(workspace, name))) throw notFound(`variable "${name}"`);
  }

  private async require(id: string): Promise<Workspace> {
    const workspace = await this.workspaces.get(id);
    if (!workspace) throw notFound(`workspace "${id}"`);
    return workspace;
  }

  private async withUsage(workspace: Workspace): Promise<WorkspaceView> {
    const executions = await this.usage.executions(workspace.id);
    const period = new Date().toISOString().slice(0, 7);
    return {
      ...workspace,
      usage: { period, executions, remaining: Math.max(0, workspace.limits.executionsPerMonth - executions) },
    };
  }
}
