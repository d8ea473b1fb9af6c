import type { FlowStore } from './flows';
import { PLANS } from './plans';
import type { UsageStore } from './usage';
import type { VariableStore } from './variables';
import { DEFAULT_WORKSPACE, WorkspaceStore } from './workspaces';

/** What the worker needs of a flow's workspace at each code node: its variables, and its quota. */
export class WorkspaceRuntime {
  private readonly owners = new Map<string, { workspace: string; until: number }>();
  private readonly limits = new Map<string, { executionsPerMonth: number; until: number }>();

  constructor(
    private readonly flows: FlowStore,
    private readonly workspaces: WorkspaceStore,
    private readonly variables: VariableStore,
    private readonly usage: UsageStore,
  ) {}

  /** A flow's workspace changes only if the flow is deleted and its id reused, so a few seconds of caching is safe. */
  private async workspaceOf(flowId: string): Promise<string> {
    const cached = this.owners.get(flowId);
    if (cached && cached.until > Date.now()) return cached.workspace;
    const workspace = (await this.flows.workspaceOf(flowId)) ?? DEFAULT_WORKSPACE;
    this.owners.set(flowId, { workspace, until: Date.now() + 5_000 });
    if (this.owners.size > 5_000) this.owners.delete(this.owners.keys().next().value!);
    return workspace;
  }

  /** The workspace's variables, opened, for the function's `env`. */
  async envFor(flowId: string): Promise<Record<string, string>> {
    return this.variables.values(await this.workspaceOf(flowId));
  }

  /** Counts one execution against the workspace's month; the refusal's message when the quota is used up. */
  async countExecution(flowId: string): Promise<string | undefined> {
    const workspace = await this.workspaceOf(flowId);
    const limit = await this.executionLimit(workspace);
    if (await this.usage.tryCount(workspace, limit)) return undefined;
    return `workspace "${workspace}" has used its ${limit} executions this month`;
  }

  /** A plan change reaches running flows within seconds; the count itself is never cached. */
  private async executionLimit(workspace: string): Promise<number> {
    const cached = this.limits.get(workspace);
    if (cached && cached.until > Date.now()) return cached.executionsPerMonth;
    const { executionsPerMonth } = (await this.workspaces.get(workspace))?.limits ?? PLANS.starter;
    this.limits.set(workspace, { executionsPerMonth, until: Date.now() + 2_000 });
    return executionsPerMonth;
  }
}
