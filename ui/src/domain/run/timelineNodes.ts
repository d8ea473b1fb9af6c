/** The timeline's rows from the run's node records and, for the nodes that were retried, their attempts. Pure. */
import type { Attempt, NodeView } from '../../api/debuggerTypes';
import type { TimelineAttempt, TimelineNode } from './timeline';

function endOf(node: NodeView): string | undefined {
  if (node.endedAt) return node.endedAt;
  if (node.startedAt && node.durationMs !== undefined && node.status !== 'running')
    return new Date(Date.parse(node.startedAt) + node.durationMs).toISOString();
  return undefined;
}

function attemptStatus(node: NodeView): TimelineAttempt['status'] {
  return node.status === 'succeeded' || node.status === 'failed' || node.status === 'cancelled'
    ? node.status
    : 'running';
}

/** A node as the timeline draws it: its fetched attempts when it has them, else one bar from its record. */
export function timelineNode(node: NodeView, attempts: Attempt[] | undefined): TimelineNode {
  const label = node.name ?? node.id;
  const waits = node.type === 'delay' || node.type === 'wait' ? node.type : undefined;
  if (attempts && attempts.length > 0)
    return {
      id: node.id,
      label,
      waits,
      attempts: attempts.map((attempt, index) => ({
        // Executions of a node in a loop follow each other: number the bars in order.
        attempt: index + 1,
        scheduledAt: attempt.scheduledAt,
        startedAt: attempt.startedAt,
        endedAt: attempt.endedAt,
        status: attempt.status,
      })),
    };
  if (!node.startedAt || node.reusedFrom) return { id: node.id, label, waits, attempts: [] };
  const endedAt = endOf(node);
  // A code node that ended: its code ran for durationMs before endedAt; the time before, from when the workflow
  // started the node, went to scheduling and the worker's queue.
  const ran =
    !waits && node.endedAt && node.durationMs !== undefined
      ? new Date(Math.max(Date.parse(node.startedAt), Date.parse(node.endedAt) - node.durationMs)).toISOString()
      : undefined;
  return {
    id: node.id,
    label,
    waits,
    attempts: [
      {
        attempt: node.attempt ?? 1,
        ...(ran ? { scheduledAt: node.startedAt, startedAt: ran } : { startedAt: node.startedAt }),
        endedAt,
        status: attemptStatus(node),
      },
    ],
  };
}
