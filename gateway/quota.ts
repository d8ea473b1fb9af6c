import type { UsageStore } from '../store/usage';
import type { WorkspaceStore } from '../store/workspaces';
import type { PlanLimits } from '../store/plans';
import { PLANS } from '../store/plans';
import { HttpError } from './errors';

/** The plan limits of a workspace, and the refusal of new runs once its month's executions are used. */
export class QuotaGuard {
  private readonly limits = new Map<string, { limits: PlanLimits; until: number }>();

  constructor(
    private readonly workspaces: WorkspaceStore,
    private readonly usage: UsageStore,
    /** How long a workspace's plan limits are reused on the start path (plan changes through this gateway forget them). */
    private readonly ttlMs = 2_000,
  ) {}

  async limitsOf(workspace: string): Promise<PlanLimits> {
    const cached = this.limits.get(workspace);
    if (cached && cached.until > Date.now()) return cached.limits;
    const limits = (await this.workspaces.get(workspace))?.limits ?? PLANS.starter;
    this.limits.set(workspace, { limits, until: Date.now() + this.ttlMs });
    return limits;
  }

  forget(workspace: string): void {
    this.limits.delete(workspace);
  }

  /** Refuses new runs once the month's executions are used; the count read is exact (the worker's increments). */
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
