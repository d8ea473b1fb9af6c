import type { FlowStore } from './flows';
import { PLANS } from './plans';
import type { UsageStore } from './usage';
import type { VariableStore } from './variables';
import { DEFAULT_WORKSPACE } from '../flow/ids';
import { WorkspaceStore } from './workspaces';

const LAST_COUNT_TTL_MS = 5_000;
/** Executions left below the limit under which every node waits for its count before it starts. */
const COUNT_ALONGSIDE_MARGIN = 200;

function quotaUsed(workspace: string, limit: number): string {
  return `workspace "${workspace}" has used its ${limit} executions this month`;
}

/** What the worker needs of a flow's workspace at each code node: its variables, and its quota. */
export class WorkspaceRuntime {
  private readonly owners = new Map<string, { workspace: string; until: number }>();
  private readonly limits = new Map<string, { executionsPerMonth: number; until: number }>();
  private readonly lastCounts = new Map<string, { executions: number; limit: number; until: number }>();

  constructor(
    private readonly flows: FlowStore,
    private readonly workspaces: WorkspaceStore,
    private readonly variables: VariableStore,
    private readonly usage: UsageStore,
  ) {}

  /** A flow's workspace changes only if the flow is deleted and its id reused, so a few seconds of caching is safe. */
  async workspaceOf(flowId: string): Promise<string> {
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

  /**
   * Counts one execution (or `count`, all or none) against the workspace's month; the refusal's message when the
   * quota would be passed.
   */
  async countExecution(flowId: string, count = 1): Promise<string | undefined> {
    const workspace = await this.workspaceOf(flowId);
    const limit = await this.executionLimit(workspace);
    const executions = await this.usage.tryCount(workspace, limit, new Date(), count);
    this.lastCounts.set(workspace, { executions: executions ?? limit, limit, until: Date.now() + LAST_COUNT_TTL_MS });
    return executions === undefined ? quotaUsed(workspace, limit) : undefined;
  }

  /** Gives back executions counted ahead that did not happen (UsageStore.giveBack). */
  async uncountExecutions(flowId: string, count: number): Promise<void> {
    await this.usage.giveBack(await this.workspaceOf(flowId), count);
  }

  /**
   * Whether a node may start while its execution is being counted: this worker saw the workspace's count, seconds
   * ago, far enough below its limit that no burst of other workers' nodes can use up the difference meanwhile.
   */
  canCountAlongside(flowId: string): boolean {
    const owner = this.owners.get(flowId);
    const seen = owner && owner.until > Date.now() ? this.lastCounts.get(owner.workspace) : undefined;
    if (!seen || seen.until <= Date.now()) return false;
    return seen.executions < seen.limit - Math.max(COUNT_ALONGSIDE_MARGIN, seen.limit * 0.05);
  }

  /** The workspace's default error handler flow, read when a run fails (rare enough to need no cache). */
  async defaultErrorHandler(workspace: string): Promise<string | undefined> {
    return (await this.workspaces.get(workspace))?.errorHandler?.flowId;
  }

  /** Why a new run of the workspace may not start (its month's executions are used), as a gateway refuses one. */
  async quotaRefusal(workspace: string): Promise<string | undefined> {
    const limit = await this.executionLimit(workspace);
    return (await this.usage.executions(workspace)) < limit ? undefined : quotaUsed(workspace, limit);
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
