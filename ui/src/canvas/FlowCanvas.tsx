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
  type FitViewOptions,
  type NodeChange,
  type Viewport,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { TriggerKind } from '../domain/triggers';
import { isNodeKind } from '../nodes/registry';
import { applyView, beginMove, useGraph, type StudioEdge as StudioEdgeModel, type StudioNode } from '../stores/graph';
import { watchRunEdges } from '../stores/runEdges';
import { openPanel } from '../stores/ui';
import { addNode, connect } from './actions';
import { cardHandles, cardHeight, NODE_WIDTH } from './cardGeometry';
import { NodeCard } from './NodeCard';
import { keptInView, openingViewport, type PlacedBox } from './openingView';
import { DRAG_TYPE } from './Palette';
import { StudioEdge } from './StudioEdge';
import { pathList, usedPathsOf } from './usedPaths';

const NODE_TYPES = { code: NodeCard, delay: NodeCard, wait: NodeCard, subflow: NodeCard };
const EDGE_TYPES = { default: StudioEdge };
const LARGE_GRAPH = 150;
/** "Zoom to fit" shows every node, those never drawn yet (placed by their estimated size) too. */
export const FIT_ALL: FitViewOptions = { maxZoom: 1, minZoom: 0.02, padding: 0.15, includeHiddenNodes: true };

function positionChanges(changes: NodeChange<StudioNode>[]): boolean {
  return changes.some((change) => change.type === 'position' && change.position !== undefined);
}

const estimated = new WeakMap<StudioNode, StudioNode>();

/**
 * The node as React Flow gets it: until the browser has measured it, with the card's estimated size and handles, so
 * that React Flow draws it only when it is in view (it draws every node it knows nothing of, to measure it). A node
 * measured before but given without its size (an undo back to before it was drawn) goes without estimates, so that
 * React Flow measures it again rather than keep the estimate.
 */
function withEstimate(node: StudioNode, edges: readonly StudioEdgeModel[], measured: ReadonlySet<string>): StudioNode {
  if (node.measured?.width !== undefined || measured.has(node.id)) return node;
  let shown = estimated.get(node);
  if (!shown) {
    const used = pathList(usedPathsOf(edges, node.id));
    shown = {
      ...node,
      initialWidth: NODE_WIDTH,
      initialHeight: cardHeight(node.data.node, used),
      handles: cardHandles(node.data.node, used),
    };
    estimated.set(node, shown);
  }
  return shown;
}

function boxesOf(nodes: readonly StudioNode[]): PlacedBox[] {
  return nodes.map((node) => ({
    id: node.id,
    x: node.position.x,
    y: node.position.y,
    width: node.measured?.width ?? node.initialWidth ?? NODE_WIDTH,
    height: node.measured?.height ?? node.initialHeight ?? cardHeight(node.data.node),
  }));
}

export function FlowCanvas({
  onAddTrigger,
  readOnly = false,
}: {
  onAddTrigger?: (kind: TriggerKind) => void;
  readOnly?: boolean;
}) {
  const graphNodes = useGraph((graph) => graph.nodes);
  const edges = useGraph((graph) => graph.edges);
  const measured = useRef(new Set<string>());
  const nodes = useMemo(
    () => graphNodes.map((node) => withEstimate(node, edges, measured.current)),
    [graphNodes, edges],
  );
  const flow = useReactFlow<StudioNode, StudioEdgeModel>();
  useEffect(() => watchRunEdges(), []);

  // The pane's size is read before React Flow is first drawn, so it opens where it should look (openingView.ts)
  // rather than drawing once at the origin. An editor's empty canvas stays at the origin; a run's graph, which may
  // arrive after the canvas, or a pane not laid out yet, is placed once both are there.
  const container = useRef<HTMLDivElement>(null);
  const [opening, setOpening] = useState<Viewport | null>(null);
  const placeLater = useRef(false);
  const current = useRef({ nodes, edges });
  current.current = { nodes, edges };
  useLayoutEffect(() => {
    const { clientWidth: width, clientHeight: height } = container.current!;
    placeLater.current = (readOnly && nodes.length === 0) || width === 0 || height === 0;
    setOpening(openingViewport(boxesOf(nodes), edges, { width, height }));
    // Only the first drawing decides where the canvas opens: no dependencies.
  }, []);
  const placeIfDue = useCallback(() => {
    const pane = container.current;
    const { nodes, edges } = current.current;
    if (!placeLater.current || !pane || nodes.length === 0 || pane.clientWidth === 0 || pane.clientHeight === 0) return;
    if (!flow.viewportInitialized) return;
    placeLater.current = false;
    void flow.setViewport(
      openingViewport(boxesOf(nodes), edges, { width: pane.clientWidth, height: pane.clientHeight }),
    );
  }, [flow]);
  useEffect(placeIfDue, [nodes, edges, placeIfDue]);

  // When a side panel opens, the pane narrows on its right: a graph that fits is moved back into view as little as
  // that takes (openingView.ts keptInView), rather than left under the panel.
  useEffect(() => {
    const pane = container.current!;
    const observer = new ResizeObserver(() => {
      if (placeLater.current) return placeIfDue();
      const nodes = current.current.nodes;
      if (!flow.viewportInitialized || nodes.length === 0) return;
      const viewport = flow.getViewport();
      const moved = keptInView(viewport, boxesOf(nodes), { width: pane.clientWidth, height: pane.clientHeight });
      if (moved.x !== viewport.x || moved.y !== viewport.y) void flow.setViewport(moved);
    });
    observer.observe(pane);
    return () => observer.disconnect();
  }, [flow, placeIfDue]);

  const onNodesChange = useCallback((changes: NodeChange<StudioNode>[]) => {
    for (const change of changes) if (change.type === 'dimensions') measured.current.add(change.id);
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
  const onNodeClick = useCallback(() => openPanel('inspector'), []);
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
    <div
      ref={container}
      className="canvas"
      onDrop={onDrop}
      onDragOver={onDragOver}
      aria-label="Flow canvas"
      role="region"
    >
      {opening && (
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
          onNodeClick={readOnly ? undefined : onNodeClick}
          nodesDraggable={!readOnly}
          nodesConnectable={!readOnly}
          deleteKeyCode={null}
          multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
          selectionKeyCode="Shift"
          onlyRenderVisibleElements={nodes.length > LARGE_GRAPH}
          defaultViewport={opening}
          minZoom={0.02}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={20} />
          <Controls showInteractive={false} fitViewOptions={FIT_ALL} />
          {nodes.length > 0 && <MiniMap pannable zoomable ariaLabel="Minimap" />}
        </ReactFlow>
      )}
      {!readOnly && nodes.length === 0 && (
        <p className="canvas-hint">
          Drag a node from the palette onto the canvas (or click it), then drag from a node’s output to another node to
          connect them.
        </p>
      )}
    </div>
  );
}
