/**
 * The one workflow that runs every flow: it loads the pinned definition through an activity, then drives the
 * pure graph functions, running each ready code node as an activity. Deterministic: no I/O, no clocks but Temporal's.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  defineQuery,
  proxyActivities,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { NectarActivities, RunCodeFailureDetails } from '../activities';
import {
  completedSteps,
  createRunState,
  markStarted,
  NodeError,
  nodeInput,
  orderedNodes,
  readyNodeIds,
  recordFailure,
  recordSuccess,
  runOutput,
  RunState,
} from '../flow/graph';
import { RUN_STATE_QUERY, RunFailureDetails, RunRequest, RunSnapshot } from '../flow/run';
import type { CodeNode, FlowDefinition } from '../flow/schema';
import { NODE_LIMITS } from '../flow/limits';

export const runStateQuery = defineQuery<RunSnapshot>(RUN_STATE_QUERY);

const { loadFlow } = proxyActivities<NectarActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 10, initialInterval: '200ms' },
  summary: 'load flow definition',
});

/** Room above the node's own time limit for the sandbox to report the breach before Temporal gives up on it. */
const ACTIVITY_TIMEOUT_MARGIN_MS = 5_000;

function codeActivity(node: CodeNode) {
  const timeoutMs = (node.timeoutMs ?? NODE_LIMITS.timeoutMs.default) + ACTIVITY_TIMEOUT_MARGIN_MS;
  return proxyActivities<NectarActivities>({
    startToCloseTimeout: timeoutMs,
    summary: node.name ? `${node.id}: ${node.name}` : node.id,
    retry: {
      maximumAttempts: node.retry?.maximumAttempts ?? NODE_LIMITS.maximumAttempts.default,
      initialInterval: node.retry?.initialIntervalMs ?? 1_000,
      backoffCoefficient: node.retry?.backoffCoefficient ?? 2,
      maximumInterval: node.retry?.maximumIntervalMs ?? 60_000,
    },
  }).runCode;
}

function nodeErrorFrom(nodeId: string, failure: unknown): { error: NodeError; details?: RunCodeFailureDetails } {
  const cause = failure instanceof ActivityFailure ? failure.cause : failure;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as RunCodeFailureDetails | undefined;
    const error = details?.error ?? { name: cause.type ?? 'Error', message: cause.message };
    return { error: { ...error, type: cause.type ?? undefined, nodeId }, details };
  }
  if (cause instanceof TimeoutFailure) {
    return { error: { name: 'TimeoutError', type: 'TimeoutError', message: `the node did not finish in time (${cause.timeoutType})`, nodeId } };
  }
  const error = cause as Error;
  return { error: { name: error?.name ?? 'Error', message: error?.message ?? String(cause), nodeId } };
}

function snapshot(definition: FlowDefinition | undefined, state: RunState | undefined, done: boolean): RunSnapshot {
  if (!definition || !state) return { v: 1, status: 'running', output: null, nodes: [] };
  const status = state.failure ? 'failed' : done ? 'completed' : 'running';
  return { v: 1, status, output: done && !state.failure ? runOutput(definition, state) : null, error: state.failure, nodes: orderedNodes(state) };
}

export async function interpreterWorkflow(request: RunRequest): Promise<RunSnapshot> {
  let definition: FlowDefinition | undefined;
  let state: RunState | undefined;
  let done = false;
  setHandler(runStateQuery, () => snapshot(definition, state, done));

  definition = await loadFlow({ flowId: request.flowId, version: request.flowVersion });
  const flow = definition;
  const run = (state = createRunState(flow));
  const nodesById = new Map(flow.nodes.map((node) => [node.id, node]));

  const executeNode = async (nodeId: string): Promise<void> => {
    const node = nodesById.get(nodeId)!;
    const input = nodeInput(flow, run, nodeId, request.trigger.payload);
    markStarted(run, nodeId, new Date().toISOString());
    try {
      const result = await codeActivity(node)({
        v: 1,
        flowId: request.flowId,
        flowVersion: request.flowVersion,
        nodeId,
        input,
        trigger: request.trigger,
        steps: completedSteps(run),
      });
      recordSuccess(flow, run, nodeId, result.output, {
        attempt: result.attempt,
        durationMs: result.durationMs,
        memoryBytes: result.memoryBytes,
        logs: result.logs,
      });
    } catch (failure) {
      const { error, details } = nodeErrorFrom(nodeId, failure);
      recordFailure(flow, run, nodeId, error, {
        attempt: details?.attempt,
        durationMs: details?.durationMs,
        memoryBytes: details?.memoryBytes,
        logs: details?.logs,
      });
    }
  };

  const inFlight = new Map<string, Promise<void>>();
  for (;;) {
    for (const nodeId of readyNodeIds(flow, run)) {
      inFlight.set(
        nodeId,
        executeNode(nodeId).finally(() => inFlight.delete(nodeId)),
      );
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight.values());
  }
  done = true;

  if (run.failure) {
    const details: RunFailureDetails = { nodes: orderedNodes(run), error: run.failure };
    throw ApplicationFailure.create({
      type: 'NodeFailed',
      message: `node "${run.failure.nodeId}" failed: ${run.failure.message}`,
      nonRetryable: true,
      details: [details],
    });
  }
  return snapshot(flow, run, true);
}
