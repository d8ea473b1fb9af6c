/**
 * The graph semantics of a run, as pure and deterministic functions over the definition and the results so far.
 * The interpreter workflow only drives these; tests exercise them without Temporal. Part of the workflow bundle:
 * it imports only other pure modules.
 */
import type { ErrorInput, LogEntry, NodeError, NodeRecord, RunState } from './contracts';
import { errorPolicy, nodeErrorTypeOf } from './errors';
import { isOutputRef } from './run';
import type { Edge, FlowDefinition, FlowNode, InputMapping, InputSource } from './schema';

export const DEFAULT_PATH = 'default';
export const TIMEOUT_PATH = 'timeout';

export function isLoopEdge(edge: Edge): boolean {
  return edge.maxIterations !== undefined;
}

/** The definition with its adjacency precomputed once per run. Loop edges are kept apart from forward edges. */
export interface FlowGraph {
  definition: FlowDefinition;
  nodes: Map<string, FlowNode>;
  /** Forward (non-loop) edges into each node. */
  incoming: Map<string, number[]>;
  /** Every edge out of each node, loop edges included. */
  outgoing: Map<string, number[]>;
  /** For each loop edge: the nodes from its target to its source, which run again when it is taken. */
  loopBodies: Map<number, string[]>;
}

export function indexGraph(definition: FlowDefinition): FlowGraph {
  const nodes = new Map(definition.nodes.map((node) => [node.id, node]));
  const incoming = new Map<string, number[]>(definition.nodes.map((node) => [node.id, []]));
  const outgoing = new Map<string, number[]>(definition.nodes.map((node) => [node.id, []]));
  definition.edges.forEach((edge, index) => {
    outgoing.get(edge.from)?.push(index);
    if (!isLoopEdge(edge)) incoming.get(edge.to)?.push(index);
  });
  const graph: FlowGraph = { definition, nodes, incoming, outgoing, loopBodies: new Map() };
  definition.edges.forEach((edge, index) => {
    if (isLoopEdge(edge)) graph.loopBodies.set(index, loopBody(graph, edge.to, edge.from));
  });
  return graph;
}

function forwardSuccessors(graph: FlowGraph, nodeId: string): string[] {
  return (graph.outgoing.get(nodeId) ?? [])
    .map((i) => graph.definition.edges[i])
    .filter((e) => !isLoopEdge(e))
    .map((e) => e.to);
}

/** Nodes on some forward path from `target` to `source` (both included), in definition order. */
function loopBody(graph: FlowGraph, target: string, source: string): string[] {
  const fromTarget = new Set<string>();
  const stack = [target];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (fromTarget.has(id)) continue;
    fromTarget.add(id);
    stack.push(...forwardSuccessors(graph, id));
  }
  const reachesSource = new Map<string, boolean>();
  const reaches = (id: string): boolean => {
    if (id === source) return true;
    const known = reachesSource.get(id);
    if (known !== undefined) return known;
    reachesSource.set(id, false);
    const result = forwardSuccessors(graph, id).some(reaches);
    reachesSource.set(id, result);
    return result;
  };
  return graph.definition.nodes.map((node) => node.id).filter((id) => fromTarget.has(id) && reaches(id));
}

export function entryNodeIds(definition: FlowDefinition): string[] {
  const targets = new Set(definition.edges.filter((edge) => !isLoopEdge(edge)).map((edge) => edge.to));
  return definition.nodes.filter((node) => !targets.has(node.id)).map((node) => node.id);
}

export function createRunState(definition: FlowDefinition): RunState {
  const nodes: Record<string, NodeRecord> = {};
  for (const node of definition.nodes)
    nodes[node.id] = { id: node.id, name: node.name, type: node.type, status: 'pending' };
  return { v: 1, nodes, edges: definition.edges.map(() => 'pending'), started: [] };
}

/** Nodes that may start now: every forward edge into them is decided and at least one was taken (or it is an entry). */
export function readyNodeIds(graph: FlowGraph, state: RunState): string[] {
  if (state.failure) return [];
  return graph.definition.nodes
    .filter((node) => state.nodes[node.id].status === 'pending')
    .filter((node) => {
      const edges = graph.incoming.get(node.id)!;
      if (edges.length === 0) return true;
      return edges.every((i) => state.edges[i] !== 'pending') && edges.some((i) => state.edges[i] === 'taken');
    })
    .map((node) => node.id);
}

export function markStarted(state: RunState, nodeId: string, startedAt: string): void {
  const record = state.nodes[nodeId];
  record.status = 'running';
  record.startedAt = startedAt;
  record.runs = (record.runs ?? 0) + 1;
  for (const field of [
    'output',
    'error',
    'durationMs',
    'memoryBytes',
    'logs',
    'attempt',
    'unmatchedPath',
    'endedAt',
    'reusedFrom',
  ] as const)
    delete record[field];
  if (!state.started.includes(nodeId)) state.started.push(nodeId);
}

function nextPathOf(output: unknown): string | undefined {
  if (output && typeof output === 'object' && 'nextPath' in output) {
    const value = output.nextPath;
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * Which of a succeeded node's edges are followed, given the nextPath its result carries: unlabelled edges always;
 * labelled edges when the label equals nextPath; `default` edges when no label matched. With `onlyPath`, only the
 * edges labelled so (a wait that timed out follows its "timeout" edges and nothing else).
 */
export function followedEdges(
  edges: Edge[],
  output: unknown,
  onlyPath?: string,
): { followed: boolean[]; unmatchedPath?: string } {
  if (onlyPath !== undefined) return { followed: edges.map((edge) => edge.on === undefined && edge.path === onlyPath) };
  const nextPath = nextPathOf(output);
  const labelled = edges.filter(
    (edge) => edge.on === undefined && edge.path !== undefined && edge.path !== DEFAULT_PATH,
  );
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

/** Rules out nodes that can no longer run: every forward edge into them dead. Their outgoing edges die too. */
function eliminateUnreachable(graph: FlowGraph, state: RunState): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const node of graph.definition.nodes) {
      const record = state.nodes[node.id];
      if (record.status !== 'pending') continue;
      const edges = graph.incoming.get(node.id)!;
      if (edges.length === 0) continue;
      if (edges.every((i) => state.edges[i] === 'dead')) {
        record.status = 'skipped';
        for (const i of graph.outgoing.get(node.id)!) state.edges[i] = 'dead';
        changed = true;
      }
    }
  }
}

/**
 * Takes a loop edge: the loop's body becomes pending again, with every edge out of it undecided, and nodes that had
 * been ruled out only because of those edges come back into play.
 */
function reenterLoop(graph: FlowGraph, state: RunState, edgeIndex: number): void {
  const body = new Set(graph.loopBodies.get(edgeIndex) ?? []);
  const reopen = (id: string) => {
    state.nodes[id].status = 'pending';
    for (const i of graph.outgoing.get(id)!) state.edges[i] = 'pending';
  };
  for (const id of body) reopen(id);
  state.nodes[graph.definition.edges[edgeIndex].to].loopEntry = edgeIndex;
  let changed = true;
  while (changed) {
    changed = false;
    for (const node of graph.definition.nodes) {
      if (state.nodes[node.id].status !== 'skipped') continue;
      if (graph.incoming.get(node.id)!.some((i) => state.edges[i] === 'pending')) {
        reopen(node.id);
        changed = true;
      }
    }
  }
}

function loopLimitError(graph: FlowGraph, state: RunState, nodeId: string, edgeIndex: number): NodeError | undefined {
  const edge = graph.definition.edges[edgeIndex];
  const runs = state.nodes[edge.to].runs ?? 0;
  if (runs < edge.maxIterations!) return undefined;
  return {
    name: 'LoopLimitError',
    type: 'LoopLimitError',
    message: `the loop back to "${edge.to}" reached its limit of ${edge.maxIterations} iterations`,
    nodeId,
  };
}

/**
 * Decides a finished node's outgoing edges. A loop edge among the followed ones re-enters its loop (the node's
 * other edges are decided on the loop's last iteration); past its bound, the node fails with a LoopLimitError.
 */
function route(
  graph: FlowGraph,
  state: RunState,
  nodeId: string,
  followed: (edge: Edge) => boolean,
): NodeError | undefined {
  const edgeIndexes = graph.outgoing.get(nodeId)!;
  const loops = edgeIndexes.filter((i) => isLoopEdge(graph.definition.edges[i]) && followed(graph.definition.edges[i]));
  for (const i of loops) {
    const breach = loopLimitError(graph, state, nodeId, i);
    if (breach) return breach;
  }
  for (const i of edgeIndexes) state.edges[i] = followed(graph.definition.edges[i]) ? 'taken' : 'dead';
  for (const i of loops) reenterLoop(graph, state, i);
  eliminateUnreachable(graph, state);
  return undefined;
}

export interface NodeOutcomeDetails {
  attempt?: number;
  durationMs?: number;
  memoryBytes?: number;
  logs?: LogEntry[];
}

export function recordSuccess(
  graph: FlowGraph,
  state: RunState,
  nodeId: string,
  output: unknown,
  details: NodeOutcomeDetails = {},
  onlyPath?: string,
): void {
  const record = state.nodes[nodeId];
  Object.assign(record, details, { status: 'succeeded', output });
  const edges = graph.outgoing.get(nodeId)!.map((i) => graph.definition.edges[i]);
  const { followed, unmatchedPath } = followedEdges(edges, output, onlyPath);
  if (unmatchedPath !== undefined) record.unmatchedPath = unmatchedPath;
  const breach = route(graph, state, nodeId, (edge) => followed[edges.indexOf(edge)]);
  if (breach) recordFailure(graph, state, nodeId, breach, {});
}

export function errorInput(error: NodeError): ErrorInput {
  const { name, message, stack } = error;
  // Runs recorded before every error had a type may carry one without.
  return {
    name,
    message,
    node: error.nodeId,
    ...(stack === undefined ? {} : { stack }),
    type: nodeErrorTypeOf(error.type),
  };
}

/**
 * A node failed. By its `onError`: "continue" follows its ordinary edges as if it had returned `{ error }`;
 * "stop" fails the run; otherwise its error edges are taken when it has some, and the run fails when it has none.
 * A kind of error the policy (flow/errors.ts) keeps from error edges fails the run whatever `onError` says.
 */
export function recordFailure(
  graph: FlowGraph,
  state: RunState,
  nodeId: string,
  error: NodeError,
  details: NodeOutcomeDetails = {},
): void {
  const record = state.nodes[nodeId];
  const node = graph.nodes.get(nodeId)!;
  const onError = errorPolicy(nodeErrorTypeOf(error.type)).errorEdge ? node.onError : 'stop';
  const output = onError === 'continue' ? { error: errorInput(error) } : undefined;
  Object.assign(record, details, { status: 'failed', error, output });
  const edges = graph.outgoing.get(nodeId)!.map((i) => graph.definition.edges[i]);
  if (onError === 'continue') {
    const { followed } = followedEdges(edges, output);
    const breach = route(graph, state, nodeId, (edge) => followed[edges.indexOf(edge)]);
    if (breach) state.failure = breach;
    return;
  }
  const hasErrorEdge = edges.some((edge) => edge.on === 'error');
  if (onError === 'stop' || !hasErrorEdge) {
    state.failure = error;
    for (const i of graph.outgoing.get(nodeId)!) state.edges[i] = 'dead';
    eliminateUnreachable(graph, state);
    return;
  }
  const breach = route(graph, state, nodeId, (edge) => edge.on === 'error');
  if (breach) state.failure = { ...error, message: `${error.message} (and ${breach.message})` };
}

/** Reads a dotted path; on reaching an output stored by reference, answers the reference with the rest of the path. */
function readPath(root: Record<string, unknown>, path: string): unknown {
  let value: unknown = root;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (isOutputRef(value)) {
      const rest = parts.slice(i).join('.');
      return { ...value, path: value.path ? `${value.path}.${rest}` : rest };
    }
    if (value === null || typeof value !== 'object') return null;
    value = (value as Record<string, unknown>)[parts[i]];
  }
  return value === undefined ? null : value;
}

function isSource(candidate: unknown): candidate is InputSource {
  if (!candidate || typeof candidate !== 'object') return false;
  const keys = Object.keys(candidate);
  return (
    keys.length === 1 &&
    (keys[0] === 'value' || (keys[0] === 'path' && typeof (candidate as { path: unknown }).path === 'string'))
  );
}

/** Resolves a node's `input` mapping against the trigger and the steps so far. Missing fields become null. */
export function resolveInputMapping(
  mapping: InputMapping,
  scope: { trigger: unknown; steps: Record<string, unknown> },
): unknown {
  const root = { trigger: scope.trigger, steps: scope.steps };
  const resolve = (source: InputSource) => ('path' in source ? readPath(root, source.path) : source.value);
  if (isSource(mapping)) return resolve(mapping);
  const input: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(mapping)) input[key] = resolve(source);
  return input;
}

/**
 * What a node receives as `input`: what its `input` mapping selects, when it has one; after re-entry by a loop
 * edge, that edge's source output; for an entry node, the trigger payload; with one forward edge into it, its
 * predecessor's output (or, over an error edge, the error); with several, the taken ones' keyed by predecessor id.
 */
export function nodeInput(graph: FlowGraph, state: RunState, nodeId: string, trigger: { payload: unknown }): unknown {
  const node = graph.nodes.get(nodeId)!;
  if (node.input !== undefined) return resolveInputMapping(node.input, { trigger, steps: completedSteps(state) });
  const valueOf = (edgeIndex: number) => {
    const edge = graph.definition.edges[edgeIndex];
    const source = state.nodes[edge.from];
    if (edge.on === 'error') return source.error ? errorInput(source.error) : null;
    return source.output ?? null;
  };
  const record = state.nodes[nodeId];
  if (record.loopEntry !== undefined) return valueOf(record.loopEntry);
  const edges = graph.incoming.get(nodeId)!;
  if (edges.length === 0) return trigger.payload ?? null;
  const taken = edges.filter((i) => state.edges[i] === 'taken');
  if (edges.length === 1) return valueOf(edges[0]);
  const byPredecessor: Record<string, unknown> = {};
  for (const i of taken) byPredecessor[graph.definition.edges[i].from] = valueOf(i);
  return byPredecessor;
}

/** The latest output of every node that produced one, keyed by node id: `context.steps`. */
export function completedSteps(state: RunState): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const id of state.started) {
    const record = state.nodes[id];
    if (record.output !== undefined && record.status !== 'running') steps[id] = record.output;
  }
  return steps;
}

/**
 * The run's result: the output of the node the run ended on; when several branches ended in succeeded nodes,
 * their outputs keyed by node id.
 */
export function runOutput(graph: FlowGraph, state: RunState): unknown {
  const leaves = state.started.filter((id) => {
    if (state.nodes[id].status !== 'succeeded') return false;
    return graph.outgoing.get(id)!.every((i) => state.edges[i] !== 'taken');
  });
  if (leaves.length === 0) return null;
  if (leaves.length === 1) return state.nodes[leaves[0]].output ?? null;
  const outputs: Record<string, unknown> = {};
  for (const id of leaves) outputs[id] = state.nodes[id].output ?? null;
  return outputs;
}

/** Marks nodes that can never run (left pending when nothing else can move) as skipped. */
export function skipRemaining(state: RunState): void {
  for (const record of Object.values(state.nodes)) if (record.status === 'pending') record.status = 'skipped';
}

/** The run was cancelled: nodes still running were stopped, and the rest will not run. */
export function markCancelled(state: RunState): void {
  for (const record of Object.values(state.nodes)) {
    if (record.status === 'running') record.status = 'cancelled';
    else if (record.status === 'pending') record.status = 'skipped';
  }
}

/** Node records in the order they started, followed by those that never ran. */
export function orderedNodes(state: RunState): NodeRecord[] {
  const seen = new Set(state.started);
  const rest = Object.values(state.nodes).filter((node) => !seen.has(node.id));
  return [...state.started.map((id) => state.nodes[id]), ...rest];
}
