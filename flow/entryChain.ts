/**
 * A fresh run's entry chain: proposed by the run's starter from the definition alone, with the summary the Temporal Web
 * UI shows for it (RunRequest.entry), and run by the run plan along with the plan when its light nodes make exactly
 * that chain — so a light one-node flow completes in one local activity. Pure; not part of the workflow bundle (the
 * side-effect analysis parses code).
 */
import { chainFrom, chainSummary, fusableNodes, PLAN_ENTRY_BUDGET_MS, startChain, summaryOf } from './chains';
import type { ChainRun, RunChainRequest } from './chains';
import { sideEffectFreeNodes } from './effects';
import { createRunState, indexGraph, readyNodeIds } from './graph';
import type { FlowGraph } from './graph';
import { NODE_LIMITS } from './limits';
import type { EntryProposal } from './run';
import type { CodeNode, FlowDefinition } from './schema';

/**
 * Code nodes that may be light, whatever their costs: side-effect-free (flow/effects.ts), and without retries of the
 * user's (a node the user lets retry shows its attempts live, which a local activity's retries would not).
 */
export function lightCandidates(definition: FlowDefinition): CodeNode[] {
  const sideEffectFree = new Set(sideEffectFreeNodes(definition));
  return definition.nodes.filter(
    (node): node is CodeNode =>
      node.type === 'code' && sideEffectFree.has(node.id) && (node.retry?.maximumAttempts ?? 1) <= 1,
  );
}

/**
 * A fresh run's first chain, when the flow has one entry and it is fusable: the interpreter's first step, which the
 * run plan may take at once. At most `budgetMs` of the nodes' time limits, so the plan's activity has a bound; the
 * interpreter runs what did not fit as it would anyway.
 */
function entryChain(graph: FlowGraph, fusable: ReadonlySet<string>, budgetMs: number): string[] | undefined {
  const ready = readyNodeIds(graph, createRunState(graph.definition));
  if (ready.length !== 1 || !fusable.has(ready[0])) return undefined;
  const chain: string[] = [];
  let limits = 0;
  for (const id of chainFrom(graph, ready[0], fusable)) {
    limits += (graph.nodes.get(id) as CodeNode).timeoutMs ?? NODE_LIMITS.timeoutMs.default;
    if (limits > budgetMs) break;
    chain.push(id);
  }
  return chain.length > 0 ? chain : undefined;
}

/**
 * The entry chain a run's starter proposes from the definition alone (RunRequest.entry), with its Web UI summary: the
 * chain as it would be if every code node that may be light (`lightCandidates`) were. The run plan runs it along only
 * when its own entry chain, with the nodes it measured light, is exactly this one; its summary says so.
 */
export function proposeEntryChain(definition: FlowDefinition): EntryProposal | undefined {
  const graph = indexGraph(definition);
  const mayBeLight = new Set(lightCandidates(definition).map((node) => node.id));
  const fusable = fusableNodes(definition, { lightNodes: mayBeLight });
  const nodeIds = entryChain(graph, fusable, PLAN_ENTRY_BUDGET_MS);
  if (!nodeIds) return undefined;
  const labels = nodeIds.map((id) => summaryOf(graph.nodes.get(id)!));
  return { nodeIds, summary: nodeIds.length > 1 ? chainSummary(labels) : labels[0] };
}

/**
 * The request for a fresh run's entry chain, run by its plan: what the interpreter would ask (startChain on a fresh
 * state), when that chain is the one proposed; none otherwise.
 */
export function entryChainRequest(
  graph: FlowGraph,
  fusable: ReadonlySet<string>,
  run: ChainRun,
  proposed: readonly string[],
): RunChainRequest | undefined {
  const chain = entryChain(graph, fusable, PLAN_ENTRY_BUDGET_MS);
  if (!chain || chain.length !== proposed.length || chain.some((id, i) => id !== proposed[i])) return undefined;
  return startChain(graph, createRunState(graph.definition), chain, run, new Map(), new Date().toISOString());
}
