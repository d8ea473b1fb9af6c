/**
 * The live run shown on the canvas, by node id, kept apart from the graph: a node re-renders when its own record
 * changes, and nothing of a run can leak into a saved definition.
 */
import type { NodeRecord, RunEvent, RunStatus, RunView } from '../api/types';
import { createStore, useStore } from './createStore';

export interface RunStatusState {
  runId: string | null;
  status: RunStatus | null;
  nodes: Record<string, NodeRecord>;
  output?: unknown;
  error?: RunView['error'];
}

export const runStatusStore = createStore<RunStatusState>({ runId: null, status: null, nodes: {} });

export function clearRun(runId: string | null = null): void {
  runStatusStore.set({ runId, status: runId ? 'pending' : null, nodes: {} });
}

/** One run event applied to the state (pure, for the stream handler and its tests). */
export function reduceRunEvent(state: RunStatusState, event: RunEvent): RunStatusState {
  switch (event.type) {
    case 'status':
      return { ...state, status: event.data.status };
    case 'node':
      return { ...state, nodes: { ...state.nodes, [event.data.id]: event.data } };
    case 'end':
      return { ...state, status: event.data.status, output: event.data.output, error: event.data.error };
  }
}

export function applyRunEvent(event: RunEvent): void {
  runStatusStore.set((state) => reduceRunEvent(state, event));
}

export function useNodeRun(nodeId: string): NodeRecord | undefined {
  return useStore(runStatusStore, (state) => state.nodes[nodeId]);
}
