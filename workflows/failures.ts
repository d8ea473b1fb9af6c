/** Turns what a node's activity or child run threw into a NodeError: by failure type and data, never by realm. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TimeoutFailure } from '@temporalio/workflow';
import type { RunCodeFailureDetails } from '../activities';
import type { NodeError } from '../flow/contracts';
import { nodeErrorTypeOf } from '../flow/errors';
import { NODE_FAILED, RunFailureDetails } from '../flow/run';

export function nodeErrorFrom(nodeId: string, failure: unknown): { error: NodeError; details?: RunCodeFailureDetails } {
  if (failure instanceof ChildWorkflowFailure) {
    const cause = failure.cause;
    if (cause instanceof ApplicationFailure && cause.type === NODE_FAILED) {
      const child = (cause.details?.[0] as RunFailureDetails | undefined)?.error;
      if (child)
        return {
          error: {
            ...child,
            name: 'SubflowError',
            type: 'SubflowError',
            message: `subflow node "${child.nodeId}" failed: ${child.message}`,
            nodeId,
          },
        };
    }
    return {
      error: { name: 'SubflowError', type: 'SubflowError', message: cause?.message ?? failure.message, nodeId },
    };
  }
  const cause = failure instanceof ActivityFailure ? failure.cause : failure;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as RunCodeFailureDetails | undefined;
    const error = details?.error ?? { name: cause.type ?? 'Error', message: cause.message };
    return { error: { ...error, type: nodeErrorTypeOf(cause.type), nodeId }, details };
  }
  if (cause instanceof TimeoutFailure) {
    return {
      error: {
        name: 'TimeoutError',
        type: 'TimeoutError',
        message: `the node did not finish in time (${cause.timeoutType})`,
        nodeId,
      },
    };
  }
  const error = cause as Error;
  return {
    error: { name: error?.name ?? 'Error', message: error?.message ?? String(cause), nodeId, type: 'InternalError' },
  };
}
