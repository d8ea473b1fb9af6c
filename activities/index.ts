import { Context } from '@temporalio/activity';
import type { LogEntry, NodeError } from '../flow/contracts';
import type { TriggerInfo } from '../flow/run';
import { sideEffectFreeNodes } from '../flow/effects';
import { versionRef } from '../flow/ids';
import type { FlowDefinition } from '../flow/schema';
import { NODE_LIMITS } from '../flow/limits';
import type { EgressPolicy, ExecutionOutcome, Executor } from '../sandbox/contract';
import type { FlowVersionCache } from './flowCache';
import type { OutputStore } from '../store/outputs';
import { nodeFailure } from './failure';

export interface ActivityDependencies {
  flows: FlowVersionCache;
  functionEnv: () => Record<string, string>;
  /** The flow's workspace: its variables (they override host variables in `env`) and its execution quota. */
  workspace?: {
    envFor(flowId: string): Promise<Record<string, string>>;
    /** Counts one execution; the refusal's message when the month's quota is used up. */
    countExecution(flowId: string): Promise<string | undefined>;
    /** Whether the workspace is far enough from its quota for a node to start while its execution is counted. */
    canCountAlongside(flowId: string): boolean;
  };
  /** The newest saved version of a flow, for subflow nodes that do not pin one. */
  latestVersion: (flowId: string) => Promise<number | undefined>;
  /** The workspace owning a flow, so a subflow can only name a flow of its own run's workspace. */
  workspaceOf: (flowId: string) => Promise<string | undefined>;
  outputs: OutputStore;
  /** Runs the code nodes' functions (in sandbox processes, or in this process). */
  sandbox: Executor;
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
  /** Events the node emitted (`context.emit`): the workflow publishes them through `emitEvents`. */
  emitted?: Array<{ type: string; payload: unknown }>;
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

type Settled<T> = Promise<{ ok: true; value: T } | { ok: false; error: unknown }>;

/** A promise that never rejects, so it can be left unawaited for a while without an unhandled rejection. */
function settled<T>(promise: Promise<T> | undefined): Settled<T | undefined> {
  return Promise.resolve(promise).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

async function assertCounted(counting: Settled<string | undefined>): Promise<void> {
  const counted = await counting;
  if (!counted.ok) throw counted.error;
  if (counted.value) throw nodeFailure('QuotaExceeded', counted.value);
}

export interface FlowRef {
  flowId: string;
  version: number;
  draft?: number;
}

export interface RunPlan {
  definition: FlowDefinition;
  /**
   * Code nodes that cannot affect anything outside their isolate (flow/effects.ts), have no retries of the user's, and
   * whose last run on this worker took under LIGHT_NODE_MS: nobody would see them running, and running one again after
   * a crash costs nothing.
   */
  lightNodes: string[];
}

/** A node's last run under this is light: run locally, it is over before anyone watching the run could see it running. */
export const LIGHT_NODE_MS = 100;

/** Nodes that may be light, whatever their durations: side-effect-free, and without retries of the user's. */
function localCandidates(definition: FlowDefinition): string[] {
  // A node the user lets retry shows its attempts live, which a local activity's retries would not.
  const retried = new Set(
    definition.nodes
      .filter((node) => node.type === 'code' && (node.retry?.maximumAttempts ?? 1) > 1)
      .map((node) => node.id),
  );
  return sideEffectFreeNodes(definition).filter((nodeId) => !retried.has(nodeId));
}

function nodeKey(flow: FlowRef, nodeId: string): string {
  return `${versionRef(flow.flowId, { flowVersion: flow.version, draft: flow.draft })}:${nodeId}`;
}

export function createActivities(deps: ActivityDependencies) {
  // Definitions are immutable and the cache hands out the same object, so this is worked out once per version.
  const localCandidatesByDefinition = new WeakMap<FlowDefinition, string[]>();
  const lastDurations = new Map<string, number>();
  const noteDuration = (key: string, durationMs: number) => {
    lastDurations.delete(key);
    lastDurations.set(key, durationMs);
    if (lastDurations.size > 10_000) lastDurations.delete(lastDurations.keys().next().value!);
  };
  async function requireDefinition(flowId: string, version: number, draft?: number): Promise<FlowDefinition> {
    const definition = await deps.flows.get(flowId, version, draft);
    const what = draft === undefined ? `version ${version}` : `draft revision ${draft}`;
    if (!definition) throw nodeFailure('FlowNotFound', `flow ${flowId} ${what} does not exist`);
    return definition;
  }

  return {
    /** The pinned definition: a saved version, or a draft revision when `draft` is given. */
    async loadFlow(request: FlowRef): Promise<FlowDefinition> {
      return requireDefinition(request.flowId, request.version, request.draft);
    },

    /** The pinned definition and how to run its nodes. Read-only, so it may run as a local activity. */
    async planRun(request: FlowRef): Promise<RunPlan> {
      const definition = await requireDefinition(request.flowId, request.version, request.draft);
      let candidates = localCandidatesByDefinition.get(definition);
      if (!candidates) localCandidatesByDefinition.set(definition, (candidates = localCandidates(definition)));
      const light = candidates.filter(
        (nodeId) => (lastDurations.get(nodeKey(request, nodeId)) ?? Infinity) < LIGHT_NODE_MS,
      );
      return { definition, lightNodes: light };
    },

    /** The version a subflow node runs: the one it pins, or the newest. */
    async resolveFlowVersion(request: { flowId: string; version?: number; workspace?: string }): Promise<number> {
      // Another workspace's flow answers exactly as a missing one does: its existence is not ours to learn.
      if (request.workspace !== undefined && (await deps.workspaceOf(request.flowId)) !== request.workspace) {
        throw nodeFailure('FlowNotFound', `flow ${request.flowId} does not exist`);
      }
      const version = request.version ?? (await deps.latestVersion(request.flowId));
      if (version === undefined) throw nodeFailure('FlowNotFound', `flow ${request.flowId} does not exist`);
      await requireDefinition(request.flowId, version);
      return version;
    },

    async runCode(request: RunCodeRequest): Promise<RunCodeResult> {
      const definition = await requireDefinition(request.flowId, request.flowVersion, request.draft);
      const node = definition.nodes.find((candidate) => candidate.id === request.nodeId);
      if (!node || node.type !== 'code') {
        throw nodeFailure('FlowNotFound', `flow ${request.flowId} has no code node "${request.nodeId}"`);
      }
      // Far from the quota the count is made while the node runs, and its result waits for it; near it, first.
      const counting = settled(deps.workspace?.countExecution(request.flowId));
      const countAlongside = deps.workspace?.canCountAlongside(request.flowId) ?? false;
      const [workspaceEnv = {}] = await Promise.all([
        deps.workspace?.envFor(request.flowId),
        countAlongside || assertCounted(counting),
      ]);
      const activity = Context.current();
      const info = activity.info;
      const workflowId = info.workflowExecution?.workflowId ?? '';
      const [input, steps] = (await Promise.all([
        deps.outputs.resolve(request.input),
        deps.outputs.resolve(request.steps),
      ])) as [unknown, Record<string, unknown>];
      const heartbeat = info.isLocal ? undefined : setInterval(() => activity.heartbeat(), HEARTBEAT_INTERVAL_MS);
      let outcome: ExecutionOutcome;
      try {
        // A cancelled run gets its answer at once (the workflow does not wait for the sandbox to notice).
        outcome = await Promise.race([
          activity.cancelled,
          deps.sandbox.execute(
            {
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
              limits: {
                memoryMb: node.memoryMb ?? NODE_LIMITS.memoryMb.default,
                timeoutMs: node.timeoutMs ?? NODE_LIMITS.timeoutMs.default,
              },
            },
            activity.cancellationSignal,
          ),
        ]);
      } finally {
        if (heartbeat) clearInterval(heartbeat);
      }
      // Counted too late only in a race at the quota's edge: the node ran, but its result is refused like the next one.
      if (countAlongside) await assertCounted(counting);
      const { memoryBytes, durationMs } = outcome;
      noteDuration(
        nodeKey({ flowId: request.flowId, version: request.flowVersion, draft: request.draft }, node.id),
        durationMs,
      );
      const logs = await deps.outputs.boundLogs(outcome.logs, { workflowId, nodeId: node.id });
      if (outcome.ok) {
        const output = await deps.outputs.offload(
          outcome.output,
          { workflowId, nodeId: node.id },
          request.inlineLimitBytes,
        );
        return {
          output,
          attempt: info.attempt,
          logs,
          memoryBytes,
          durationMs,
          ...(outcome.emitted ? { emitted: outcome.emitted } : {}),
        };
      }
      const details: RunCodeFailureDetails = {
        error: outcome.error,
        attempt: info.attempt,
        logs,
        memoryBytes,
        durationMs,
      };
      throw nodeFailure(outcome.error.type, outcome.error.message, {
        // The workflow allows a few attempts beyond the user's for a worker dying mid-node; the user's errors stop at theirs.
        lastAttempt: info.attempt >= (node.retry?.maximumAttempts ?? NODE_LIMITS.maximumAttempts.default),
        details,
      });
    },
  };
}

export type NectarActivities = ReturnType<typeof createActivities>;
