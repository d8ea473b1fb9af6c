/** The contract between whoever starts a run (the gateway) and the interpreter workflow. Lives in histories: versioned. */
import type { NodeError, NodeRecord } from './graph';

export const INTERPRETER_WORKFLOW = 'interpreterWorkflow';
export const RUN_STATE_QUERY = 'runState';

export interface TriggerInfo {
  type: 'api' | 'webhook' | 'cron' | 'event';
  source?: string;
  payload: unknown;
}

export interface RunRequest {
  v: 1;
  flowId: string;
  flowVersion: number;
  trigger: TriggerInfo;
}

export interface RunSnapshot {
  v: 1;
  status: 'running' | 'completed' | 'failed';
  output: unknown;
  error?: NodeError;
  nodes: NodeRecord[];
}

/** Data carried by the failure of a run whose node failed with no error edge, so the node states outlive the worker. */
export interface RunFailureDetails {
  nodes: NodeRecord[];
  error: NodeError;
}
