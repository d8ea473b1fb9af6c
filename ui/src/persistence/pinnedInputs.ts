/**
 * "Debug in editor": a run's inputs pinned as test data for its flow's draft — the trigger payload for "Run draft" and
 * each node's input for its step test. Kept in this tab's session storage, never in a definition or a saved draft,
 * so pinned data cannot leak into production runs.
 */
export interface PinnedInputs {
  runId: string;
  trigger: unknown;
  nodes: Record<string, unknown>;
}

const itemOf = (flowId: string) => `nectar.pinned.${flowId}`;

export function pinInputs(flowId: string, pinned: PinnedInputs): void {
  sessionStorage.setItem(itemOf(flowId), JSON.stringify(pinned));
}

export function pinnedInputs(flowId: string): PinnedInputs | null {
  const text = sessionStorage.getItem(itemOf(flowId));
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<PinnedInputs>;
    return typeof value.runId === 'string' && value.nodes && typeof value.nodes === 'object'
      ? { runId: value.runId, trigger: value.trigger ?? null, nodes: value.nodes }
      : null;
  } catch {
    return null;
  }
}
