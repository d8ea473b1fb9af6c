/**
 * Rerun from a chosen node: the new run starts with the recorded outcomes of the nodes upstream of that node, which
 * do not execute again; everything else runs. Pure and deterministic (part of the workflow bundle): the gateway picks
 * the seeds, the interpreter applies them before any node starts, so a rerun replays like any other run.
 */
import type { NodeError, RunState } from './contracts';
import { FlowGraph, isLoopEdge, recordFailure, recordSuccess, TIMEOUT_PATH } from './graph';

/** One upstream node's recorded outcome, as the earlier run left it. */
export interface RerunSeed {
  nodeId: string;
  status: 'succeeded' | 'failed';
  output?: unknown;
  error?: NodeError;
}

/** Where a rerun came from; in the run request (with the seeds) and in the run's memo (without). */
export interface RerunOrigin {
  runId: string;
  fromNode?: string;
}

/** Nodes on some forward path into `nodeId` (its ancestors), in definition order. */
export function upstreamNodes(graph: FlowGraph, nodeId: string): string[] {
  const found = new Set<string>();
  const stack = [nodeId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const i of graph.incoming.get(id) ?? []) {
      const from = graph.definition.edges[i].from;
      if (!found.has(from)) {
        found.add(from);
        stack.push(from);
      }
    }
  }
  return graph.definition.nodes.map((node) => node.id).filter((id) => found.has(id));
}

/** Nodes inside some loop: their last recorded outcome says nothing about the iteration a rerun would start in. */
export function loopedNodes(graph: FlowGraph): Set<string> {
  const looped = new Set<string>();
  graph.definition.edges.forEach((edge, index) => {
    if (isLoopEdge(edge)) for (const id of graph.loopBodies.get(index) ?? []) looped.add(id);
  });
  return looped;
}

/**
 * Marks each seeded node as done with its recorded outcome, in the order given (the order they ran), routing its
 * edges as it did then. Its record says which run it came from (`reusedFrom`); its execution count stays unset.
 */
export function applyRerunSeeds(graph: FlowGraph, state: RunState, seeds: RerunSeed[], fromRunId: string): void {
  for (const seed of seeds) {
    const record = state.nodes[seed.nodeId];
    if (!record || record.status !== 'pending' || state.failure) continue;
    record.reusedFrom = fromRunId;
    if (!state.started.includes(seed.nodeId)) state.started.push(seed.nodeId);
    if (seed.status === 'failed' && seed.error) {
      recordFailure(graph, state, seed.nodeId, seed.error);
      continue;
    }
    // A wait that timed out followed only its "timeout" edges (the interpreter's onlyPath).
    const timedOutWait =
      graph.nodes.get(seed.nodeId)?.type === 'wait' &&
      (seed.output as { timedOut?: unknown } | null)?.timedOut === true;
    recordSuccess(graph, state, seed.nodeId, seed.output ?? null, {}, timedOutWait ? TIMEOUT_PATH : undefined);
  }
}
