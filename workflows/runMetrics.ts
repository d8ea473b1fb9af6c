/**
 * A run's start and close, told to the worker's metrics through a Temporal sink: sinks leave no trace in the history
 * (no command, replay-safe) and are not called again when a history is replayed.
 */
import { proxySinks, Sinks, workflowInfo } from '@temporalio/workflow';
import type { NodeError } from '../flow/contracts';
import type { RunRequest } from '../flow/run';

export interface RunMetricsEvent {
  flowId: string;
  flowVersion: number;
  draft?: number;
  trigger: string;
  /** Closed runs: how it ended, when the run (its first execution, when continued as new) started, what failed. */
  status?: 'completed' | 'failed' | 'cancelled';
  startedAt?: number;
  failedNode?: string;
  error?: { type: string; message: string };
}

export interface RunMetricsSinks extends Sinks {
  runMetrics: {
    started(event: RunMetricsEvent): void;
    closed(event: RunMetricsEvent): void;
  };
}

const { runMetrics } = proxySinks<RunMetricsSinks>();

function about(request: RunRequest): RunMetricsEvent {
  return {
    flowId: request.flowId,
    flowVersion: request.flowVersion,
    ...(request.draft === undefined ? {} : { draft: request.draft }),
    trigger: request.trigger.type,
  };
}

/** A new run (not a continuation of one). */
export function runStarted(request: RunRequest): void {
  if (!request.carryOver) runMetrics.started(about(request));
}

export function runClosed(
  request: RunRequest,
  status: 'completed' | 'failed' | 'cancelled',
  failure?: NodeError,
): void {
  const startedAt = request.carryOver?.startedAt
    ? Date.parse(request.carryOver.startedAt)
    : workflowInfo().startTime.getTime();
  runMetrics.closed({
    ...about(request),
    status,
    startedAt,
    ...(failure ? { failedNode: failure.nodeId, error: { type: failure.type, message: failure.message } } : {}),
  });
}
