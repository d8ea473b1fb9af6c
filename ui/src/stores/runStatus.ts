/**
 * The live run shown on the canvas, by node id, kept apart from the graph: a node re-renders when its own record
 * changes, and nothing of a run can leak into a saved definition.
 */
import type { NodeView, RunEvent } from '../api/types';
import { reduceRunEvent, type RunStatusState } from '../domain/run/runEvents';
import { createStore, useStore } from './createStore';

export type { RunStatusState } from '../domain/run/runEvents';

export const runStatusStore = createStore<RunStatusState>({ runId: null, status: null, nodes: {} });

export function clearRun(runId: string | null = null): void {
  runStatusStore.set({ runId, status: runId ? 'pending' : null, nodes: {} });
}

export function applyRunEvent(event: RunEvent): void {
  runStatusStore.set((state) => reduceRunEvent(state, event));
}

export function useNodeRun(nodeId: string): NodeView | undefined {
  return useStore(runStatusStore, (state) => state.nodes[nodeId]);
}
