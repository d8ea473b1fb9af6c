/**
 * The run's waterfall: one row per node in the order nodes first started (parallel branches overlap in time on rows
 * side by side), each attempt its own bar split into queue wait and run time, the backoff between attempts, and the
 * time a delay or wait node spent waiting. Times are milliseconds from the run's start. Pure.
 */
import { niceTicks } from './scale';

export type AttemptStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface TimelineAttempt {
  attempt: number;
  /** When the attempt was handed to a worker's queue (its queue wait ends at startedAt). */
  scheduledAt?: string;
  /** Unset while it waits in the queue. */
  startedAt?: string;
  /** Unset while it runs. */
  endedAt?: string;
  status: AttemptStatus;
}

export interface TimelineNode {
  id: string;
  label: string;
  /** Delay and wait nodes spend their time waiting, not running. */
  waits?: 'delay' | 'wait';
  attempts: TimelineAttempt[];
}

export type SegmentKind = 'queue' | 'run' | 'backoff' | 'delay' | 'wait';

export interface TimelineBar {
  nodeId: string;
  row: number;
  kind: SegmentKind;
  /** The attempt a queue or run segment belongs to. */
  attempt?: number;
  status?: AttemptStatus;
  startMs: number;
  endMs: number;
}

export interface TimelineLayout {
  rows: Array<{ nodeId: string; label: string; attempts: number }>;
  bars: TimelineBar[];
  totalMs: number;
  ticks: number[];
}

function at(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const time = Date.parse(iso);
  return Number.isFinite(time) ? time : undefined;
}

/** Lays the nodes out against the run's start (`runStartedAt`) and now (for what still runs). */
export function layoutTimeline(runStartedAt: string, nodes: TimelineNode[], now = Date.now()): TimelineLayout {
  const origin = at(runStartedAt) ?? now;
  const rel = (time: number) => Math.max(0, time - origin);
  const started = nodes
    .map((node) => ({ node, attempts: [...node.attempts].sort((a, b) => a.attempt - b.attempt) }))
    .filter(({ attempts }) =>
      attempts.some((attempt) => (at(attempt.startedAt) ?? at(attempt.scheduledAt)) !== undefined),
    )
    .sort(
      (a, b) =>
        Math.min(...a.attempts.map((x) => at(x.scheduledAt) ?? at(x.startedAt) ?? now)) -
        Math.min(...b.attempts.map((x) => at(x.scheduledAt) ?? at(x.startedAt) ?? now)),
    );
  const bars: TimelineBar[] = [];
  let end = 0;
  started.forEach(({ node, attempts }, row) => {
    let previousEnd: number | undefined;
    for (const attempt of attempts) {
      const started = at(attempt.startedAt);
      const scheduled = at(attempt.scheduledAt);
      if (started === undefined && scheduled === undefined) continue;
      // An attempt still in the queue has waited there until now.
      const start = started ?? now;
      const finish = at(attempt.endedAt) ?? now;
      const queueStart = scheduled !== undefined && scheduled < start ? scheduled : start;
      if (previousEnd !== undefined && queueStart > previousEnd)
        bars.push({ nodeId: node.id, row, kind: 'backoff', startMs: rel(previousEnd), endMs: rel(queueStart) });
      if (queueStart < start)
        bars.push({
          nodeId: node.id,
          row,
          kind: 'queue',
          attempt: attempt.attempt,
          startMs: rel(queueStart),
          endMs: rel(start),
        });
      if (started !== undefined)
        bars.push({
          nodeId: node.id,
          row,
          kind: node.waits ?? 'run',
          attempt: attempt.attempt,
          status: attempt.status,
          startMs: rel(start),
          endMs: rel(Math.max(start, finish)),
        });
      previousEnd = Math.max(start, finish);
      end = Math.max(end, rel(previousEnd));
    }
  });
  const totalMs = Math.max(end, 1);
  return {
    rows: started.map(({ node, attempts }) => ({ nodeId: node.id, label: node.label, attempts: attempts.length })),
    bars,
    totalMs,
    ticks: niceTicks(totalMs, 6),
  };
}
