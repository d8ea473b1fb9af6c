/**
 * Live graph checks with the API's own rules: flow/validate.ts, the module a save runs, run in a Web Worker
 * (stores/checks.worker.ts) so a large flow opens and edits without waiting for it. Results are placed on nodes and
 * edges (domain/faults.ts).
 */
import { toDefinition } from '../domain/convert';
import { faultsOf, NO_FAULTS, type Faults, type Problem } from '../domain/faults';
import { checkInWorker } from './checkInWorker';
import { createStore, useStore } from './createStore';
import { graphStore, type EditorGraph } from './graph';

export const checksStore = createStore<Faults>(NO_FAULTS);

const NO_PROBLEMS: Problem[] = [];

async function check(graph: EditorGraph): Promise<Faults> {
  if (graph.nodes.length === 0) return NO_FAULTS;
  const { layout: _layout, ...definition } = toDefinition(graph);
  const problems = await checkInWorker(definition);
  return problems.length === 0 ? NO_FAULTS : faultsOf(graph, problems);
}

let timer: ReturnType<typeof setTimeout> | undefined;
let checked: EditorGraph | undefined;

/** Checks the graph now, and again shortly after its content changes; returns the unsubscribe. */
export function watchGraphChecks(): () => void {
  const run = () => {
    const graph = graphStore.get().graph;
    if (graph === checked) return;
    checked = graph;
    void check(graph).then((faults) => {
      if (checked === graph) checksStore.set(faults);
    });
  };
  run();
  const unsubscribe = graphStore.subscribe(() => {
    clearTimeout(timer);
    timer = setTimeout(run, 120);
  });
  return () => {
    clearTimeout(timer);
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
