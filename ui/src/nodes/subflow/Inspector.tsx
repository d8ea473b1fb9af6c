import { isIdentifier } from '../../domain/ids';
import { NumberField, TextField } from '../../panels/fields';
import type { KindInspectorProps } from '../inspectorProps';

export function SubflowInspector({ node, update, flowId }: KindInspectorProps<'subflow'>) {
  return (
    <>
      <TextField
        label="Flow id"
        value={node.flowId}
        validate={(text) =>
          !isIdentifier(text) ? 'Letters, digits, "-" or "_".' : text === flowId ? 'A flow cannot run itself.' : null
        }
        onCommit={(value) => update('flowId', (current) => ({ ...current, flowId: value }))}
      />
      <NumberField
        label="Version (empty: newest)"
        value={node.version}
        min={1}
        max={1_000_000}
        optional
        onCommit={(version) =>
          update('version', (current) => {
            const { version: _old, ...rest } = current;
            return version === undefined ? rest : { ...rest, version };
          })
        }
      />
    </>
  );
}
