/** Ceilings of the largest plan; a workspace's own plan may be lower. No imports: the workflow bundle uses it. */
export const NODE_LIMITS = {
  timeoutMs: { min: 100, max: 60_000, default: 30_000 },
  memoryMb: { min: 8, max: 128, default: 64 },
  maximumAttempts: { min: 1, max: 20, default: 1 },
  codeChars: 100_000,
  delayMs: { min: 1, max: 366 * 24 * 3_600_000 },
  waitTimeoutMs: { min: 1_000, max: 366 * 24 * 3_600_000 },
  loopIterations: { max: 10_000 },
} as const;
