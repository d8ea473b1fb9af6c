import { z } from 'zod';

/** What a workspace may use: executions (code-node runs) a month and the ceiling of any node's time and memory. */
export const PlanLimits = z
  .object({
    executionsPerMonth: z.number().int().min(0).max(1_000_000_000),
    timeoutMs: z.number().int().min(100).max(60_000),
    memoryMb: z.number().int().min(8).max(128),
  })
  .strict();
export type PlanLimits = z.infer<typeof PlanLimits>;

export const PLAN_NAMES = ['starter', 'professional', 'enterprise'] as const;
export const PlanName = z.enum(PLAN_NAMES);
export type PlanName = z.infer<typeof PlanName>;

/** Enterprise has no fixed numbers: its limits are set per workspace; these apply until they are. */
export const PLANS: Record<PlanName, PlanLimits> = {
  starter: { executionsPerMonth: 1_000, timeoutMs: 30_000, memoryMb: 64 },
  professional: { executionsPerMonth: 100_000, timeoutMs: 60_000, memoryMb: 128 },
  enterprise: { executionsPerMonth: 1_000_000_000, timeoutMs: 60_000, memoryMb: 128 },
};

/** The limits in force: the plan's, or for enterprise the custom ones where given. */
export function limitsOf(plan: PlanName, custom?: Partial<PlanLimits>): PlanLimits {
  return plan === 'enterprise' ? { ...PLANS.enterprise, ...custom } : PLANS[plan];
}

/** The usage period executions count against: the calendar month in UTC. */
export function usagePeriod(now: Date = new Date()): string {
  return now.toISOString().slice(0, 7);
}
