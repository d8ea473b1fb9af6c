import { ApplicationFailure } from '@temporalio/activity';
import { errorPolicy, NodeErrorType } from '../flow/errors';

/**
 * An activity's failure, typed with the node error kind: whether Temporal may run it again is the policy's decision
 * (flow/errors.ts), and never once the node has used its own attempts.
 */
export function nodeFailure(
  type: NodeErrorType,
  message: string,
  options: { lastAttempt?: boolean; details?: unknown } = {},
): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: !errorPolicy(type).retry || options.lastAttempt === true,
    details: options.details === undefined ? undefined : [options.details],
  });
}
