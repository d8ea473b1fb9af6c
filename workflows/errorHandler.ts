/**
 * A failed run starts its error handler flow: the workflow only decides (flow/errorHandler.ts); an activity starts the
 * handler run (activities/errorHandler.ts), under an id derived from this run's, so however often this part runs
 * again (a retried activity, a replayed or reset history) the handler runs once. What came of it goes in the memo.
 */
import {
  ActivityFailure,
  CancellationScope,
  log,
  patched,
  proxyActivities,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { ErrorHandlerActivities } from '../activities/errorHandler';
import type { NodeError } from '../flow/contracts';
import { ErrorHandlerOutcome, mayStartErrorHandler } from '../flow/errorHandler';
import { ERROR_HANDLER_MEMO, RunRequest } from '../flow/run';
import type { FlowDefinition } from '../flow/schema';
import { readRunSearchAttributes } from '../temporal/searchAttributes';

/** Marks runs that start an error handler when they fail: runs recorded before it fail as they did. */
export const ERROR_HANDLER_PATCH = 'nectar-error-handler';

// Bounded: a handler that cannot be started (Temporal or the store away for minutes) leaves the run failed, with the
// reason in its memo, rather than a run that never closes.
const { startErrorHandler } = proxyActivities<ErrorHandlerActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 6, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' },
  summary: 'start the error handler flow',
});

export async function startErrorHandlerOf(
  request: RunRequest,
  definition: FlowDefinition,
  failure: NodeError,
): Promise<void> {
  if (!mayStartErrorHandler(request, definition.errorHandler) || !patched(ERROR_HANDLER_PATCH)) return;
  const info = workflowInfo();
  let outcome: ErrorHandlerOutcome;
  try {
    // The run is failing whatever happens here: a cancel arriving meanwhile must not turn it into a cancelled run.
    outcome = await CancellationScope.nonCancellable(() =>
      startErrorHandler({
        v: 1,
        runId: info.workflowId,
        flowId: request.flowId,
        flowVersion: request.flowVersion,
        workspace: readRunSearchAttributes(info.typedSearchAttributes).workspace,
        trigger: request.trigger,
        failure,
        setting: definition.errorHandler || undefined,
      }),
    );
  } catch (error) {
    const cause = error instanceof ActivityFailure ? (error.cause ?? error) : (error as Error);
    outcome = { flowId: definition.errorHandler ? definition.errorHandler.flowId : undefined, problem: cause.message };
  }
  if (outcome.problem) log.warn('error handler not started', { problem: outcome.problem, handler: outcome.flowId });
  if (outcome.flowId || outcome.problem) upsertMemo({ [ERROR_HANDLER_MEMO]: outcome });
}
