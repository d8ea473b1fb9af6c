/**
 * What a run records about its nodes, shared by everyone who produces or reads it: the sandbox (logs, errors), the
 * activities, the interpreter workflow (run state) and the gateway (run views). Plain data that crosses every
 * boundary and lives in Temporal histories. Type-only: part of the workflow bundle.
 */
import type { NodeErrorType } from './errors';
import type { FlowNode } from './schema';

export type NodeStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export type EdgeStatus = 'pending' | 'taken' | 'dead';

/** A thrown error, as plain data that crosses every boundary. */
export interface NodeError {
  name: string;
  message: string;
  stack?: string;
  nodeId: string;
  /** What kind of failure it was; flow/errors.ts decides what each kind means. */
  type: NodeErrorType;
}

/** What an error edge hands its target. */
export interface ErrorInput {
  name: string;
  message: string;
  stack?: string;
  type: NodeErrorType;
  /** The id of the node that failed. */
  node: string;
}

/** One `console.*` call of a node's code, captured by the sandbox. */
export interface LogEntry {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  timestamp: string;
  nodeId: string;
  args: unknown[];
}

export interface NodeRecord {
  id: string;
  name?: string;
  type?: FlowNode['type'];
  status: NodeStatus;
  attempt?: number;
  startedAt?: string;
  durationMs?: number;
  memoryBytes?: number;
  output?: unknown;
  error?: NodeError;
  logs?: LogEntry[];
  /** The nextPath a node returned that no edge was labelled with, so its branch ended there. */
  unmatchedPath?: string;
  /** While the node runs again after a failed attempt: that attempt's error message (from Temporal, not history). */
  lastFailure?: string;
  /** For a subflow node: the run ID of the child run it started last. */
  childRunId?: string;
  /** How many times the node has started in this run (more than 1 inside a loop). */
  runs?: number;
  /** Index of the loop edge the node was last re-entered by: its input is then that edge's source output. */
  loopEntry?: number;
  /** When the node's outcome was recorded (workflow time), for every kind of node. */
  endedAt?: string;
  /** Rerun from a node: this node did not execute; its outcome is the one recorded in run `reusedFrom`. */
  reusedFrom?: string;
}

export interface RunState {
  v: 1;
  nodes: Record<string, NodeRecord>;
  edges: EdgeStatus[];
  /** Node ids in the order they first started, for display. */
  started: string[];
  /** Set when a node failed with no error edge (or with onError "stop"): the run fails with this error. */
  failure?: NodeError;
}
