/** A node on the canvas: its name and kind, a summary, its run state, its problems, and one output handle per route. */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo, useMemo } from 'react';
import { outputHandles } from '../domain/handles';
import { kindOf, summaryOf } from '../nodes/registry';
import { useNodeFaults } from '../stores/checks';
import { useGraph, type StudioNode } from '../stores/graph';
import { useNodeRun } from '../stores/runStatus';
import { pathList, usedPathsOf } from './usedPaths';

function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

function NodeCardView({ id, data, selected }: NodeProps<StudioNode>) {
  const node = data.node;
  const usedPaths = useGraph((graph) => usedPathsOf(graph.edges, id));
  const run = useNodeRun(id);
  const faults = useNodeFaults(id);
  const handles = useMemo(() => outputHandles(node, pathList(usedPaths)), [node, usedPaths]);
  const title = node.name ?? id;
  const classes = [
    'node-card',
    `kind-${node.type}`,
    selected ? 'selected' : '',
    faults.length > 0 ? 'faulty' : '',
    run ? `run-${run.state ?? run.status}` : '',
  ];
  return (
    <div
      className={classes.filter(Boolean).join(' ')}
      data-node-id={id}
      aria-label={`${kindOf(node.type).label} node ${title}`}
      title={faults.map((fault) => fault.message).join('\n') || undefined}
    >
      <Handle type="target" position={Position.Left} className="handle-in" aria-label={`Input of ${title}`} />
      <div className="node-head">
        <span className="node-kind">{kindOf(node.type).label}</span>
        <span className="node-title">{title}</span>
      </div>
      {node.name && <div className="node-id">{id}</div>}
      <div className="node-summary">{summaryOf(node)}</div>
      {run && (
        <div
          className={`node-run status ${run.state ?? run.status}`}
          data-run-status={run.status}
          data-run-state={run.state ?? run.status}
        >
          {run.reusedFrom ? 'reused' : (run.state ?? run.status)} {formatDuration(run.durationMs)}
          {(run.attempt ?? 1) > 1 ? ` · attempt ${run.attempt}` : ''}
        </div>
      )}
      {faults.length > 0 && (
        <div className="node-faults" role="note">
          {faults[0].message}
          {faults.length > 1 ? ` (+${faults.length - 1})` : ''}
        </div>
      )}
      <ul className="node-outputs">
        {handles.map((handle) => (
          <li key={handle.id} className={`output ${handle.kind}`}>
            <span>{handle.label}</span>
            <Handle
              type="source"
              id={handle.id}
              position={Position.Right}
              className={`handle-out ${handle.kind}`}
              aria-label={`${handle.label} output of ${title}`}
            />
          </li>
        ))}
      </ul>
    </div>
  );
}

export const NodeCard = memo(NodeCardView);
