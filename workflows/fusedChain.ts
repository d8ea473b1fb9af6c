/**
 * Runs a fused chain (flow/chains.ts): light code nodes in a row as ONE local activity (activities/chain.ts), then
 * records each node that ran exactly as if it had run alone — started, output or error, logs, duration, memory,
 * routing — with the same graph functions, in order. A node that failed ends the chain there and its error policy
 * (error edges, onError) applies as it would unfused. Deterministic: everything comes from the activity's result.
 */
import { isCancellation, proxyLocalActivities } from '@temporalio/workflow';
import type { NectarActivities } from '../activities';
import type { ChainNodeResult, RunChainResult } from '../activities/chain';
import { chainSummary, startChain, summaryOf } from '../flow/chains';
import { nodeErrorTypeOf } from '../flow/errors';
import type { FlowGraph } from '../flow/graph';
import { markStarted, readyNodeIds, recordFailure, recordSuccess } from '../flow/graph';
import { recordBytes } from '../flow/inline';
import { NODE_LIMITS } from '../flow/limits';
import type { CodeNode } from '../flow/schema';
import { nodeErrorFrom } from './failures';
import { ACTIVITY_TIMEOUT_MARGIN_MS, detailsOf, NodeScope, publishEmitted, retryOf } from './nodes';

function chainActivity(nodes: CodeNode[]) {
  // Each node keeps its own time limit in the sandbox; the activity may take them all, one after the other.
  const timeoutMs =
    nodes.reduce((total, node) => total + (node.timeoutMs ?? NODE_LIMITS.timeoutMs.default), 0) +
    ACTIVITY_TIMEOUT_MARGIN_MS;
  return proxyLocalActivities<NectarActivities>({
    startToCloseTimeout: timeoutMs,
    // Light nodes have no retries of the user's: only a crash runs the chain again, from its first node.
    retry: retryOf(nodes[0]),
    summary: chainSummary(nodes.map(summaryOf)),
  }).runChain;
}

/**
 * Runs `chain` and records its nodes; `ranAhead`: the chain's result already, from the run plan that ran the run's
 * entry chain (it asked what this would ask: flow/chains.ts, entryChainRequest).
 */
export async function runFusedChain(
  graph: FlowGraph,
  chain: string[],
  scope: NodeScope,
  ranAhead?: RunChainResult,
): Promise<void> {
  const { request, state } = scope;
  const head = chain[0];
  const asked = startChain(graph, state, chain, request, scope.inlineBytes, new Date().toISOString());
  let nodes: ChainNodeResult[];
  try {
    ({ nodes } = ranAhead ?? (await chainActivity(chain.map((id) => graph.nodes.get(id) as CodeNode))(asked)));
  } catch (failure) {
    if (isCancellation(failure)) throw failure;
    // The chain could not run at all (its definition gone, the store down past every retry): its first node failed.
    const { error, details } = nodeErrorFrom(head, failure);
    recordFailure(graph, state, head, error, detailsOf(details));
    return;
  }
  for (const [index, node] of nodes.entries()) {
    if (index === 0) state.nodes[head].startedAt = node.startedAt;
    else {
      // The activity went on only where routing goes on; checked again here, so the record can never disagree.
      if (!readyNodeIds(graph, state).includes(node.nodeId)) return;
      markStarted(state, node.nodeId, node.startedAt);
    }
    if (!(await recordChainNode(graph, scope, node))) return;
  }
}

/** Records one node of the chain as an unfused run would; false when it failed (the chain ends there). */
async function recordChainNode(graph: FlowGraph, scope: NodeScope, node: ChainNodeResult): Promise<boolean> {
  const { nodeId } = node;
  if (!node.ok) {
    scope.inlineBytes.set(nodeId, recordBytes({ logs: node.details?.logs }));
    const error = { ...node.error, type: nodeErrorTypeOf(node.error.type), nodeId };
    recordFailure(graph, scope.state, nodeId, error, detailsOf(node.details));
    return false;
  }
  if (node.emitted?.length) {
    try {
      await publishEmitted(scope.request, `${nodeId}.${scope.state.nodes[nodeId].runs ?? 1}`, node.emitted);
    } catch (failure) {
      if (isCancellation(failure)) throw failure;
      const { error, details } = nodeErrorFrom(nodeId, failure);
      recordFailure(graph, scope.state, nodeId, error, detailsOf(details));
      return false;
    }
  }
  scope.inlineBytes.set(nodeId, recordBytes({ output: node.output, logs: node.logs }));
  recordSuccess(graph, scope.state, nodeId, node.output, detailsOf(node));
  return true;
}
