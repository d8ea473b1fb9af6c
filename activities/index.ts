import { ApplicationFailure, Context } from '@temporalio/activity';
import type { LogEntry, NodeError } from '../flow/graph';
import type { TriggerInfo } from '../flow/run';
import type { FlowDefinition } from '../flow/schema';
import { NODE_LIMITS } from '../flow/limits';
import { executeFunction, ExecutionErrorType } from '../sandbox/execute';
import type { FlowVersionCache } from './flowCache';

export interface ActivityDependencies {
  flows: FlowVersionCache;
  functionEnv: () => Record<string, string>;
}

export interface RunCodeRequest {
  v: 1;
  flowId: string;
  flowVersion: number;
  nodeId: string;
  input: unknown;
  trigger: TriggerInfo;
  steps: Record<string, unknown>;
}

export interface RunCodeResult {
  output: unknown;
  attempt: number;
  logs: LogEntry[];
  memoryBytes: number;
  durationMs: number;
}

/** What a failed node carries in its failure's details, so the workflow can show logs and usage of the failed attempt. */
export interface RunCodeFailureDetails {
  error: Omit<NodeError, 'nodeId'>;
  attempt: number;
  logs: LogEntry[];
  memoryBytes: number;
  durationMs: number;
}

/** Retrying cannot help these: the same code and input would breach the same limit or fail the same check. */
const NON_RETRYABLE: ReadonlySet<ExecutionErrorType> = new Set(['ValidationError', 'TimeoutError', 'MemoryLimitError', 'ResultError']);

export function createActivities(deps: ActivityDependencies) {
  async function requireDefinition(flowId: string, version: number): Promise<FlowDefinition> {
    const definition = await deps.flows.get(flowId, version);
    if (!definition) throw ApplicationFailure.nonRetryable(`flow ${flowId} version ${version} does not exist`, 'FlowNotFound');
    return definition;
  }

  return {
    async loadFlow(request: { flowId: string; version: number }): Promise<FlowDefinition> {
      return requireDefinition(request.flowId, request.version);
    },

    async runCode(request: RunCodeRequest): Promise<RunCodeResult> {
      const definition = await requireDefinition(request.flowId, request.flowVersion);
      const node = definition.nodes.find((candidate) => candidate.id === request.nodeId);
      if (!node || node.type !== 'code') {
        throw ApplicationFailure.nonRetryable(`flow ${request.flowId} has no code node "${request.nodeId}"`, 'FlowNotFound');
      }
      const info = Context.current().info;
      const outcome = await executeFunction({
        nodeId: node.id,
        code: node.code,
        input: request.input,
        context: {
          trigger: request.trigger,
          workflowContext: {
            workflowId: info.workflowExecution?.workflowId,
            runId: info.workflowExecution?.runId,
            nodeId: node.id,
            flowId: request.flowId,
            flowVersion: request.flowVersion,
            attempt: info.attempt,
          },
          steps: request.steps,
          env: deps.functionEnv(),
        },
        limits: {
          memoryMb: node.memoryMb ?? NODE_LIMITS.memoryMb.default,
          timeoutMs: node.timeoutMs ?? NODE_LIMITS.timeoutMs.default,
        },
      });
      const { logs, memoryBytes, durationMs } = outcome;
      if (outcome.ok) return { output: outcome.output, attempt: info.attempt, logs, memoryBytes, durationMs };
      const details: RunCodeFailureDetails = { error: outcome.error, attempt: info.attempt, logs, memoryBytes, durationMs };
      throw ApplicationFailure.create({
        type: outcome.error.type,
        message: outcome.error.message,
        nonRetryable: NON_RETRYABLE.has(outcome.error.type),
        details: [details],
      });
    },
  };
}

export type NectarActivities = ReturnType<typeof createActivities>;
