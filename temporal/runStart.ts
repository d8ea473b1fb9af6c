/**
 * The run ids that need hashing or randomness (their format is flow/ids.ts's) and the one way a run of the interpreter
 * starts, for the gateway (API, webhooks, pushed events) and the worker (trigger listeners) alike.
 */
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { runIdOf } from '../flow/ids';
import { ERROR_TRIGGER } from '../flow/errorHandler';
import { ERROR_OF_MEMO, INTERPRETER_WORKFLOW, RERUN_OF_MEMO, RunRequest } from '../flow/run';
import { runSearchAttributes } from './searchAttributes';

export function newRunId(flowId: string): string {
  return runIdOf(flowId, crypto.randomUUID().replace(/-/g, ''));
}

/** One key, one run ID: the same key for the same flow of the same workspace always names the same workflow. */
export function idempotentRunId(workspace: string, flowId: string, key: string): string {
  const digest = crypto.createHash('sha256').update(`${workspace}\0${flowId}\0${key}`).digest('hex');
  return runIdOf(flowId, digest.slice(0, 32));
}

/**
 * The run of one event of one trigger, named after the source's own identity of the event (outbox event id, webhook
 * id, notification id, bucket + key + version + sequencer, bus event id): a redelivery names the same workflow, which
 * Temporal refuses to start twice. Kept apart from Idempotency-Key runs by the `trigger:` prefix.
 */
export function eventRunId(workspace: string, flowId: string, triggerId: string, eventKey: string): string {
  return idempotentRunId(workspace, flowId, `trigger:${triggerId}\0${eventKey}`);
}

/**
 * The one error handler run of a failed run: a retried or replayed start names the same workflow, which Temporal
 * refuses to start twice. The NUL keeps it apart from Idempotency-Keys (visible ASCII) and trigger events.
 */
export function errorHandlerRunId(workspace: string, handlerFlowId: string, failedRunId: string): string {
  return idempotentRunId(workspace, handlerFlowId, `error\0${failedRunId}`);
}

export interface RunStart {
  workspace: string;
  runId: string;
  request: RunRequest;
  /** A second start with this id (open or closed) is refused and answered as not started: redeliveries, Idempotency-Keys. */
  exact: boolean;
  /**
   * Ask for eager start: the client's native connection hands the first workflow task to a worker of the task queue in
   * this process when one has a free slot (else the request goes out as a normal start), and the server returns that
   * task in its answer instead of queueing it. A server that does not do eager start starts the run normally.
   */
  eager?: boolean;
}

/**
 * What run views and lists read of a run without its history: where a rerun came from (the seeds stay in the request
 * only), and which failed run an error handler run handles.
 */
function runMemo(request: RunRequest): Record<string, unknown> | undefined {
  const memo: Record<string, unknown> = {};
  if (request.rerunOf) memo[RERUN_OF_MEMO] = { runId: request.rerunOf.runId, fromNode: request.rerunOf.fromNode };
  if (request.trigger.type === ERROR_TRIGGER && request.trigger.source) memo[ERROR_OF_MEMO] = request.trigger.source;
  return Object.keys(memo).length > 0 ? memo : undefined;
}

/**
 * Where a run's trigger payload goes when it is too large to travel in Temporal's payloads (store/outputs.ts): it
 * answers the payload itself when small, else a reference to it, and refuses one past RUN_PAYLOAD_MAX_BYTES
 * (PayloadTooLargeError).
 */
export interface TriggerPayloadKeeper {
  keepTriggerPayload(payload: unknown, runId: string): Promise<unknown>;
}

/**
 * Starts the interpreter workflow; `started` is false when an exact id already named a run. The trigger payload goes
 * through `payloads` first: no start, whoever makes it, carries a payload Temporal would refuse, or accept at the start
 * and then refuse in the first node's activity, which carries it twice (the run would be lost).
 */
export async function startInterpreterRun(
  client: Client,
  taskQueue: string,
  start: RunStart,
  payloads: TriggerPayloadKeeper,
): Promise<{ runId: string; started: boolean; eagerlyStarted?: boolean }> {
  const { runId } = start;
  const payload = await payloads.keepTriggerPayload(start.request.trigger.payload, runId);
  const request: RunRequest =
    payload === start.request.trigger.payload
      ? start.request
      : { ...start.request, trigger: { ...start.request.trigger, payload } };
  try {
    const handle = await client.workflow.start(INTERPRETER_WORKFLOW, {
      taskQueue,
      workflowId: runId,
      args: [request],
      workflowIdReusePolicy: start.exact ? 'REJECT_DUPLICATE' : undefined,
      requestEagerStart: start.eager,
      memo: runMemo(request),
      typedSearchAttributes: runSearchAttributes({
        flowId: request.flowId,
        flowVersion: request.flowVersion,
        draft: request.draft,
        trigger: request.trigger.type,
        workspace: start.workspace,
      }),
    });
    return { runId, started: true, eagerlyStarted: handle.eagerlyStarted };
  } catch (error) {
    if (start.exact && error instanceof WorkflowExecutionAlreadyStartedError) return { runId, started: false };
    throw error;
  }
}
