/**
 * Each canvas edge's state in the run on show (taken, dead, pending), kept apart from the graph like the nodes' run
 * states: the server's own edge states when it sends them for this graph, otherwise derived from the node records.
 */
import { edgeRunStates, type EdgeRunState } from '../domain/run/runGraph';
import { createStore, useStore } from './createStore';
import { graphStore, type EditorGraph } from './graph';
import { runStatusStore, type RunStatusState } from './runStatus';

const runEdgesStore = createStore<Record<string, EdgeRunState>>({});

function statesOf(graph: EditorGraph, run: RunStatusState): Record<string, EdgeRunState> {
  if (!run.runId || Object.keys(run.nodes).length === 0) return {};
  const states =
    run.edges && run.edges.length === graph.edges.length
      ? run.edges
      : edgeRunStates(
          graph.edges.map((edge) => ({ ...edge.data.edge, from: edge.source, to: edge.target })),
          run.nodes,
        );
  return Object.fromEntries(graph.edges.map((edge, index) => [edge.id, states[index]]));
}

/** Keeps the edges' run states current while a canvas shows; returns the unsubscribe. */
export function watchRunEdges(): () => void {
  let graph = graphStore.get().graph;
  let run = runStatusStore.get();
  const update = () => {
    const next = statesOf(graph, run);
    const before = runEdgesStore.get();
    const changed =
      Object.keys(next).length !== Object.keys(before).length ||
      Object.entries(next).some(([id, state]) => before[id] !== state);
    if (changed) runEdgesStore.set(next);
  };
  update();
  const offGraph = graphStore.subscribe(() => {
    const next = graphStore.get().graph;
    if (next.edges === graph.edges) return;
    graph = next;
    update();
  });
  const offRun = runStatusStore.subscribe(() => {
    run = runStatusStore.get();
    update();
  });
  return () => {
    offGraph();
    offRun();
  };
}

export function useEdgeRun(edgeId: string): EdgeRunState | undefined {
  return useStore(runEdgesStore, (states) => states[edgeId]);
}
