import { NODE_LIMITS } from '../../../../flow/limits';
import { NumberField } from '../../panels/fields';
import type { KindInspectorProps } from '../inspectorProps';
import { formatMs } from '../kind';

export function DelayInspector({ node, update }: KindInspectorProps<'delay'>) {
  return (
    <NumberField
      label="Duration (ms)"
      value={node.durationMs}
      min={NODE_LIMITS.delayMs.min}
      max={NODE_LIMITS.delayMs.max}
      hint={formatMs(node.durationMs)}
      onCommit={(value) =>
        value !== undefined && update('durationMs', (current) => ({ ...current, durationMs: value }))
      }
    />
  );
}
