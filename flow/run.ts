/** The contract between whoever starts a run (the gateway) and the interpreter workflow. Lives in histories: versioned. */
import type { EdgeStatus, NodeError, NodeRecord, RunState } from './contracts';
import type { RerunOrigin, RerunSeed } from './rerun';

export const INTERPRETER_WORKFLOW = 'interpreterWorkflow';
export const RUN_STATE_QUERY = 'runState';
/** Signal name of an event or approval delivered to a run; a `wait` node on that event resumes with it. */
export const RUN_EVENT_SIGNAL = 'runEvent';

/** How a run started; also its `NectarTrigger` search attribute. */
export const RUN_TRIGGER_TYPES = [
  'api',
  'webhook',
  'cron',
  'subflow',
  'event',
  'postgres',
  'signed',
  'salesforce',
  's3',
  'mongodb',
  /** An error handler run: started by the failure of another run (flow/errorHandler.ts). */
  'error',
] as const;

export interface TriggerInfo {
  type: (typeof RUN_TRIGGER_TYPES)[number];
  source?: string;
  payload: unknown;
}

/** What a continued run carries over from the run it continues (continue-as-new). */
export interface RunCarryOver {
  v: 1;
  state: RunState;
  /** Events signalled but not yet consumed by a wait node, oldest first. */
  events: RunEvent[];
  /** How many times this run has continued as new so far. */
  continuations: number;
  /** The first run's start, so durations and display survive continuation. */
  startedAt: string;
}

export interface RunRequest {
  v: 1;
  flowId: string;
  /** The pinned version; 0 when the run is of a draft. */
  flowVersion: number;
  /** A run of the flow's draft (test URL, draft runs): the draft revision it pinned. */
  draft?: number;
  trigger: TriggerInfo;
  /** How deep in subflows this run is: 0 for a run started from outside. */
  depth?: number;
  /** Present when this run continues an earlier one. */
  carryOver?: RunCarryOver;
  /** Run short code nodes as local activities (no task-queue round trip). */
  localActivities?: boolean;
  /** A rerun from a node: the earlier run, and the recorded outcomes of the nodes upstream of `fromNode`. */
  rerunOf?: RerunOrigin & { seeds?: RerunSeed[] };
  /**
   * The entry chain its starter proposes (flow/chains.ts, proposeEntryChain): the run plan runs it along when its
   * nodes are light, so a light one-node flow completes in one local activity, whose summary names them.
   */
  entry?: EntryProposal;
}

export interface EntryProposal {
  nodeIds: string[];
  /** Its nodes as the Web UI names them. */
  summary: string;
}

/** Memo keys a run carries for lists that read no history: where a rerun came from, which node failed the run. */
export const RERUN_OF_MEMO = 'nectarRerunOf';
export const FAILED_NODE_MEMO = 'nectarFailedNode';
/** A failed run's error handler: the run it started, or why none started (ErrorHandlerOutcome). */
export const ERROR_HANDLER_MEMO = 'nectarErrorHandler';
/** An error handler run: the failed run it handles. */
export const ERROR_OF_MEMO = 'nectarErrorOf';

export interface RunEvent {
  v: 1;
  event: string;
  payload: unknown;
  /** The bus event's id: a second delivery of the same id to the run is ignored. */
  id?: string;
}

export interface RunSnapshot {
  v: 1;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  output: unknown;
  error?: NodeError;
  nodes: NodeRecord[];
  /** Each edge's status, in the order of the definition's edges. */
  edges?: EdgeStatus[];
  /** How many times the run has continued as new. */
  continuations?: number;
}

/** The failure type of a run that failed because a node did (with no error edge); its details are RunFailureDetails. */
export const NODE_FAILED = 'NodeFailed';

/** Data carried by the failure of a run whose node failed with no error edge, so the node states outlive the worker. */
export interface RunFailureDetails {
  nodes: NodeRecord[];
  error: NodeError;
  edges?: EdgeStatus[];
}

/**
 * A node output too large to live in the run's history: stored in the store and passed by this reference.
 * `path` (set when an input mapping reaches into it) selects a field of the stored value.
 */
export interface OutputRef {
  $nectarRef: 1;
  id: string;
  bytes: number;
  /** Kept from the stored output so routing works without the value. */
  nextPath?: string;
  path?: string;
}

export function isOutputRef(value: unknown): value is OutputRef {
  return typeof value === 'object' && value !== null && (value as { $nectarRef?: unknown }).$nectarRef === 1;
}
