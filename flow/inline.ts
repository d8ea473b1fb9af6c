/**
 * The run's budget for outputs kept inline in its history: how large the next output may be before it is stored by
 * reference. Shared by the interpreter (one node at a time) and the fused-chain activity (several in a row), so both
 * decide alike. Pure; part of the workflow bundle.
 */

/**
 * Outputs and logs kept inline in the run's history, all nodes together, stay under about this (plus one node's):
 * past it, every output and log is stored by reference, so neither an activity's input (which carries `steps`) nor
 * the run's result or failure (which carry every node's record) nears Temporal's 2 MB.
 */
const INLINE_OUTPUTS_BUDGET_BYTES = 512 * 1024;
const MIN_INLINE_LIMIT_BYTES = 1024;

/** The largest output the next node may keep inline, given the JSON size of each node's latest inline output. */
export function inlineLimit(inlineBytes: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const bytes of inlineBytes.values()) total += bytes;
  return Math.max(MIN_INLINE_LIMIT_BYTES, INLINE_OUTPUTS_BUDGET_BYTES - total);
}

/** What a node's record keeps inline in the run's history beyond its bookkeeping: its output and its logs. */
export function recordBytes(record: { output?: unknown; logs?: unknown }): number {
  return jsonBytes(record.output) + (record.logs === undefined ? 0 : jsonBytes(record.logs));
}

export function jsonBytes(value: unknown): number {
  // Characters, not bytes: close enough for a budget, and no TextEncoder needed in the workflow sandbox.
  return JSON.stringify(value ?? null).length;
}
