import type { UsageStore } from '../store/usage';
import type { WorkspaceStore } from '../store/workspaces';
import type { PlanLimits } from '../store/plans';
import { PLANS } from '../store/plans';
import { HttpError } from './errors';

/** The plan limits of a workspace, and the refusal of new runs once its month's executions are used. */
export class QuotaGuard {
  constructor(
    private readonly workspaces: WorkspaceStore,
    private readonly usage: UsageStore,
  ) {}

  async limitsOf(workspace: string): Promise<PlanLimits> {
    return (await this.workspaces.get(workspace))?.limits ?? PLANS.starter;
  }

  async assertAvailable(workspace: string): Promise<void> {
    const [limits, used] = await Promise.all([this.limitsOf(workspace), this.usage.executions(workspace)]);
    if (used >= limits.executionsPerMonth) {
      throw new HttpError(
        429,
        'quota_exceeded',
        `workspace "${workspace}" has used its ${limits.executionsPerMonth} executions this month; upgrade its plan or wait for next month`,
      );
    }
  }
}
