import { ApplicationFailure, Context } from '@temporalio/activity';
import type { LogEntry, NodeError } from '../flow/graph';
import type { TriggerInfo } from '../flow/run';
import type { FlowDefinition } from '../flow/schema';
import { NODE_LIMITS } from '../flow/limits';
import type { EgressPolicy } from '../sandbox/egress';
import { executeFunction, ExecutionErrorType, LIMIT_ERROR_TYPES } from '../sandbox/execute';
import type { FlowVersionCache } from './flowCache';
import type { OutputStore } from './outputs';

export interface ActivityDependencies {
  flows: FlowVersionCache;
  functionEnv: () => Record<string, string>;
  /** The flow's workspace: its variables (they override host variables in `env`) and its execution quota. */
  workspace?: { envFor(flowId: string): Promise<Record<string, string>>; countExecution(flowId: string): Promise<string | undefined> };
  /** The newest saved version of a flow, for subflow nodes that do not pin one. */
  latestVersion: (flowId: string) => Promise<number | undefined>;
  /** The workspace owning a flow, so a subflow can only name a flow of its own run's workspace. */
  workspaceOf: (flowId: string) => Promise<string | undefined>;
  outputs: OutputStore;
  /** Where function code may connect (axios, nodemailer, MongoClient); without it, no internal addresses. */
  egress?: EgressPolicy;
}

/** How often a running code node tells Temporal it is alive (and learns whether the run was cancelled). */
const HEARTBEAT_INTERVAL_MS = 1_000;

export interface RunCodeRequest {
  v: 1;
  flowId: string;
  flowVersion: number;
  /** The draft revision of a draft run. */
  draft?: number;
  nodeId: string;
  input: unknown;
  trigger: TriggerInfo;
  steps: Record<string, unknown>;
  /** Outputs larger than this are stored by reference (the run keeps its inline outputs under a total budget). */
  inlineLimitBytes?: number;
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
const NON_RETRYABLE: ReadonlySet<ExecutionErrorType> = new Set(['ValidationError', ...LIMIT_ERROR_TYPES]);

export function createActivities(deps: ActivityDependencies) {
  async function requireDefinition(flowId: string, version: number, draft?: number): Promise<FlowDefinition> {
    const definition = await deps.flows.get(flowId, version, draft);
    const what = draft === undefined ? `version ${version}` : `draft revision ${draft}`;
    if (!definition) throw ApplicationFailure.nonRetryable(`flow ${flowId} ${what} does not exist`, 'FlowNotFound');
    return definition;
  }

  return {
    /** The pinned definition: a saved version, or a draft revision when `draft` is given. */
    async loadFlow(request: { flowId: string; version: number; draft?: number }): Promise<FlowDefinition> {
      return requireDefinition(request.flowId, request.version, request.draft);
    },

    /** The version a subflow node runs: the one it pins, or the newest. */
    async resolveFlowVersion(request: { flowId: string; version?: number; workspace?: string }): Promise<number> {
      // Another workspace's flow answers exactly as a missing one does: its existence is not ours to learn.
      if (request.workspace !== undefined && (await deps.workspaceOf(request.flowId)) !== request.workspace) {
        throw ApplicationFailure.nonRetryable(`flow ${request.flowId} does not exist`, 'FlowNotFound');
      }
      const version = request.version ?? (await deps.latestVersion(request.flowId));
      if (version === undefined) throw ApplicationFailure.nonRetryable(`flow ${request.flowId} does not exist`, 'FlowNotFound');
      await requireDefinition(request.flowId, version);
      return version;
    },

    async runCode(request: RunCodeRequest): Promise<RunCodeResult> {
      const definition = await requireDefinition(request.flowId, request.flowVersion, request.draft);
      const node = definition.nodes.find((candidate) => candidate.id === request.nodeId);
      if (!node || node.type !== 'code') {
        throw ApplicationFailure.nonRetryable(`flow ${request.flowId} has no code node "${request.nodeId}"`, 'FlowNotFound');
      }
      const [overQuota, workspaceEnv = {}] = await Promise.all([deps.workspace?.countExecution(request.flowId), deps.workspace?.envFor(request.flowId)]);
      if (overQuota) throw ApplicationFailure.nonRetryable(overQuota, 'QuotaExceeded');
      const activity = Context.current();
      const info = activity.info;
      const workflowId = info.workflowExecution?.workflowId ?? '';
      const [input, steps] = (await Promise.all([deps.outputs.resolve(request.input), deps.outputs.resolve(request.steps)])) as [
        unknown,
        Record<string, unknown>,
      ];
      const heartbeat = info.isLocal ? undefined : setInterval(() => activity.heartbeat(), HEARTBEAT_INTERVAL_MS);
      let outcome: Awaited<ReturnType<typeof executeFunction>>;
      try {
        // A cancelled run gets its answer at once (the workflow does not wait for the sandbox to notice).
        outcome = await Promise.race([
          activity.cancelled,
          executeFunction({
            nodeId: node.id,
            code: node.code,
            input,
            context: {
              trigger: request.trigger,
              workflowContext: {
                workflowId,
                runId: info.workflowExecution?.runId,
                nodeId: node.id,
                flowId: request.flowId,
                flowVersion: request.flowVersion,
                ...(request.draft === undefined ? {} : { draft: request.draft }),
                attempt: info.attempt,
              },
              steps,
              env: { ...deps.functionEnv(), ...workspaceEnv },
            },
            egress: deps.egress,
            signal: activity.cancellationSignal,
            limits: {
              memoryMb: node.memoryMb ?? NODE_LIMITS.memoryMb.default,
              timeoutMs: node.timeoutMs ?? NODE_LIMITS.timeoutMs.default,
            },
          }),
        ]);
      } finally {
        if (heartbeat) clearInterval(heartbeat);
      }
      const { memoryBytes, durationMs } = outcome;
      const logs = await deps.outputs.boundLogs(outcome.logs, { workflowId, nodeId: node.id });
      if (outcome.ok) {
        const output = await deps.outputs.offload(outcome.output, { workflowId, nodeId: node.id }, request.inlineLimitBytes);
        return { output, attempt: info.attempt, logs, memoryBytes, durationMs };
      }
      const details: RunCodeFailureDetails = { error: outcome.error, attempt: info.attempt, logs, memoryBytes, durationMs };
      throw ApplicationFailure.create({
        type: outcome.error.type,
        message: outcome.error.message,
        // The workflow allows a few attempts beyond the user's for a worker dying mid-node; the user's errors stop at theirs.
        nonRetryable: NON_RETRYABLE.has(outcome.error.type) || info.attempt >= (node.retry?.maximumAttempts ?? NODE_LIMITS.maximumAttempts.default),
        details: [details],
      });
    },
  };
}

export type NectarActivities = ReturnType<typeof createActivities>;
