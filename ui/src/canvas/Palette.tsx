/** Node kinds and trigger kinds: dragged onto the canvas, or added with a click or Enter at the canvas's centre. */
import type { DragEvent } from 'react';
import { TRIGGER_KINDS, type TriggerKind } from '../domain/triggers';
import type { NodeKind } from '../domain/model';
import { kindOf, PALETTE_KINDS } from '../nodes/registry';

export const DRAG_TYPE = 'application/x-nectar-kind';

function onDragStart(event: DragEvent, item: string): void {
  event.dataTransfer.setData(DRAG_TYPE, item);
  event.dataTransfer.effectAllowed = 'move';
}

export function Palette({
  onAddNode,
  onAddTrigger,
}: {
  onAddNode: (kind: NodeKind) => void;
  onAddTrigger: (kind: TriggerKind) => void;
}) {
  return (
    <aside className="palette" aria-label="Palette">
      <h2>Nodes</h2>
      <ul>
        {PALETTE_KINDS.map((kind) => (
          <li key={kind}>
            <button
              type="button"
              draggable
              onDragStart={(event) => onDragStart(event, `node:${kind}`)}
              onClick={() => onAddNode(kind)}
              title={kindOf(kind).description}
              aria-label={`Add ${kindOf(kind).label} node`}
              className={`palette-item kind-${kind}`}
              data-kind={kind}
            >
              {kindOf(kind).label}
            </button>
          </li>
        ))}
      </ul>
      <h2>Triggers</h2>
      <ul>
        {TRIGGER_KINDS.map((trigger) => (
          <li key={trigger.kind}>
            <button
              type="button"
              draggable
              onDragStart={(event) => onDragStart(event, `trigger:${trigger.kind}`)}
              onClick={() => onAddTrigger(trigger.kind)}
              title={trigger.description}
              aria-label={`Add ${trigger.label} trigger`}
              className="palette-item trigger-kind"
              data-kind={trigger.kind}
            >
              {trigger.label}
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
