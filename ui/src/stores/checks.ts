/**
 * Live graph checks with the API's own rules: flow/validate.ts, the module a save runs, loaded in its own chunk the
 * first time a graph is checked. Results are placed on nodes and edges (domain/faults.ts).
 */
import { toDefinition } from '../domain/convert';
import { faultsOf, NO_FAULTS, type Faults, type Problem } from '../domain/faults';
import { createStore, useStore } from './createStore';
import { graphStore, type EditorGraph } from './graph';

export const checksStore = createStore<Faults>(NO_FAULTS);

const NO_PROBLEMS: Problem[] = [];

async function check(graph: EditorGraph): Promise<Faults> {
  if (graph.nodes.length === 0) return NO_FAULTS;
  const { checkDefinition } = await import('../../../flow/validate');
  const { layout: _layout, ...definition } = toDefinition(graph);
  const result = checkDefinition(definition);
  return result.ok ? NO_FAULTS : faultsOf(graph, result.problems);
}

let timer: ReturnType<typeof setTimeout> | undefined;
let checked: EditorGraph | undefined;

/** Re-checks the graph shortly after its content changes; returns the unsubscribe. */
export function watchGraphChecks(): () => void {
  const run = () => {
    const graph = graphStore.get().graph;
    if (graph === checked) return;
    checked = graph;
    void check(graph).then((faults) => {
      if (checked === graph) checksStore.set(faults);
    });
  };
  // The first check waits for the canvas to be drawn and idle: opening a large flow is not held up by it.
  const first = requestIdleCallback(run, { timeout: 1_000 });
  const unsubscribe = graphStore.subscribe(() => {
    clearTimeout(timer);
    timer = setTimeout(run, 120);
  });
  return () => {
    clearTimeout(timer);
    cancelIdleCallback(first);
    unsubscribe();
    checked = undefined;
    checksStore.set(NO_FAULTS);
  };
}

export function useNodeFaults(nodeId: string): Problem[] {
  return useStore(checksStore, (faults) => faults.nodes.get(nodeId) ?? NO_PROBLEMS);
}

export function useEdgeFaults(edgeId: string): Problem[] {
  return useStore(checksStore, (faults) => faults.edges.get(edgeId) ?? NO_PROBLEMS);
}
