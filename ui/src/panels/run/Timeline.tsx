/**
 * The run's waterfall (domain/run/timeline.ts lays it out): a row per node, queue wait and run time per attempt,
 * retries as bars of their own, the backoff between them, delays and waits. Every node's attempts come in one
 * request (`GET /api/runs/:runId/attempts`), asked again as the nodes change; a node without attempts (a delay, a
 * wait, a subflow) is drawn from its own record.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Attempt, NodeView } from '../../api/types';
import { runsApi } from '../../api/runs';
import { formatDuration } from '../../domain/run/format';
import { layoutTimeline, type TimelineBar } from '../../domain/run/timeline';
import { attemptsByNode, timelineNode } from '../../domain/run/timelineNodes';
import { useStore } from '../../stores/createStore';
import { runStatusStore } from '../../stores/runStatus';
import { useNow } from './useNow';

const KIND_NAMES: Record<TimelineBar['kind'], string> = {
  queue: 'queued',
  run: 'ran',
  backoff: 'retry backoff',
  delay: 'delayed',
  wait: 'waited',
};

function barLabel(bar: TimelineBar, label: string): string {
  const attempt = bar.attempt !== undefined ? ` attempt ${bar.attempt}` : '';
  const status = bar.status ? ` (${bar.status})` : '';
  return `${label}${attempt}: ${KIND_NAMES[bar.kind]} ${formatDuration(bar.endMs - bar.startMs)}${status}`;
}

const ASK_AGAIN_MS = 1_000;

/**
 * Every node's attempts, asked again whenever a node's state, attempt or executions change (one request in flight;
 * changes meanwhile are read by the next).
 */
function useRunAttempts(runId: string, nodes: NodeView[]): Record<string, Attempt[]> {
  const signature = nodes
    .filter((node) => node.state !== 'pending')
    .map((node) => `${node.id}.${node.state}.${node.attempt}.${node.runs}`)
    .join('\t');
  const [attempts, setAttempts] = useState<Record<string, Attempt[]>>({});
  const [, askAgain] = useState(0);
  const asking = useRef({ inFlight: false, asked: '', wanted: '', mounted: true });
  useEffect(() => {
    const ask = asking.current;
    ask.mounted = true;
    return () => {
      ask.mounted = false;
    };
  }, []);
  useEffect(() => {
    const ask = asking.current;
    ask.wanted = signature;
    if (!signature || ask.inFlight || ask.asked === signature) return;
    ask.inFlight = true;
    ask.asked = signature;
    runsApi
      .attempts(runId)
      .then(
        (answer) => ask.mounted && setAttempts(attemptsByNode(answer)),
        () => undefined, // drawn from the records meanwhile
      )
      .finally(() => {
        ask.inFlight = false;
        // Changes while it was asked: asked again, at most once a second.
        if (ask.mounted && ask.wanted !== ask.asked)
          setTimeout(() => ask.mounted && askAgain((count) => count + 1), ASK_AGAIN_MS);
      });
  });
  return attempts;
}

export function Timeline({
  runId,
  startedAt,
  onSelect,
}: {
  runId: string;
  startedAt: string;
  onSelect: (nodeId: string) => void;
}) {
  const nodes = useStore(runStatusStore, (state) => state.nodes);
  const open = useStore(runStatusStore, (state) => state.status === 'running' || state.status === 'pending');
  const list = useMemo(() => Object.values(nodes), [nodes]);
  const attempts = useRunAttempts(runId, list);
  const now = useNow(open, 500);
  const layout = useMemo(
    () =>
      layoutTimeline(
        startedAt,
        list.map((node) => timelineNode(node, attempts[node.id])),
        now,
      ),
    [startedAt, list, attempts, now],
  );
  if (layout.rows.length === 0) return <p className="muted">No node has started yet.</p>;
  const labels = new Map(layout.rows.map((row) => [row.nodeId, row.label]));
  const scaleEnd = layout.ticks.at(-1) ?? layout.totalMs;
  const scaled = (ms: number) => `${((ms / Math.max(scaleEnd, layout.totalMs)) * 100).toFixed(3)}%`;
  return (
    <div className="timeline" role="figure" aria-label="Timeline">
      <div className="timeline-axis" aria-hidden="true">
        {layout.ticks.map((tick) => (
          <span key={tick} style={{ left: scaled(tick) }}>
            {formatDuration(tick)}
          </span>
        ))}
      </div>
      <ol className="timeline-rows">
        {layout.rows.map((row, index) => (
          <li key={row.nodeId} data-node-id={row.nodeId}>
            <button
              type="button"
              className="timeline-label link"
              onClick={() => onSelect(row.nodeId)}
              title={row.label}
            >
              {row.label}
            </button>
            <div className="timeline-track">
              {layout.bars
                .filter((bar) => bar.row === index)
                .map((bar, barIndex) => (
                  <span
                    key={barIndex}
                    className={`timeline-bar bar-${bar.kind} ${bar.status ?? ''}`}
                    data-attempt={
                      bar.kind === 'run' || bar.kind === 'delay' || bar.kind === 'wait' ? bar.attempt : undefined
                    }
                    style={{ left: scaled(bar.startMs), width: scaled(bar.endMs - bar.startMs) }}
                    title={barLabel(bar, labels.get(bar.nodeId) ?? bar.nodeId)}
                    aria-label={barLabel(bar, labels.get(bar.nodeId) ?? bar.nodeId)}
                    role="img"
                  />
                ))}
            </div>
          </li>
        ))}
      </ol>
      <p className="timeline-legend muted" aria-hidden="true">
        <span className="swatch bar-queue" /> queued <span className="swatch bar-run" /> running{' '}
        <span className="swatch bar-backoff" /> retry backoff <span className="swatch bar-wait" /> waiting or delayed
      </p>
    </div>
  );
}
