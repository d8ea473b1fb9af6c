/**
 * The graph semantics of a run, as pure and deterministic functions over the definition and the results so far.
 * The interpreter workflow only drives these; tests exercise them without Temporal.
 */
import type { Edge, FlowDefinition } from './schema';

export type NodeStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
export type EdgeStatus = 'pending' | 'taken' | 'dead';

/** A thrown error, as plain data that crosses every boundary. */
export interface NodeError {
  name: string;
  message: string;
  stack?: string;
  nodeId: string;
  /** Machine-readable kind, e.g. CodeError, TimeoutError, MemoryLimitError, ValidationError. */
  type?: string;
}

export interface LogEntry {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  timestamp: string;
  nodeId: string;
  args: unknown[];
}

export interface NodeRecord {
  id: string;
  name?: string;
  status: NodeStatus;
  attempt?: number;
  startedAt?: string;
  durationMs?: number;
  memoryBytes?: number;
  output?: unknown;
  error?: NodeError;
  logs?: LogEntry[];
  /** The nextPath a node returned that no edge was labelled with, so its branch ended there. */
  unmatchedPath?: string;
}

export interface RunState {
  nodes: Record<string, NodeRecord>;
  edges: EdgeStatus[];
  /** Node ids in the order they started, for display. */
  started: string[];
  /** Set when a node failed with no error edge: the run fails with this error. */
  failure?: NodeError;
}

export const DEFAULT_PATH = 'default';

function incoming(definition: FlowDefinition, nodeId: string): number[] {
  const indexes: number[] = [];
  definition.edges.forEach((edge, index) => edge.to === nodeId && indexes.push(index));
  return indexes;
}

function outgoing(definition: FlowDefinition, nodeId: string): number[] {
  const indexes: number[] = [];
  definition.edges.forEach((edge, index) => edge.from === nodeId && indexes.push(index));
  return indexes;
}

export function entryNodeIds(definition: FlowDefinition): string[] {
  const targets = new Set(definition.edges.map((edge) => edge.to));
  return definition.nodes.filter((node) => !targets.has(node.id)).map((node) => node.id);
}

export function createRunState(definition: FlowDefinition): RunState {
  const nodes: Record<string, NodeRecord> = {};
  for (const node of definition.nodes) nodes[node.id] = { id: node.id, name: node.name, status: 'pending' };
  return { nodes, edges: definition.edges.map(() => 'pending'), started: [] };
}

/** Nodes that may start now: every incoming edge is decided and at least one was taken (or the node is an entry). */
export function readyNodeIds(definition: FlowDefinition, state: RunState): string[] {
  if (state.failure) return [];
  return definition.nodes
    .filter((node) => state.nodes[node.id].status === 'pending')
    .filter((node) => {
      const edges = incoming(definition, node.id);
      if (edges.length === 0) return true;
      return edges.every((i) => state.edges[i] !== 'pending') && edges.some((i) => state.edges[i] === 'taken');
    })
    .map((node) => node.id);
}

export function markStarted(state: RunState, nodeId: string, startedAt: string): void {
  const record = state.nodes[nodeId];
  record.status = 'running';
  record.startedAt = startedAt;
  state.started.push(nodeId);
}

function nextPathOf(output: unknown): string | undefined {
  if (output && typeof output === 'object' && 'nextPath' in output) {
    const value = (output as { nextPath: unknown }).nextPath;
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/** Which of a succeeded node's edges are followed, given the nextPath its result carries. */
export function followedEdges(edges: Edge[], output: unknown): { followed: boolean[]; unmatchedPath?: string } {
  const nextPath = nextPathOf(output);
  const labelled = edges.filter((edge) => edge.on === undefined && edge.path !== undefined && edge.path !== DEFAULT_PATH);
  const matched = nextPath !== undefined && labelled.some((edge) => edge.path === nextPath);
  const followed = edges.map((edge) => {
    if (edge.on === 'error') return false;
    if (edge.path === undefined) return true;
    if (edge.path === DEFAULT_PATH) return !matched;
    return edge.path === nextPath;
  });
  const hasDefault = edges.some((edge) => edge.on === undefined && edge.path === DEFAULT_PATH);
  const unmatchedPath = nextPath !== undefined && !matched && !hasDefault ? nextPath : undefined;
  return { followed, unmatchedPath };
}

/** Rules out nodes that can no longer run: every incoming edge decided, none taken. Their outgoing edges die too. */
function eliminateUnreachable(definition: FlowDefinition, state: RunState): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const node of definition.nodes) {
      const record = state.nodes[node.id];
      if (record.status !== 'pending') continue;
      const edges = incoming(definition, node.id);
      if (edges.length === 0) continue;
      if (edges.every((i) => state.edges[i] === 'dead')) {
        record.status = 'skipped';
        for (const i of outgoing(definition, node.id)) state.edges[i] = 'dead';
        changed = true;
      }
    }
  }
}

export interface NodeOutcomeDetails {
  attempt?: number;
  durationMs?: number;
  memoryBytes?: number;
  logs?: LogEntry[];
}

export function recordSuccess(
  definition: FlowDefinition,
  state: RunState,
  nodeId: string,
  output: unknown,
  details: NodeOutcomeDetails = {},
): void {
  const record = state.nodes[nodeId];
  Object.assign(record, details, { status: 'succeeded', output });
  const edgeIndexes = outgoing(definition, nodeId);
  const { followed, unmatchedPath } = followedEdges(
    edgeIndexes.map((i) => definition.edges[i]),
    output,
  );
  edgeIndexes.forEach((edgeIndex, k) => (state.edges[edgeIndex] = followed[k] ? 'taken' : 'dead'));
  if (unmatchedPath !== undefined) record.unmatchedPath = unmatchedPath;
  eliminateUnreachable(definition, state);
}

export function recordFailure(
  definition: FlowDefinition,
  state: RunState,
  nodeId: string,
  error: NodeError,
  details: NodeOutcomeDetails = {},
): void {
  const record = state.nodes[nodeId];
  Object.assign(record, details, { status: 'failed', error });
  const edgeIndexes = outgoing(definition, nodeId);
  const errorEdges = edgeIndexes.filter((i) => definition.edges[i].on === 'error');
  for (const i of edgeIndexes) state.edges[i] = definition.edges[i].on === 'error' ? 'taken' : 'dead';
  if (errorEdges.length === 0) state.failure = error;
  eliminateUnreachable(definition, state);
}

/**
 * What a node receives as `input`: the trigger payload for an entry node; the output (or, over an error edge,
 * the error) of its one followed predecessor; with several, those keyed by predecessor id.
 */
export function nodeInput(definition: FlowDefinition, state: RunState, nodeId: string, triggerPayload: unknown): unknown {
  const edges = incoming(definition, nodeId).filter((i) => state.edges[i] === 'taken');
  if (incoming(definition, nodeId).length === 0) return triggerPayload;
  const valueOf = (edgeIndex: number) => {
    const edge = definition.edges[edgeIndex];
    const source = state.nodes[edge.from];
    return edge.on === 'error' ? source.error : source.output;
  };
  if (edges.length === 1) return valueOf(edges[0]);
  const byPredecessor: Record<string, unknown> = {};
  for (const i of edges) byPredecessor[definition.edges[i].from] = valueOf(i);
  return byPredecessor;
}

/** Outputs of the nodes that have finished successfully, keyed by node id: `context.steps`. */
export function completedSteps(state: RunState): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const id of state.started) {
    const record = state.nodes[id];
    if (record.status === 'succeeded') steps[id] = record.output;
  }
  return steps;
}

/**
 * The run's result: the output of the node the run ended on; when several branches ended in succeeded nodes,
 * their outputs keyed by node id.
 */
export function runOutput(definition: FlowDefinition, state: RunState): unknown {
  const leaves = state.started.filter((id) => {
    if (state.nodes[id].status !== 'succeeded') return false;
    return outgoing(definition, id).every((i) => state.edges[i] !== 'taken');
  });
  if (leaves.length === 0) return null;
  if (leaves.length === 1) return state.nodes[leaves[0]].output ?? null;
  const outputs: Record<string, unknown> = {};
  for (const id of leaves) outputs[id] = state.nodes[id].output ?? null;
  return outputs;
}

export function isFinished(state: RunState): boolean {
  return Object.values(state.nodes).every((node) => node.status !== 'pending' && node.status !== 'running');
}

/** Node records in the order they started, followed by those that never ran. */
export function orderedNodes(state: RunState): NodeRecord[] {
  const seen = new Set(state.started);
  const rest = Object.values(state.nodes).filter((node) => !seen.has(node.id));
  return [...state.started.map((id) => state.nodes[id]), ...rest];
}
