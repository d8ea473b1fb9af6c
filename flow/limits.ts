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

/**
 * The largest payload (characters of JSON) a run carries inline in Temporal's payloads: a run's trigger payload or a
 * node's output past it is kept in the store and the run carries a reference (`$nectarRef`). A schedule's input has
 * no way around it (the schedule starts each run itself, with nothing of ours in between), so it is its limit.
 */
export const INLINE_PAYLOAD_MAX_BYTES = 64 * 1024;
