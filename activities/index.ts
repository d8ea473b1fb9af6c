import { Context } from '@temporalio/activity';
import type { LogEntry, NodeError } from '../flow/contracts';
import type { OutputRef, TriggerInfo } from '../flow/run';
import type { CodeNode, FlowDefinition } from '../flow/schema';
import { NODE_LIMITS } from '../flow/limits';
import type { EgressPolicy, Executor } from '../sandbox/contract';
import type { FlowVersionCache } from './flowCache';
import type { OutputStore } from '../store/outputs';
import { nodeFailure } from './failure';
import type { LiveLogSink } from './liveLogs';
import type { RunJournal } from '../store/runJournal';
import { countExecution, resolveTrigger, runCodeCall, whileAlive } from './codeRun';
import { runChain, RunChainResult } from './chain';
import { fusableNodes, PLAN_TIMEOUT_MS } from '../flow/chains';
import { entryChainRequest, lightCandidates } from '../flow/entryChain';
import type { ChainRun, RunChainRequest } from '../flow/chains';
import { indexGraph } from '../flow/graph';
import type { NodeExecution } from '../store/metricsRecorder';
import type { NodeCosts } from './nodeCosts';

/** A correlation key read from a stored payload is announced in the run's memo: no larger than a literal one may be. */
const MATCH_KEY_MAX_CHARS = 1_000;

export interface ActivityDependencies {
  flows: FlowVersionCache;
  functionEnv: () => Record<string, string>;
  /** The flow's workspace: its variables (they override host variables in `env`) and its execution quota. */
  workspace?: {
    envFor(flowId: string): Promise<Record<string, string>>;
    /** Counts one execution (or `count`, all or none); the refusal's message when the month's quota is used up. */
    countExecution(flowId: string, count?: number): Promise<string | undefined>;
    /** Gives back executions counted ahead that did not happen. */
    uncountExecutions(flowId: string, count: number): Promise<void>;
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
  /** Told of every code-node execution as it ends (synchronously: recording must cost the node nothing). */
  recordExecution?: (execution: NodeExecution) => void;
  /** Where the run debugger reads live log lines and each attempt of a node (store/runJournal.ts). */
  journal?: LiveLogSink & Pick<RunJournal, 'recordAttempt' | 'recordAttempts' | 'recordRunning'>;
  /** Each node's CPU time as measured, shared by the worker processes: which nodes are light (nodeCosts.ts). */
  costs: NodeCosts;
}

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
  /** Which start of the node in its run this is (loops start a node again); 1 when absent. */
  execution?: number;
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

export interface FlowRef {
  flowId: string;
  version: number;
  draft?: number;
}

export interface RunPlan {
  definition: FlowDefinition;
  /**
   * Code nodes that cannot affect anything outside their isolate (flow/effects.ts), have no retries of the user's, and
   * whose function last used under LIGHT_NODE_CPU_MS of CPU (nodeCosts.ts): nobody would see them running, and running
   * one again after a crash costs nothing.
   */
  lightNodes: string[];
  /**
   * Light nodes in a row run fused (flow/chains.ts). Recorded with the plan, so runs planned before fused chains
   * existed (no such field) replay as they ran, one local activity a node — the plan's marker is their gate.
   */
  fuseChains?: boolean;
  /**
   * The run's entry chain, already run (flow/entryChain.ts): asked for by a fresh run, so a one-node flow
   * completes in this one local activity. Absent where the entry is not fusable, and in plans made before it existed.
   */
  entryChain?: RunChainResult;
}

/** What a fresh run tells its plan so that the plan may run its entry chain. */
export interface PlanEntry extends ChainRun {
  /** The run request's `localActivities` override, if any. */
  localActivities?: boolean;
  /** The entry chain its starter proposed (RunRequest.entry): run only if it is the plan's own. */
  proposed: string[];
}

export interface PlanRequest extends FlowRef {
  entry?: PlanEntry;
}

function entryRequestOf(plan: RunPlan, entry: PlanEntry): RunChainRequest | undefined {
  const fusable = fusableNodes(plan.definition, {
    lightNodes: new Set(plan.lightNodes),
    localActivities: entry.localActivities,
  });
  return entryChainRequest(indexGraph(plan.definition), fusable, entry, entry.proposed);
}

/** `work`, or a failure naming `what` once it took longer than `ms` (the activity is then tried again). */
async function withinTime<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function createActivities(deps: ActivityDependencies) {
  // Definitions are immutable and the cache hands out the same object, so this is worked out once per version.
  const localCandidatesByDefinition = new WeakMap<FlowDefinition, CodeNode[]>();
  const envOf = async (flowId: string): Promise<Record<string, string>> => ({
    ...deps.functionEnv(),
    ...(await deps.workspace?.envFor(flowId)),
  });
  async function requireDefinition(flowId: string, version: number, draft?: number): Promise<FlowDefinition> {
    const definition = await deps.flows.get(flowId, version, draft);
    const what = draft === undefined ? `version ${version}` : `draft revision ${draft}`;
    if (!definition) throw nodeFailure('FlowNotFound', `flow ${flowId} ${what} does not exist`);
    return definition;
  }

  const activities = {
    /** The pinned definition: a saved version, or a draft revision when `draft` is given. */
    async loadFlow(request: FlowRef): Promise<FlowDefinition> {
      return requireDefinition(request.flowId, request.version, request.draft);
    },

    /**
     * The pinned definition and how to run its nodes; for a fresh run (`entry`), its entry chain run too when its light
     * nodes make the chain proposed. Read-only, and the chain's nodes reach nothing outside their isolates, so it may run as a local activity.
     */
    async planRun(request: PlanRequest): Promise<RunPlan> {
      const plan = await withinTime(PLAN_TIMEOUT_MS, 'planning the run', async () => {
        const definition = await requireDefinition(request.flowId, request.version, request.draft);
        let candidates = localCandidatesByDefinition.get(definition);
        if (!candidates) localCandidatesByDefinition.set(definition, (candidates = lightCandidates(definition)));
        const light = await deps.costs.lightNodes(request.flowId, candidates);
        return { definition, lightNodes: light, fuseChains: true };
      });
      const entry = request.entry && entryRequestOf(plan, request.entry);
      if (!entry) return plan;
      try {
        return { ...plan, entryChain: await runChain(deps, { requireDefinition, envOf }, entry) };
      } catch {
        // The chain could not run here (the store, the sandbox): the interpreter runs it as it would any chain, with
        // that chain's retries and its failure recorded on its first node.
        return plan;
      }
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

    /**
     * A wait node's correlation key where its path reached into a stored payload (a large trigger payload, a large
     * output): the value, when it is small enough to announce in the run's memo; else the reference, which no event matches.
     */
    async readMatchKey(ref: OutputRef): Promise<unknown> {
      const value = await deps.outputs.resolve(ref);
      return (JSON.stringify(value) ?? '').length <= MATCH_KEY_MAX_CHARS ? value : ref;
    },

    /** Light code nodes in a row, run one after the other in one local activity (activities/chain.ts). */
    async runChain(request: RunChainRequest): Promise<RunChainResult> {
      return runChain(deps, { requireDefinition, envOf }, request);
    },

    async runCode(request: RunCodeRequest): Promise<RunCodeResult> {
      const startedMs = Date.now();
      const definition = await requireDefinition(request.flowId, request.flowVersion, request.draft);
      const node = definition.nodes.find((candidate) => candidate.id === request.nodeId);
      if (!node || node.type !== 'code') {
        throw nodeFailure('FlowNotFound', `flow ${request.flowId} has no code node "${request.nodeId}"`);
      }
      const count = countExecution(deps, request.flowId);
      const activity = Context.current();
      const [env, input, steps, trigger] = await whileAlive(
        activity,
        Promise.all([
          envOf(request.flowId),
          deps.outputs.resolve(request.input),
          deps.outputs.resolve(request.steps) as Promise<Record<string, unknown>>,
          resolveTrigger(deps, request.trigger),
          // Near the quota the count comes first: waited for here, alongside the reads.
          count.alongside || count.counting,
        ]),
      );
      const run = await runCodeCall(deps, activity, {
        ...request,
        node,
        input,
        trigger,
        steps,
        env,
        count,
        startedMs,
        carriedInput: request.input,
      });
      if (run.ok) return run.result;
      // A refused quota, before or after the code ran: failed as the policy says, with nothing to show of the attempt.
      if (!run.details) throw nodeFailure(run.error.type, run.error.message);
      throw nodeFailure(run.error.type, run.error.message, {
        // The workflow allows a few attempts beyond the user's for a worker dying mid-node; the user's errors stop at theirs.
        lastAttempt: run.details.attempt >= (node.retry?.maximumAttempts ?? NODE_LIMITS.maximumAttempts.default),
        details: run.details,
      });
    },
  };
  return activities;
}

export type NectarActivities = ReturnType<typeof createActivities>;
