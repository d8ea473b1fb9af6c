/** The canvas: React Flow drawing the graph store, with drops from the palette and connections from handles. */
import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useState, type DragEvent } from 'react';
import type { TriggerKind } from '../domain/triggers';
import { isNodeKind } from '../nodes/registry';
import { applyView, beginMove, useGraph, type StudioEdge as StudioEdgeModel, type StudioNode } from '../stores/graph';
import { watchRunEdges } from '../stores/runEdges';
import { openPanel } from '../stores/ui';
import { addNode, connect } from './actions';
import { NodeCard } from './NodeCard';
import { DRAG_TYPE } from './Palette';
import { StudioEdge } from './StudioEdge';

const NODE_TYPES = { code: NodeCard, delay: NodeCard, wait: NodeCard, subflow: NodeCard };
const EDGE_TYPES = { default: StudioEdge };
const LARGE_GRAPH = 150;
const FIT_VIEW = { maxZoom: 1, padding: 0.15 };

function positionChanges(changes: NodeChange<StudioNode>[]): boolean {
  return changes.some((change) => change.type === 'position' && change.position !== undefined);
}

export function FlowCanvas({
  onAddTrigger,
  readOnly = false,
}: {
  onAddTrigger?: (kind: TriggerKind) => void;
  readOnly?: boolean;
}) {
  const nodes = useGraph((graph) => graph.nodes);
  const edges = useGraph((graph) => graph.edges);
  const flow = useReactFlow<StudioNode, StudioEdgeModel>();
  useEffect(() => watchRunEdges(), []);
  // The graph is fitted into view once its nodes are first drawn; not an editor's empty canvas, which React Flow would
  // fit to the first node dropped on it, moving that node away from where it was put.
  const [fitOnOpen] = useState(() => readOnly || nodes.length > 0);

  const onNodesChange = useCallback((changes: NodeChange<StudioNode>[]) => {
    const kept = changes.filter(
      (change) => change.type !== 'remove' && change.type !== 'add' && change.type !== 'replace',
    );
    if (kept.length > 0)
      applyView((graph) => ({ ...graph, nodes: applyNodeChanges(kept, graph.nodes) }), positionChanges(kept));
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange<StudioEdgeModel>[]) => {
    const kept = changes.filter((change) => change.type === 'select');
    if (kept.length > 0) applyView((graph) => ({ ...graph, edges: applyEdgeChanges(kept, graph.edges) }), false);
  }, []);
  const onConnect = useCallback((connection: Connection) => {
    if (connection.source && connection.target)
      connect(connection.source, connection.target, connection.sourceHandle ?? 'out');
  }, []);
  const onDrop = useCallback(
    (event: DragEvent) => {
      const item = event.dataTransfer.getData(DRAG_TYPE);
      if (!item) return;
      event.preventDefault();
      const [group, kind] = item.split(':');
      if (group === 'trigger') onAddTrigger?.(kind as TriggerKind);
      else if (group === 'node' && isNodeKind(kind))
        addNode(kind, flow.screenToFlowPosition({ x: event.clientX - 110, y: event.clientY - 30 }));
    },
    [flow, onAddTrigger],
  );
  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(DRAG_TYPE)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
  }, []);

  return (
    <div className="canvas" onDrop={onDrop} onDragOver={onDragOver} aria-label="Flow canvas" role="region">
      <ReactFlow<StudioNode, StudioEdgeModel>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        edgeTypes={EDGE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={readOnly ? undefined : onConnect}
        onNodeDragStart={readOnly ? undefined : beginMove}
        onSelectionDragStart={readOnly ? undefined : beginMove}
        onNodeClick={readOnly ? undefined : () => openPanel('inspector')}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={null}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        selectionKeyCode="Shift"
        onlyRenderVisibleElements={nodes.length > LARGE_GRAPH}
        fitView={fitOnOpen}
        fitViewOptions={FIT_VIEW}
        minZoom={0.02}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable ariaLabel="Minimap" />
      </ReactFlow>
    </div>
  );
}
