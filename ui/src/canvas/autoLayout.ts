/** Left-to-right layout with dagre; dagre answers node centres, React Flow wants top-left corners. */
import dagre from '@dagrejs/dagre';
import { outputHandles } from '../domain/handles';
import type { CanvasNodeData, Position } from '../domain/model';

export const NODE_WIDTH = 220;

interface Sized {
  id: string;
  data: CanvasNodeData;
  measured?: { width?: number; height?: number };
}

/** A node's height before the browser has measured it: its card grows with its output handles. */
function estimatedHeight(node: Sized): number {
  return 64 + 15 * outputHandles(node.data.node).length + (node.data.node.name ? 14 : 0);
}

export function layoutPositions(
  nodes: readonly Sized[],
  edges: readonly { source: string; target: string }[],
): Map<string, Position> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes)
    graph.setNode(node.id, {
      width: node.measured?.width ?? NODE_WIDTH,
      height: node.measured?.height ?? estimatedHeight(node),
    });
  for (const edge of edges) if (edge.source !== edge.target) graph.setEdge(edge.source, edge.target);
  dagre.layout(graph);
  const positions = new Map<string, Position>();
  for (const node of nodes) {
    const placed = graph.node(node.id) as { x: number; y: number };
    const width = node.measured?.width ?? NODE_WIDTH;
    const height = node.measured?.height ?? estimatedHeight(node);
    positions.set(node.id, { x: Math.round(placed.x - width / 2), y: Math.round(placed.y - height / 2) });
  }
  return positions;
}
