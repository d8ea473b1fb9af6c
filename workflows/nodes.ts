/** How each kind of node runs inside the interpreter workflow. Deterministic: Temporal timers, activities, children. */
import {
  condition,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { NectarActivities, RunCodeResult } from '../activities';
import type { EmitActivities } from '../activities/triggers/emit';
import type { NodeError, RunState } from '../flow/contracts';
import type { NodeOutcomeDetails } from '../flow/graph';
import { completedSteps, resolveInputMapping, TIMEOUT_PATH } from '../flow/graph';
import { eventFits, WaitingSpec, WAITS_MEMO } from '../flow/correlation';
import { inlineLimit } from '../flow/inline';
import { NODE_LIMITS } from '../flow/limits';
import type { RunEvent, RunRequest, RunSnapshot } from '../flow/run';
import { INTERPRETER_WORKFLOW, isOutputRef } from '../flow/run';
import type { CodeNode, FlowNode, SubflowNode, WaitNode } from '../flow/schema';
import { runIdOf } from '../flow/ids';
import { summaryOf } from '../flow/chains';
import { readRunSearchAttributes, runSearchAttributes, WAITING_FOR } from '../temporal/searchAttributes';
import { nodeErrorFrom } from './failures';

export type NodeOutcome =
  | { ok: true; output: unknown; details?: NodeOutcomeDetails; onlyPath?: string }
  | { ok: false; error: NodeError; details?: NodeOutcomeDetails };

export interface NodeScope {
  request: RunRequest;
  state: RunState;
  /** Events signalled to the run and not yet consumed, oldest first. */
  events: RunEvent[];
  /** The flow's own choice (definition.execution); a run request may override it. Unset: the light nodes only. */
  localActivities?: boolean;
  /** Light code nodes that cannot affect anything outside their isolate (RunPlan): by default, local activities. */
  lightNodes: ReadonlySet<string>;
  /** JSON size of each node's latest output as kept in the run's history (references count as small). */
  inlineBytes: Map<string, number>;
  /** Wait nodes with a correlation key now waiting, as announced for the event bus. */
  waiting?: Map<string, WaitingSpec>;
}

/** Room above the node's own time limit for the sandbox to report the breach before Temporal gives up on it. */
export const ACTIVITY_TIMEOUT_MARGIN_MS = 5_000;
/** Attempts added to the user's for infrastructure failures (a worker dying mid-node); user errors never use them. */
export const INFRA_EXTRA_ATTEMPTS = 2;
/** A worker that died mid-node is noticed after this long without a heartbeat, and the node is retried. */
const HEARTBEAT_TIMEOUT_MS = 4_000;
/** Subflows nest at most this deep, so flows calling each other cannot recurse forever. */
export const MAX_SUBFLOW_DEPTH = 8;
/**
 * Code nodes with a time limit up to this may run as local activities when the run asks for it: the default limit,
 * so ordinary nodes qualify and nodes declared long-running keep their heartbeats and prompt cancellation.
 */
const LOCAL_ACTIVITY_MAX_TIMEOUT_MS = NODE_LIMITS.timeoutMs.default;

const { resolveFlowVersion } = proxyActivities<NectarActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 10, initialInterval: '200ms' },
  summary: 'resolve subflow version',
});

/** A code node's activity retries: the user's attempts, and a few more for a worker dying mid-node. */
export function retryOf(node: CodeNode) {
  return {
    maximumAttempts: (node.retry?.maximumAttempts ?? NODE_LIMITS.maximumAttempts.default) + INFRA_EXTRA_ATTEMPTS,
    initialInterval: node.retry?.initialIntervalMs ?? 1_000,
    backoffCoefficient: node.retry?.backoffCoefficient ?? 2,
    maximumInterval: node.retry?.maximumIntervalMs ?? 60_000,
  };
}

function codeActivity(node: CodeNode, local: boolean, activityId: string) {
  const timeoutMs = (node.timeoutMs ?? NODE_LIMITS.timeoutMs.default) + ACTIVITY_TIMEOUT_MARGIN_MS;
  const retry = retryOf(node);
  const summary = summaryOf(node);
  if (local && timeoutMs - ACTIVITY_TIMEOUT_MARGIN_MS <= LOCAL_ACTIVITY_MAX_TIMEOUT_MS) {
    return proxyLocalActivities<NectarActivities>({ startToCloseTimeout: timeoutMs, retry, summary }).runCode;
  }
  // The ID names the node, so the gateway can show a running node's attempt from Temporal's pending activities.
  return proxyActivities<NectarActivities>({
    activityId,
    startToCloseTimeout: timeoutMs,
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    retry,
    summary,
  }).runCode;
}

export function detailsOf(
  result: Pick<RunCodeResult, 'attempt' | 'durationMs' | 'memoryBytes' | 'logs'> | undefined,
): NodeOutcomeDetails {
  if (!result) return {};
  return { attempt: result.attempt, durationMs: result.durationMs, memoryBytes: result.memoryBytes, logs: result.logs };
}

async function runCodeNode(node: CodeNode, input: unknown, scope: NodeScope): Promise<NodeOutcome> {
  const { request } = scope;
  try {
    const activityId = `${node.id}.${scope.state.nodes[node.id].runs ?? 1}`;
    const local = request.localActivities ?? scope.localActivities ?? scope.lightNodes.has(node.id);
    const result = await codeActivity(
      node,
      local,
      activityId,
    )({
      v: 1,
      flowId: request.flowId,
      flowVersion: request.flowVersion,
      draft: request.draft,
      nodeId: node.id,
      input,
      trigger: request.trigger,
      steps: completedSteps(scope.state),
      inlineLimitBytes: inlineLimit(scope.inlineBytes),
      execution: scope.state.nodes[node.id].runs ?? 1,
    });
    if (result.emitted?.length) await publishEmitted(request, activityId, result.emitted);
    return { ok: true, output: result.output, details: detailsOf(result) };
  } catch (failure) {
    if (isCancellation(failure)) throw failure;
    const { error, details } = nodeErrorFrom(node.id, failure);
    return { ok: false, error, details: detailsOf(details) };
  }
}

const emitActivities = proxyActivities<EmitActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10 },
  summary: 'context.emit',
});

/**
 * Publishes what a code node emitted, once it has succeeded, each event named after this execution of the node
 * (`activityId`: node id and run count), so a retry repeats nothing.
 */
export async function publishEmitted(
  request: RunRequest,
  activityId: string,
  emitted: NonNullable<RunCodeResult['emitted']>,
): Promise<void> {
  const events = emitted.map((event, index) => ({
    ...event,
    id: `emit:${workflowInfo().workflowId}:${activityId}:${index}`,
  }));
  await emitActivities.emitEvents({ v: 1, flowId: request.flowId, events });
}

/**
 * Tells the event bus which events this run's correlated waits take: their types in a search attribute (how the bus
 * finds the run), their keys in the memo (how it decides). Only runs with a `match` wait ever do this.
 */
function announceWaiting(waiting: Map<string, WaitingSpec>): void {
  const specs = [...waiting.values()];
  upsertSearchAttributes([
    { key: WAITING_FOR, value: specs.length > 0 ? [...new Set(specs.map((spec) => spec.event))] : null },
  ]);
  upsertMemo({ [WAITS_MEMO]: specs });
}

/** Marks runs that read a correlation key inside a stored payload (before, the reference itself was the key). */
export const STORED_MATCH_KEY_PATCH = 'nectar-stored-match-key';

const { readMatchKey } = proxyLocalActivities<NectarActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 10, initialInterval: '200ms' },
  summary: 'read correlation key',
});

/**
 * A wait's correlation key: a literal, or read from the trigger or earlier steps. Answered synchronously unless it lies
 * in a stored payload (then read from the store): a wait announces itself in the same turn as the nodes started beside
 * it, so the commands of runs recorded before keep their order.
 */
function matchKey(equals: NonNullable<WaitNode['match']>['equals'], scope: NodeScope): unknown {
  if (typeof equals !== 'object' || equals === null) return equals;
  const key = resolveInputMapping(equals, { trigger: scope.request.trigger, steps: completedSteps(scope.state) });
  // Only a key inside a stored payload asks the patch, so histories of every other wait replay as they ran.
  return isOutputRef(key) && patched(STORED_MATCH_KEY_PATCH) ? readMatchKey(key) : key;
}

async function runWaitNode(node: WaitNode, scope: NodeScope): Promise<NodeOutcome> {
  const match = node.match;
  const spec: WaitingSpec | undefined = match && {
    nodeId: node.id,
    event: node.event,
    path: match.path,
    equals: matchKey(match.equals, scope),
  };
  if (spec?.equals instanceof Promise) spec.equals = await spec.equals;
  // A payload stored by reference cannot be read here; the bus delivered it because it matched.
  const fits = (event: RunEvent) =>
    event.event === node.event &&
    (!spec || isOutputRef(event.payload) || eventFits([spec], event.event, event.payload));
  const arrived = () => scope.events.findIndex(fits);
  const waiting = (scope.waiting ??= new Map<string, WaitingSpec>());
  if (spec) {
    waiting.set(node.id, spec);
    announceWaiting(waiting);
  }
  let received: boolean;
  try {
    received = await condition(() => arrived() >= 0, node.timeoutMs);
  } finally {
    if (spec && waiting.delete(node.id)) announceWaiting(waiting);
  }
  if (received) {
    const [event] = scope.events.splice(arrived(), 1);
    return { ok: true, output: { event: event.event, payload: event.payload ?? null } };
  }
  const timedOut = { event: node.event, timedOut: true, nextPath: TIMEOUT_PATH };
  return { ok: true, output: timedOut, onlyPath: TIMEOUT_PATH };
}

async function runSubflowNode(node: SubflowNode, input: unknown, scope: NodeScope): Promise<NodeOutcome> {
  const depth = (scope.request.depth ?? 0) + 1;
  if (depth > MAX_SUBFLOW_DEPTH) {
    return {
      ok: false,
      error: {
        name: 'SubflowError',
        type: 'SubflowError',
        message: `subflows nest deeper than ${MAX_SUBFLOW_DEPTH} levels`,
        nodeId: node.id,
      },
    };
  }
  try {
    const info = workflowInfo();
    const { workspace } = readRunSearchAttributes(info.typedSearchAttributes);
    const flowVersion = await resolveFlowVersion({ flowId: node.flowId, version: node.version, workspace });
    // A run ID like any other (uuid4 is deterministic in a workflow), so the API reads the child run too.
    const childRunId = runIdOf(node.flowId, uuid4().replace(/-/g, ''));
    scope.state.nodes[node.id].childRunId = childRunId;
    const child: RunRequest = {
      v: 1,
      flowId: node.flowId,
      flowVersion,
      trigger: { type: 'subflow', source: `${scope.request.flowId}/${node.id}`, payload: input },
      depth,
      localActivities: scope.request.localActivities,
    };
    const snapshot = await executeChild<(request: RunRequest) => Promise<RunSnapshot>>(INTERPRETER_WORKFLOW, {
      workflowId: childRunId,
      args: [child],
      staticSummary: summaryOf(node),
      typedSearchAttributes: runSearchAttributes({ flowId: node.flowId, flowVersion, trigger: 'subflow', workspace }),
    });
    return { ok: true, output: snapshot.output };
  } catch (failure) {
    if (isCancellation(failure)) throw failure;
    return { ok: false, error: nodeErrorFrom(node.id, failure).error };
  }
}

/** Runs one node to its outcome. Cancellation of the run is not an outcome: it propagates. */
export async function runNode(node: FlowNode, input: unknown, scope: NodeScope): Promise<NodeOutcome> {
  switch (node.type) {
    case 'code':
      return runCodeNode(node, input, scope);
    case 'delay':
      await sleep(node.durationMs, { summary: summaryOf(node) });
      return { ok: true, output: input };
    case 'wait':
      return runWaitNode(node, scope);
    case 'subflow':
      return runSubflowNode(node, input, scope);
    default:
      return assertNever(node);
  }
}

function assertNever(value: never): never {
  throw new Error(`unknown node kind: ${JSON.stringify(value)}`);
}
