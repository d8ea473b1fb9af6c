/** An edge: its label (the path it is taken for) edited in place; error edges dashed, loop edges with their limit. */
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo, useState, type FormEvent } from 'react';
import { useEdgeFaults } from '../stores/checks';
import { useEdgeRun } from '../stores/runEdges';
import type { StudioEdge as StudioEdgeModel } from '../stores/graph';
import { setEdgeIterations, setEdgeLabel } from './actions';

function StudioEdgeView(props: EdgeProps<StudioEdgeModel>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, selected } = props;
  const [editing, setEditing] = useState(false);
  const faults = useEdgeFaults(id);
  const run = useEdgeRun(id);
  const edge = data.edge;
  const loop = edge.maxIterations !== undefined;
  const [path, labelX, labelY] = getBezierPath({
    sourceX,
    sourceY,
    targetX,
    targetY,
    sourcePosition,
    targetPosition,
    curvature: loop ? 0.8 : 0.25,
  });
  const kind = edge.on === 'error' ? 'error' : loop ? 'loop' : edge.path !== undefined ? 'path' : 'plain';
  const label = edge.on === 'error' ? 'error' : (edge.path ?? '');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const label = form.get('label');
    setEdgeLabel(id, typeof label === 'string' ? label : '');
    if (loop) {
      const limit = Number(form.get('maxIterations'));
      setEdgeIterations(id, Number.isInteger(limit) && limit >= 1 ? limit : edge.maxIterations);
    }
    setEditing(false);
  };
  const classes = [
    'studio-edge',
    `edge-${kind}`,
    faults.length > 0 ? 'faulty' : '',
    selected ? 'selected' : '',
    run ? `run-${run}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <>
      <BaseEdge id={id} path={path} className={classes} />
      {/* Most edges of a large flow have no label: they add no element (and no portal) of their own. */}
      {(editing || label || loop || selected) && (
        <EdgeLabelRenderer>
          <div
            className={`edge-label nodrag nopan ${classes}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            title={faults.map((fault) => fault.message).join('\n') || undefined}
          >
            {editing ? (
              <form onSubmit={submit} onKeyDown={(event) => event.key === 'Escape' && setEditing(false)}>
                <input
                  name="label"
                  defaultValue={label}
                  aria-label="Edge label (the nextPath it is taken for)"
                  autoFocus
                  disabled={edge.on === 'error'}
                />
                {loop && (
                  <input
                    name="maxIterations"
                    type="number"
                    min={1}
                    defaultValue={edge.maxIterations}
                    aria-label="Maximum iterations"
                  />
                )}
                <button type="submit">OK</button>
              </form>
            ) : (
              (label || loop || selected) && (
                <button
                  type="button"
                  className="edge-chip"
                  onDoubleClick={() => setEditing(true)}
                  onClick={() => selected && setEditing(true)}
                  aria-label={`Edge ${edge.from} to ${edge.to}${label ? ` (${label})` : ''}: edit label`}
                >
                  {label || (selected ? '+ label' : '')}
                  {loop && ` ↺ ≤${edge.maxIterations}`}
                </button>
              )
            )}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const StudioEdge = memo(StudioEdgeView);
