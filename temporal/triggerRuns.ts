import type { Client } from '@temporalio/client';
import { checkPayloadShape, PayloadTooLargeError, runPayloadJson } from '../common/payloadShape';
import type { SourceKind } from '../flow/eventTriggers';
import { eventRunId, startInterpreterRun, TriggerPayloadKeeper } from './runStart';

/** One event of a source, as a trigger hands it to its run. */
export interface TriggerEvent {
  /** The source's own identity of the event (what a redelivery repeats): the run id derives from it. */
  key: string;
  /** Where it came from, for `context.trigger.source`: a table, a bucket, a sender. */
  source: string;
  /** `context.trigger.payload`, in the source's own field names. */
  payload: unknown;
}

export interface TriggerTarget {
  workspace: string;
  flowId: string;
  flowVersion: number;
  triggerId: string;
  kind: SourceKind;
}

/**
 * An event whose payload passes the payload limits (PAYLOAD_LIMITS) or a run's payload size limit (RUN_PAYLOAD_MAX_BYTES):
 * it starts no run; the message says why.
 */
export class RejectedEvent extends Error {
  override name = 'RejectedEvent';
}

/** Why an event's payload cannot start a run (nested too deep, too many keys, too large), or undefined when it can. */
export function eventPayloadProblem(payload: unknown): string | undefined {
  const violation = checkPayloadShape(payload, 'trigger.payload');
  if (violation) return `${violation.path} is ${violation.message}`;
  try {
    // Within the shape limits, so JSON.stringify cannot overflow the stack.
    runPayloadJson(payload, 'trigger.payload');
  } catch (error) {
    if (error instanceof PayloadTooLargeError) return error.message;
    throw error;
  }
  return undefined;
}

/**
 * Starts the one run of `event` for the trigger; `started` is false when a delivery before this one started it. An
 * event nested too deep, with too many keys or too large is refused (RejectedEvent) before anything recurses over it
 * or Temporal refuses it (which it would again on every try, holding the trigger on that event).
 */
export async function startTriggerRun(
  client: Client,
  taskQueue: string,
  target: TriggerTarget,
  event: TriggerEvent,
  payloads: TriggerPayloadKeeper,
): Promise<{ runId: string; started: boolean }> {
  const problem = eventPayloadProblem(event.payload);
  if (problem) throw new RejectedEvent(`event ${event.key} from ${event.source}: ${problem}`);
  return startInterpreterRun(
    client,
    taskQueue,
    {
      workspace: target.workspace,
      runId: eventRunId(target.workspace, target.flowId, target.triggerId, event.key),
      exact: true,
      request: {
        v: 1,
        flowId: target.flowId,
        flowVersion: target.flowVersion,
        trigger: { type: target.kind, source: event.source, payload: event.payload },
      },
    },
    payloads,
  );
}
