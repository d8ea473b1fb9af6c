/**
 * The one workflow that runs every flow: it loads the pinned definition through an activity, then drives the
 * pure graph functions (flow/graph.ts), running each ready node by its kind (nodes.ts). Deterministic: no I/O, no
 * clocks but Temporal's. Continues as new, carrying its state, before its history grows large.
 */
import {
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { NectarActivities, RunPlan } from '../activities';
import {
  createRunState,
  indexGraph,
  markCancelled,
  markStarted,
  nodeInput,
  orderedNodes,
  readyNodeIds,
  recordFailure,
  recordSuccess,
  runOutput,
  skipRemaining,
} from '../flow/graph';
import type { RunState } from '../flow/contracts';
import { applyRerunSeeds } from '../flow/rerun';
import {
  EntryProposal,
  FAILED_NODE_MEMO,
  NODE_FAILED,
  RUN_EVENT_SIGNAL,
  RUN_STATE_QUERY,
  RunEvent,
  RunFailureDetails,
  RunRequest,
  RunSnapshot,
} from '../flow/run';
import type { FlowDefinition } from '../flow/schema';
import { chainFrom, fusableNodes, PLAN_ENTRY_BUDGET_MS, PLAN_TIMEOUT_MS } from '../flow/chains';
import { recordBytes } from '../flow/inline';
import { runFusedChain } from './fusedChain';
import { ACTIVITY_TIMEOUT_MARGIN_MS, runNode } from './nodes';
import { startErrorHandlerOf } from './errorHandler';
import { runClosed, runStarted } from './runMetrics';

export const runStateQuery = defineQuery<RunSnapshot>(RUN_STATE_QUERY);
export const runEventSignal = defineSignal<[RunEvent]>(RUN_EVENT_SIGNAL);

/** Continue as new past this many history events (Temporal's hard limit is 51,200; it suggests ~4–10K). */
export const CONTINUE_AS_NEW_EVENTS = 2_000;

const { loadFlow } = proxyActivities<NectarActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 10, initialInterval: '200ms' },
  summary: 'load flow definition',
});

/** Marks runs that load their plan with a local activity (one task-queue round trip fewer per run). */
export const LOCAL_PLAN_PATCH = 'nectar-local-run-plan';

// Reading an immutable definition has no effect, so doing it again after a crash is harmless.
const planOptions = { retry: { maximumAttempts: 10, initialInterval: 200 }, summary: 'load flow definition' };
const { planRun } = proxyLocalActivities<NectarActivities>({ ...planOptions, startToCloseTimeout: PLAN_TIMEOUT_MS });

/**
 * The plan of a fresh run whose starter proposed its entry chain: run along when its nodes are light (they reach
 * nothing outside their isolates, so that is harmless after a crash too), which may take their time limits on top.
 */
function planWithEntry(entry: EntryProposal) {
  return proxyLocalActivities<NectarActivities>({
    ...planOptions,
    summary: `${planOptions.summary}, then ${entry.summary} when light`,
    startToCloseTimeout: PLAN_TIMEOUT_MS + PLAN_ENTRY_BUDGET_MS + ACTIVITY_TIMEOUT_MARGIN_MS,
  }).planRun;
}

function snapshot(
  definition: FlowDefinition | undefined,
  state: RunState | undefined,
  done: boolean,
  continuations: number,
): RunSnapshot {
  if (!definition || !state) return { v: 1, status: 'running', output: null, nodes: [], continuations };
  const cancelled = Object.values(state.nodes).some((node) => node.status === 'cancelled');
  const status = state.failure ? 'failed' : cancelled ? 'cancelled' : done ? 'completed' : 'running';
  const output = done && !state.failure ? runOutput(indexGraph(definition), state) : null;
  return { v: 1, status, output, error: state.failure, nodes: orderedNodes(state), edges: state.edges, continuations };
}

/** Marks runs that name their failed node in the memo, so run lists show it without reading the run. */
export const FAILED_NODE_MEMO_PATCH = 'nectar-failed-node-memo';

/** When the node's outcome was recorded; a wait, delay or subflow takes its duration from it (code nodes, the sandbox's). */
function noteEnded(state: RunState, nodeId: string): void {
  const record = state.nodes[nodeId];
  const endedAt = new Date();
  record.endedAt = endedAt.toISOString();
  if (record.durationMs === undefined && record.startedAt) {
    record.durationMs = endedAt.getTime() - new Date(record.startedAt).getTime();
  }
}

/** A node of a fused chain ended when its own part of the chain's activity did: its start plus its sandbox time. */
function noteChainNodeEnded(state: RunState, nodeId: string): void {
  const record = state.nodes[nodeId];
  if (record.status === 'pending' || record.status === 'running' || !record.startedAt) return;
  const startedMs = Date.parse(record.startedAt);
  record.endedAt = new Date(startedMs + (record.durationMs ?? 0)).toISOString();
}

function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > CONTINUE_AS_NEW_EVENTS;
}

export async function interpreterWorkflow(request: RunRequest): Promise<RunSnapshot> {
  let definition: FlowDefinition | undefined;
  let state: RunState | undefined = request.carryOver?.state;
  let done = false;
  const continuations = request.carryOver?.continuations ?? 0;
  runStarted(request);
  const events: RunEvent[] = [...(request.carryOver?.events ?? [])];
  setHandler(runStateQuery, () => snapshot(definition, state, done, continuations));
  // A bus event is delivered again when its sender retries: the run takes each event id once.
  const seenEventIds = new Set<string>();
  setHandler(runEventSignal, (event) => {
    if (event.id !== undefined) {
      if (seenEventIds.has(event.id)) return;
      if (seenEventIds.size >= 1_000) seenEventIds.delete(seenEventIds.values().next().value!);
      seenEventIds.add(event.id);
    }
    events.push(event);
  });

  const flowRef = { flowId: request.flowId, version: request.flowVersion, draft: request.draft };
  // Runs recorded before the plan existed replay the way they ran: loaded by a regular activity, every node remote.
  const { entry } = request;
  const plan: RunPlan = !patched(LOCAL_PLAN_PATCH)
    ? { definition: await loadFlow(flowRef), lightNodes: [] }
    : entry && !state && !request.rerunOf
      ? await planWithEntry(entry)({
          ...flowRef,
          entry: {
            flowId: request.flowId,
            flowVersion: request.flowVersion,
            draft: request.draft,
            trigger: request.trigger,
            localActivities: request.localActivities,
            proposed: entry.nodeIds,
          },
        })
      : await planRun(flowRef);
  definition = plan.definition;
  const graph = indexGraph(definition);
  if (!state) {
    state = createRunState(definition);
    const rerun = request.rerunOf;
    if (rerun?.seeds) applyRerunSeeds(graph, state, rerun.seeds, rerun.runId);
  }
  const run = state;
  const inlineBytes = new Map(run.started.map((id) => [id, recordBytes(run.nodes[id])]));
  const scope = {
    request,
    state: run,
    events,
    localActivities: definition.execution?.localActivities,
    lightNodes: new Set(plan.lightNodes),
    inlineBytes,
  };

  const fusable = plan.fuseChains
    ? fusableNodes(definition, { lightNodes: scope.lightNodes, localActivities: request.localActivities })
    : new Set<string>();
  let ranAhead = plan.entryChain;
  const executeNode = async (nodeId: string): Promise<void> => {
    const chain = chainFrom(graph, nodeId, fusable);
    const ran = ranAhead?.nodes[0]?.nodeId === nodeId ? ranAhead : undefined;
    ranAhead = undefined;
    if (chain.length > 1 || ran) {
      await runFusedChain(graph, chain, scope, ran);
      for (const id of chain) noteChainNodeEnded(run, id);
      return;
    }
    const node = graph.nodes.get(nodeId)!;
    const input = nodeInput(graph, run, nodeId, request.trigger);
    markStarted(run, nodeId, new Date().toISOString());
    const outcome = await runNode(node, input, scope);
    // Every kind's output counts toward the inline budget: a subflow's or a wait's travels in later inputs too.
    inlineBytes.set(
      nodeId,
      recordBytes({ output: outcome.ok ? outcome.output : undefined, logs: outcome.details?.logs }),
    );
    if (outcome.ok) recordSuccess(graph, run, nodeId, outcome.output, outcome.details, outcome.onlyPath);
    else recordFailure(graph, run, nodeId, outcome.error, outcome.details);
    noteEnded(run, nodeId);
  };

  const inFlight = new Map<string, Promise<void>>();
  let draining = false;
  try {
    for (;;) {
      draining ||= historyIsLong();
      if (!draining) {
        for (const nodeId of readyNodeIds(graph, run)) {
          inFlight.set(
            nodeId,
            executeNode(nodeId).finally(() => inFlight.delete(nodeId)),
          );
        }
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight.values());
    }
  } catch (error) {
    // Only cancellation escapes a node: the run closes as cancelled, with the nodes it stopped marked so.
    if (isCancellation(error)) {
      markCancelled(run);
      runClosed(request, 'cancelled');
    }
    done = true;
    throw error;
  }
  if (draining && !run.failure && readyNodeIds(graph, run).length > 0) {
    await continueAsNew<typeof interpreterWorkflow>({
      ...request,
      carryOver: {
        v: 1,
        state: run,
        events,
        continuations: continuations + 1,
        startedAt: request.carryOver?.startedAt ?? workflowInfo().startTime.toISOString(),
      },
    });
  }
  skipRemaining(run);
  done = true;

  runClosed(request, run.failure ? 'failed' : 'completed', run.failure);
  if (run.failure) {
    if (patched(FAILED_NODE_MEMO_PATCH)) upsertMemo({ [FAILED_NODE_MEMO]: run.failure.nodeId });
    await startErrorHandlerOf(request, plan.definition, run.failure);
    const details: RunFailureDetails = { nodes: orderedNodes(run), error: run.failure, edges: run.edges };
    throw ApplicationFailure.create({
      type: NODE_FAILED,
      message: `node "${run.failure.nodeId}" failed: ${run.failure.message}`,
      nonRetryable: true,
      details: [details],
    });
  }
  return snapshot(definition, run, true, continuations);
}
