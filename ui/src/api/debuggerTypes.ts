/**
 * The run debugger's answers as /work/wt/RUN-API.md fixes them, beside what main answers today: every field the
 * debugger's back end adds is optional here, so the studio works against a gateway with or without it.
 * TODO(runapi): import these from the gateway's zod answer schemas once they land.
 */
import type { EdgeStatus, LogEntry, NodeRecord, RunView } from '../../../flow/contracts';
import type { ErrorHandlerOutcome } from '../../../flow/errorHandler';
import type { RunSummary } from '../../../gateway/runList';

export type { EdgeStatus, LogEntry };

/** What the debugger colours a node by; `status` is the coarser record status. */
export type NodeState =
  'pending' | 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface NodeView extends NodeRecord {
  state?: NodeState;
  endedAt?: string;
  /** Rerun from a node: this node did not execute; its outcome is that run's. */
  reusedFrom?: string;
}

export interface RerunOf {
  runId: string;
  fromNode?: string;
}

export interface DebugRunView extends Omit<RunView, 'nodes'> {
  nodes: NodeView[];
  durationMs?: number;
  edges?: EdgeStatus[];
  failedNode?: string;
  rerunOf?: RerunOf | string;
  temporalUrl?: string;
  /** A failed run's error handler flow: the run it started, or why none started. */
  errorHandler?: ErrorHandlerOutcome;
  /** An error handler run: the failed run it handles. */
  errorOf?: string;
}

export interface Attempt {
  nodeId: string;
  execution: number;
  attempt: number;
  status: 'running' | 'succeeded' | 'failed';
  scheduledAt?: string;
  startedAt: string;
  queueWaitMs?: number;
  endedAt?: string;
  durationMs?: number;
  memoryBytes?: number;
  error?: { name: string; message: string; stack?: string; type: string };
}

export interface NodeDetail {
  node: NodeView;
  attempts: Attempt[];
}

export interface NodeData {
  nodeId: string;
  which: 'output' | 'input';
  path?: string;
  value: unknown;
  bytes: number;
  total?: number;
  offset?: number;
  limit?: number;
}

export interface RunInputs {
  runId: string;
  flowId: string;
  flowVersion?: number;
  draft?: number;
  trigger: { type: string; source?: string; payload: unknown };
  nodes: Record<string, unknown>;
}

export interface DebugRunSummary extends Omit<RunSummary, 'rerunOf'> {
  durationMs?: number;
  failedNode?: string;
  rerunOf?: RerunOf | string;
}
