/**
 * Live graph checks with the API's own rules: the definition is sent to `POST /api/validate/flow` (flow/validate.ts
 * and the plan's limits, as a save applies them), so the page neither waits for them nor carries a second copy of the
 * rules, their schemas and a JavaScript parser. Results are placed on nodes and edges (domain/faults.ts).
 */
import { api } from '../api/client';
import { toDefinition } from '../domain/convert';
import { faultsOf, NO_FAULTS, type Faults, type Problem } from '../domain/faults';
import type { FlowDefinition } from '../domain/model';
import { createStore, useStore } from './createStore';
import { graphStore, type EditorGraph } from './graph';

export const checksStore = createStore<Faults>(NO_FAULTS);

const NO_PROBLEMS: Problem[] = [];
/**
 * A pause in editing this long asks for a check: typing code asks once per pause, not once per key, which keeps a
 * workspace key far below the gateway's requests-a-minute limit.
 */
const CHECK_AFTER_MS = 400;

let lastAsked: { body: string; answer: Promise<Problem[]> } | undefined;

/**
 * The problems the API would refuse this definition for (none: a save would be accepted). The same definition asked
 * again (the draft's save after the live check of the same graph) is answered without a second request.
 */
export function definitionProblems(definition: FlowDefinition): Promise<Problem[]> {
  const body = JSON.stringify(definition);
  if (lastAsked?.body === body) return lastAsked.answer;
  const asked = {
    body,
    answer: api.validateFlow(definition).then(
      (answer) => answer.problems,
      (error: unknown) => {
        if (lastAsked === asked) lastAsked = undefined;
        throw error;
      },
    ),
  };
  lastAsked = asked;
  return asked.answer;
}

async function check(graph: EditorGraph): Promise<Faults> {
  if (graph.nodes.length === 0) return NO_FAULTS;
  const problems = await definitionProblems(toDefinition(graph));
  return problems.length === 0 ? NO_FAULTS : faultsOf(graph, problems);
}

let timer: ReturnType<typeof setTimeout> | undefined;
let checked: EditorGraph | undefined;

/** Checks the graph now, and again after each pause in its changes; returns the unsubscribe. */
export function watchGraphChecks(): () => void {
  const run = () => {
    const graph = graphStore.get().graph;
    if (graph === checked) return;
    checked = graph;
    check(graph).then(
      (faults) => {
        if (checked === graph) checksStore.set(faults);
      },
      // Unanswered (the gateway restarting, the network gone): the marks stay as they were until the next change,
      // and the draft's save says what is wrong.
      () => undefined,
    );
  };
  run();
  const unsubscribe = graphStore.subscribe(() => {
    clearTimeout(timer);
    timer = setTimeout(run, CHECK_AFTER_MS);
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
