/**
 * A live run's state and how each event of its stream changes it: pure, so the node tests run it without React (the
 * store that holds it is stores/runStatus.ts).
 */
import type { EdgeStatus, LogEntry, NodeView, RunEvent, RunStatus, RunView } from '../../api/types';

/** Log lines streamed while a node runs (the attempt they belong to), until its final record brings them all. */
export interface LiveLogs {
  execution: number;
  attempt: number;
  entries: LogEntry[];
  truncated: boolean;
}

export interface RunStatusState {
  runId: string | null;
  status: RunStatus | null;
  nodes: Record<string, NodeView>;
  /** The edges' states as the server reports them, in the pinned definition's order (absent from older gateways). */
  edges?: EdgeStatus[];
  liveLogs?: Record<string, LiveLogs>;
  output?: unknown;
  error?: RunView['error'];
}

function withLogLines(state: RunStatusState, event: Extract<RunEvent, { type: 'log' }>['data']): RunStatusState {
  const before = state.liveLogs?.[event.nodeId];
  const same = before && before.execution === event.execution && before.attempt === event.attempt;
  const current: LiveLogs = same
    ? before
    : { execution: event.execution, attempt: event.attempt, entries: [], truncated: false };
  const next: LiveLogs = {
    ...current,
    entries: event.entries ? [...current.entries, ...event.entries] : current.entries,
    truncated: current.truncated || event.truncated === true,
  };
  return { ...state, liveLogs: { ...state.liveLogs, [event.nodeId]: next } };
}

/** One run event applied to the state (pure, for the stream handler and its tests). */
export function reduceRunEvent(state: RunStatusState, event: RunEvent): RunStatusState {
  switch (event.type) {
    case 'status':
      return { ...state, status: event.data.status };
    case 'node': {
      const next = { ...state, nodes: { ...state.nodes, [event.data.id]: event.data } };
      // The node's own record now holds every line of an attempt that ended (a node of a chain still running gets
      // it with the chain's end); a new attempt starts its lines afresh.
      if (event.data.status !== 'running' && !event.data.pendingRecord && next.liveLogs?.[event.data.id]) {
        const { [event.data.id]: _ended, ...rest } = next.liveLogs;
        next.liveLogs = rest;
      }
      return next;
    }
    case 'edges':
      return { ...state, edges: event.data };
    case 'log':
      return withLogLines(state, event.data);
    case 'end':
      return { ...state, status: event.data.status, output: event.data.output, error: event.data.error };
  }
}
