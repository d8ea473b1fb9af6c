import type { UsageStore } from '../store/usage';
import type { WorkspaceStore } from '../store/workspaces';
import type { PlanLimits } from '../store/plans';
import { PLANS } from '../store/plans';
import { HttpError } from './errors';
import { freshOrLastKnown } from './unavailable';

/** The plan limits of a workspace, and the refusal of new runs once its month's executions are used. */
export class QuotaGuard {
  private readonly limits = new Map<string, { limits: PlanLimits; until: number }>();
  /** Workspaces far from their limit: their count is not read again until `until`. */
  private readonly farFromLimit = new Map<string, number>();
  /** Called when the workspaces known far from their limit change (a restart reads them back with `restore`). */
  onChange?: () => void;

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
    if (this.farFromLimit.delete(workspace)) this.onChange?.();
  }

  /** Workspaces known far from their limit before a restart: that verdict stands only while the store does not answer. */
  restore(workspaces: string[]): void {
    for (const workspace of workspaces) if (!this.farFromLimit.has(workspace)) this.farFromLimit.set(workspace, 0);
  }

  farWorkspaces(): string[] {
    return [...this.farFromLimit.keys()];
  }

  /**
   * Refuses new runs once the month's executions are used. Near the limit the count is read on every start; far from
   * it (more than 1% and 100 executions left) it is read at most every `ttlMs`, since no second's work could reach it.
   * The exact limit is the worker's atomic count either way.
   */
  async assertAvailable(workspace: string): Promise<void> {
    const farUntil = this.farFromLimit.get(workspace);
    if ((farUntil ?? 0) > Date.now()) return;
    // Last known far from its limit: while the store is down or slow that verdict stands (the worker's count is exact).
    const counted = Promise.all([this.limitsOf(workspace), this.usage.executions(workspace)]);
    const read = await freshOrLastKnown<[PlanLimits, number] | undefined>(
      counted,
      farUntil === undefined ? undefined : { value: undefined },
    );
    if (!read) return;
    const [limits, used] = read;
    const remaining = limits.executionsPerMonth - used;
    if (remaining > Math.max(100, limits.executionsPerMonth / 100)) {
      this.farFromLimit.set(workspace, Date.now() + this.ttlMs);
      if (farUntil === undefined) this.onChange?.();
    } else if (this.farFromLimit.delete(workspace)) this.onChange?.();
    if (used >= limits.executionsPerMonth) {
      throw new HttpError(
        429,
        'quota_exceeded',
        `workspace "${workspace}" has used its ${limits.executionsPerMonth} executions this month; upgrade its plan or wait for next month`,
      );
    }
  }
}
