/** The timeline's rows from the run's node records and every node's attempts (one request for the run). Pure. */
import type { Attempt, NodeView } from '../../api/types';
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

/**
 * A run's attempts by node, each node's by execution then attempt; an attempt answered twice (it ended between the
 * journal's read and Temporal's) is kept once, as it ended.
 */
export function attemptsByNode(attempts: Attempt[]): Record<string, Attempt[]> {
  const byKey = new Map<string, Attempt>();
  for (const attempt of attempts) {
    const key = `${attempt.nodeId}\n${attempt.execution}\n${attempt.attempt}`;
    const seen = byKey.get(key);
    if (!seen || seen.status === 'running') byKey.set(key, attempt);
  }
  const byNode: Record<string, Attempt[]> = {};
  for (const attempt of byKey.values()) (byNode[attempt.nodeId] ??= []).push(attempt);
  for (const list of Object.values(byNode)) list.sort((a, b) => a.execution - b.execution || a.attempt - b.attempt);
  return byNode;
}

/** A node as the timeline draws it: its attempts when the journal has them, else one bar from its record. */
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
        // Empty while the attempt waits in the queue.
        startedAt: attempt.startedAt || undefined,
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
