/**
 * Fused chains: a path of light code nodes that the interpreter runs as ONE local activity, node after node in the
 * sandbox, instead of one local activity per node. Which nodes form a chain is decided here, from the definition
 * alone (and which nodes the run plan found light), so a replay decides exactly as the first run did. Pure; part of
 * the workflow bundle.
 *
 * A chain goes on from node A to node B only when running B right after A is what the graph would do anyway:
 *  - A's only way forward on success is one forward edge, to B (error edges may lead anywhere: a failure ends the
 *    chain at A and the interpreter routes it as usual; a loop edge out of A ends the chain at A);
 *  - that edge is B's only incoming forward edge (no join), and no loop edge re-enters B (its input would then be
 *    the loop's, not A's output);
 *  - B is fusable too.
 * Whether A's result actually follows that edge (a labelled edge and A's `nextPath`) is decided as the chain runs,
 * by `continuesTo`, with the same routing function as unfused runs.
 */
import { completedSteps, followedEdges, isLoopEdge, markStarted, nodeInput } from './graph';
import type { FlowGraph } from './graph';
import type { RunState } from './contracts';
import { NODE_LIMITS } from './limits';
import type { TriggerInfo } from './run';
import type { CodeNode, FlowDefinition, FlowNode } from './schema';

/** What decides whether a code node may run inside a fused chain. */
export interface FusionOptions {
  /** Light nodes, as the run plan found them (side-effect free, no retries of the user's, measured fast). */
  lightNodes: ReadonlySet<string>;
  /** The run request's `localActivities` override, if any. */
  localActivities?: boolean;
}

/**
 * The nodes that may be part of a fused chain: light code nodes that this run would run as local activities anyway
 * (so fusing them changes nothing about where they run or what a crash repeats), with the default time limit or
 * less, in a flow that has not turned fusing off (`execution.fuseChains: false`).
 */
export function fusableNodes(definition: FlowDefinition, options: FusionOptions): Set<string> {
  const execution = definition.execution ?? {};
  const local = options.localActivities ?? execution.localActivities ?? true;
  if (!local || execution.fuseChains === false) return new Set();
  return new Set(
    definition.nodes
      .filter((node): node is CodeNode => node.type === 'code' && options.lightNodes.has(node.id))
      .filter((node) => (node.timeoutMs ?? NODE_LIMITS.timeoutMs.default) <= NODE_LIMITS.timeoutMs.default)
      .map((node) => node.id),
  );
}

/** Indexes of the edges a node's success may follow: all its edges but the error edges. */
function successEdges(graph: FlowGraph, nodeId: string): number[] {
  return (graph.outgoing.get(nodeId) ?? []).filter((i) => graph.definition.edges[i].on !== 'error');
}

function isLoopTarget(graph: FlowGraph, nodeId: string): boolean {
  return graph.definition.edges.some((edge) => isLoopEdge(edge) && edge.to === nodeId);
}

/** The edge a chain may go on by after `nodeId`, and the node it leads to; none when the chain must end there. */
function chainLink(graph: FlowGraph, nodeId: string, fusable: ReadonlySet<string>): number | undefined {
  const out = successEdges(graph, nodeId);
  if (out.length !== 1) return undefined;
  const edge = graph.definition.edges[out[0]];
  if (isLoopEdge(edge) || !fusable.has(edge.to)) return undefined;
  if (graph.incoming.get(edge.to)?.length !== 1 || isLoopTarget(graph, edge.to)) return undefined;
  return out[0];
}

/**
 * The chain that starts at `headId`: the head, then each node the one before leads to as described above. A single
 * node when nothing can follow it (or when the head itself is not fusable): then there is nothing to fuse.
 */
export function chainFrom(graph: FlowGraph, headId: string, fusable: ReadonlySet<string>): string[] {
  const chain = [headId];
  if (!fusable.has(headId)) return chain;
  const seen = new Set(chain);
  for (let link = chainLink(graph, headId, fusable); link !== undefined;) {
    const next = graph.definition.edges[link].to;
    if (seen.has(next)) break;
    chain.push(next);
    seen.add(next);
    link = chainLink(graph, next, fusable);
  }
  return chain;
}

/**
 * Whether a chain node that succeeded with `output` goes on to `nextId`: whether the routing of an unfused run
 * (followedEdges: labels, `nextPath`, `default`) would take the edge between them.
 */
export function continuesTo(graph: FlowGraph, nodeId: string, output: unknown, nextId: string): boolean {
  const edges = (graph.outgoing.get(nodeId) ?? []).map((i) => graph.definition.edges[i]);
  const { followed } = followedEdges(edges, output);
  return edges.some((edge, i) => followed[i] && edge.to === nextId && !isLoopEdge(edge));
}

/**
 * The steps as a node of a chain sees them, given the steps before the chain, the outputs the chain has produced so
 * far, and the order nodes first started in (`started`, chain nodes included), exactly as an unfused run would hand
 * them: `context.steps` leaves out the node's own earlier output (from a loop's previous round; pass `leaveOut`),
 * while its input mapping, resolved before it starts, still sees it. Key order kept.
 */
export function stepsAt(
  started: readonly string[],
  before: Readonly<Record<string, unknown>>,
  produced: ReadonlyMap<string, unknown>,
  leaveOut?: string,
): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const id of started) {
    if (id === leaveOut) continue;
    if (produced.has(id)) steps[id] = produced.get(id);
    else if (id in before) steps[id] = before[id];
  }
  return steps;
}

/** The summary a fused chain's local activity shows in the Temporal Web UI: its nodes, in order, within a bound. */
export function chainSummary(labels: readonly string[], maxChars = 200): string {
  const all = `${labels.join(' → ')} (${labels.length} nodes, fused)`;
  if (all.length <= maxChars) return all;
  const tail = ` → … → ${labels[labels.length - 1]} (${labels.length} nodes, fused)`;
  let head = labels[0];
  for (const label of labels.slice(1, -1)) {
    if (head.length + 3 + label.length + tail.length > maxChars) break;
    head += ` → ${label}`;
  }
  return (head + tail).slice(0, maxChars);
}

/**
 * A run plan's own time, and the most of its entry chain's nodes' time limits it takes on: the plan's local activity
 * is bounded by their sum (workflows/interpreter.ts), and its planning part alone by the first.
 */
export const PLAN_TIMEOUT_MS = 30_000;
export const PLAN_ENTRY_BUDGET_MS = 20 * 60_000;

/** What the fused-chain activity is asked to run (activities/chain.ts). */
export interface RunChainRequest {
  v: 1;
  flowId: string;
  flowVersion: number;
  draft?: number;
  /** The chain's nodes, in order. */
  nodeIds: string[];
  /** The first node's input, as the interpreter worked it out (references allowed). */
  input: unknown;
  trigger: TriggerInfo;
  /** The steps before the chain (the first node's own output left out). */
  steps: Record<string, unknown>;
  /** Node ids in the order they first started, the chain's nodes included. */
  started: string[];
  /** JSON size of each node's latest output kept inline in the run (the inline budget). */
  inlineBytes: Record<string, number>;
  /**
   * Which execution of each node this is (loops run a chain again), so the run journal keeps each apart; absent in
   * requests made before it existed (each node's first).
   */
  executions?: number[];
}

/** The run a chain belongs to, as far as its activity needs to know. */
export interface ChainRun {
  flowId: string;
  flowVersion: number;
  draft?: number;
  trigger: TriggerInfo;
}

/**
 * Starts `chain` in the run's state (its head marked started at `startedAt`) and answers the request for its activity:
 * made here alone, so a run plan that runs a fresh run's entry chain (`entryChainRequest`) asks exactly what the
 * interpreter would.
 */
export function startChain(
  graph: FlowGraph,
  state: RunState,
  chain: readonly string[],
  run: ChainRun,
  inlineBytes: ReadonlyMap<string, number>,
  startedAt: string,
): RunChainRequest {
  const head = chain[0];
  // Before it starts: a head's input mapping still sees its own output of a loop's previous round.
  const input = nodeInput(graph, state, head, run.trigger);
  markStarted(state, head, startedAt);
  return {
    v: 1,
    flowId: run.flowId,
    flowVersion: run.flowVersion,
    draft: run.draft,
    nodeIds: [...chain],
    input,
    trigger: run.trigger,
    steps: completedSteps(state),
    started: [...state.started, ...chain.filter((id) => !state.started.includes(id))],
    inlineBytes: Object.fromEntries(inlineBytes),
    // The head has started; each later node starts when the chain has run it.
    executions: chain.map((id) => (id === head ? (state.nodes[id].runs ?? 1) : (state.nodes[id].runs ?? 0) + 1)),
  };
}

/** What a node is called in the Temporal Web UI (activity and marker summaries). */
export function summaryOf(node: FlowNode): string {
  return node.name ? `${node.id}: ${node.name}` : node.id;
}
