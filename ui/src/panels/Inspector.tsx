/** The selected node's settings: id, name, what it receives, what a failure does, and its kind's own fields. */
import { useMemo, useState, type ComponentType } from 'react';
import { renameNodeId, updateNode } from '../canvas/actions';
import { isIdentifier } from '../domain/ids';
import type { FlowNode } from '../domain/model';
import { directPredecessors, jsonPaths, upstreamIds } from '../domain/upstream';
import { KIND_INSPECTORS } from '../nodes/inspectors';
import type { KindInspectorProps } from '../nodes/inspectorProps';
import { kindOf } from '../nodes/registry';
import { useNodeFaults } from '../stores/checks';
import { useStore } from '../stores/createStore';
import { currentGraph, useGraph } from '../stores/graph';
import { runStatusStore } from '../stores/runStatus';
import { SelectField, TextField } from './fields';
import { InputMappingEditor } from './InputMapping';

const ON_ERROR = [
  { value: 'stop', label: 'stop the run (default)' },
  { value: 'continue', label: 'continue as if it returned { error }' },
  { value: 'error-edge', label: 'take its error edges' },
] as const;

function IdField({ id }: { id: string }) {
  const [text, setText] = useState(id);
  const problem =
    text === id
      ? null
      : !isIdentifier(text)
        ? 'Letters, digits, "-" or "_", starting with a letter or digit.'
        : currentGraph().nodes.some((node) => node.id === text)
          ? 'Another node has this id.'
          : null;
  const commit = () => {
    if (text !== id && problem === null) renameNodeId(id, text);
    else setText(id);
  };
  return (
    <div className="field">
      <label htmlFor="node-id">Id</label>
      <input
        id="node-id"
        value={text}
        aria-invalid={problem !== null}
        onChange={(event) => setText(event.target.value)}
        onBlur={commit}
        onKeyDown={(event) => event.key === 'Enter' && commit()}
      />
      {problem && <span className="error">{problem}</span>}
    </div>
  );
}

export function Inspector({ flowId }: { flowId: string }) {
  const selectedId = useGraph((graph) => {
    const selected = graph.nodes.filter((node) => node.selected);
    return selected.length === 1 ? selected[0].id : selected.length === 0 ? null : '';
  });
  if (selectedId === null) return <p className="muted">Select a node to edit it, or drag one from the palette.</p>;
  if (selectedId === '')
    return <p className="muted">Several nodes are selected: move, copy or delete them together.</p>;
  return <NodeInspector key={selectedId} flowId={flowId} nodeId={selectedId} />;
}

function NodeInspector({ flowId, nodeId }: { flowId: string; nodeId: string }) {
  const node = useGraph((graph) => graph.nodes.find((candidate) => candidate.id === nodeId)?.data.node);
  const edgesKey = useGraph((graph) => graph.edges.map((edge) => `${edge.source}>${edge.target}`).join(','));
  const runNodes = useStore(runStatusStore, (state) => state.nodes);
  const faults = useNodeFaults(nodeId);
  const { upstream, predecessors } = useMemo(() => {
    const edges = edgesKey
      ? edgesKey.split(',').map((pair) => ({ from: pair.split('>')[0], to: pair.split('>')[1] }))
      : [];
    return { upstream: upstreamIds(edges, nodeId), predecessors: directPredecessors(edges, nodeId) };
  }, [edgesKey, nodeId]);
  const outputs = useMemo(
    () =>
      Object.fromEntries(
        Object.values(runNodes).flatMap((record) => (record.output !== undefined ? [[record.id, record.output]] : [])),
      ),
    [runNodes],
  );
  const paths = useMemo(
    () => ['trigger.payload', ...upstream.flatMap((id) => [`steps.${id}`, ...jsonPaths(outputs[id], `steps.${id}`)])],
    [upstream, outputs],
  );
  if (!node) return null;

  const update = (field: string, change: (current: FlowNode) => FlowNode) => updateNode(nodeId, field, change);
  const KindInspector = KIND_INSPECTORS[node.type] as ComponentType<KindInspectorProps<FlowNode['type']>>;
  return (
    <section className="panel inspector" aria-label={`Node ${nodeId}`}>
      <h2>
        {kindOf(node.type).label}: {node.name ?? nodeId}
      </h2>
      {faults.length > 0 && (
        <ul className="faults" aria-label="Problems">
          {faults.map((fault, index) => (
            <li key={index} className="error">
              {fault.message}
            </li>
          ))}
        </ul>
      )}
      <div className="field-grid">
        <IdField id={nodeId} />
        <TextField
          label="Name"
          value={node.name ?? ''}
          onCommit={(name) =>
            update('name', (current) => {
              const { name: _old, ...rest } = current;
              return name.trim() ? { ...rest, name } : rest;
            })
          }
        />
      </div>
      <KindInspector
        flowId={flowId}
        node={node}
        update={update}
        upstream={upstream}
        predecessors={predecessors}
        outputs={outputs}
      />
      <InputMappingEditor
        mapping={node.input}
        paths={paths}
        onChange={(input) =>
          update('input', (current) => {
            const { input: _old, ...rest } = current;
            return input === undefined ? rest : { ...rest, input };
          })
        }
      />
      <SelectField
        label="When it fails"
        value={node.onError ?? 'stop'}
        options={ON_ERROR}
        onCommit={(onError) =>
          update('onError', (current) => {
            const { onError: _old, ...rest } = current;
            return onError === 'stop' && current.onError === undefined ? rest : { ...rest, onError };
          })
        }
      />
    </section>
  );
}
