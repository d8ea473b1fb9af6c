/**
 * Starts a failed run's error handler flow: the I/O behind the interpreter's decision (workflows/errorHandler.ts).
 * The handler run's id derives from the failed run's, so a retried activity or a replayed workflow starts nothing twice.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { checkPayloadShape } from '../common/payloadShape';
import type { NodeError } from '../flow/contracts';
import { ERROR_TRIGGER, errorHandlerInput, ErrorHandlerOutcome } from '../flow/errorHandler';
import type { TriggerInfo } from '../flow/run';
import type { ErrorHandlerSetting } from '../flow/schema';
import { errorHandlerRunId, RunStart, startInterpreterRun, TriggerPayloadKeeper } from '../temporal/runStart';

export interface StartErrorHandlerRequest {
  v: 1;
  /** The failed run (its workflow id) and what it ran. */
  runId: string;
  flowId: string;
  flowVersion: number;
  /** Its workspace, from the run's search attributes. */
  workspace: string;
  trigger: TriggerInfo;
  failure: NodeError;
  /** The pinned definition's own setting; absent: the workspace's default. */
  setting?: ErrorHandlerSetting;
}

export interface ErrorHandlerActivities {
  startErrorHandler(request: StartErrorHandlerRequest): Promise<ErrorHandlerOutcome>;
}

export interface ErrorHandlerDependencies {
  client: Client;
  taskQueue: string;
  payloads: TriggerPayloadKeeper;
  defaultErrorHandler: (workspace: string) => Promise<string | undefined>;
  /** The newest saved version of a flow of the workspace. */
  latestVersion: (flowId: string, workspace: string) => Promise<number | undefined>;
  /** Why the workspace may start no run now (quota used), as the gateway refuses one. */
  quotaRefusal: (workspace: string) => Promise<string | undefined>;
  /** The studio's public address, for the handler input's link (relative without it). */
  publicUrl?: string;
}

async function runExists(client: Client, runId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(runId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

export function createErrorHandlerActivities(deps: ErrorHandlerDependencies): ErrorHandlerActivities {
  return {
    async startErrorHandler(request) {
      const { workspace } = request;
      const flowId = request.setting ? request.setting.flowId : await deps.defaultErrorHandler(workspace);
      if (!flowId) return {};
      const runId = errorHandlerRunId(workspace, flowId, request.runId);
      // An earlier attempt may have started it before its worker died: what changed since (quota, a deleted flow)
      // does not undo a run that exists.
      if (Context.current().info.attempt > 1 && (await runExists(deps.client, runId))) return { flowId, runId };
      const refused = (problem: string): ErrorHandlerOutcome => {
        console.warn(
          `[nectar worker] run ${request.runId} failed; its error handler "${flowId}" not started: ${problem}`,
        );
        return { flowId, problem };
      };
      const version = await deps.latestVersion(flowId, workspace);
      if (version === undefined) return refused(`flow "${flowId}" has no saved version in workspace "${workspace}"`);
      const quota = await deps.quotaRefusal(workspace);
      if (quota) return refused(quota);
      const payload = errorHandlerInput(request, deps.publicUrl);
      const violation = checkPayloadShape(payload, 'trigger.payload');
      if (violation) return refused(`its input ${violation.path} is ${violation.message}`);
      const start: RunStart = {
        workspace,
        runId,
        exact: true,
        request: {
          v: 1,
          flowId,
          flowVersion: version,
          trigger: { type: ERROR_TRIGGER, source: request.runId, payload },
        },
      };
      await startInterpreterRun(deps.client, deps.taskQueue, start, deps.payloads);
      return { flowId, runId };
    },
  };
}
