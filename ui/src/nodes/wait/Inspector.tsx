import { NODE_LIMITS } from '../../../../flow/limits';
import { isIdentifier } from '../../domain/ids';
import { NumberField, TextField } from '../../panels/fields';
import type { KindInspectorProps } from '../inspectorProps';
import { formatMs } from '../kind';

export function WaitInspector({ node, update }: KindInspectorProps<'wait'>) {
  return (
    <>
      <TextField
        label="Event name"
        value={node.event}
        validate={(text) => (isIdentifier(text) ? null : 'Letters, digits, "-" or "_".')}
        hint={<>Delivered by POST /api/runs/:runId/events {`{ "event": "${node.event}" }`}</>}
        onCommit={(event) => update('event', (current) => ({ ...current, event }))}
      />
      <NumberField
        label="Timeout (ms)"
        value={node.timeoutMs}
        min={NODE_LIMITS.waitTimeoutMs.min}
        max={NODE_LIMITS.waitTimeoutMs.max}
        hint={`${formatMs(node.timeoutMs)}; then its "timeout" edges are taken`}
        onCommit={(value) =>
          value !== undefined && update('timeoutMs', (current) => ({ ...current, timeoutMs: value }))
        }
      />
    </>
  );
}
