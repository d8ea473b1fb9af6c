/** Left-to-right layout with dagre; dagre answers node centres, React Flow wants top-left corners. */
import dagre from '@dagrejs/dagre';
import type { CanvasEdgeData, CanvasNodeData, Position } from '../domain/model';
import { cardHeight, NODE_WIDTH } from './cardGeometry';

interface Sized {
  id: string;
  data: CanvasNodeData;
  measured?: { width?: number; height?: number };
}

interface Linked {
  source: string;
  target: string;
  data?: CanvasEdgeData;
}

/** An edge's label chip (11 px text): dagre keeps room for it between the two cards, so labels do not cover them. */
function labelSize(edge: Linked): { width: number; height: number } | undefined {
  const label = edge.data?.edge.on === 'error' ? 'error' : edge.data?.edge.path;
  return label ? { width: 16 + 6.5 * label.length, height: 18 } : undefined;
}

export function layoutPositions(nodes: readonly Sized[], edges: readonly Linked[]): Map<string, Position> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  const size = (node: Sized) => ({
    width: node.measured?.width ?? NODE_WIDTH,
    height: node.measured?.height ?? cardHeight(node.data.node),
  });
  for (const node of nodes) graph.setNode(node.id, size(node));
  for (const edge of edges) {
    if (edge.source === edge.target) continue;
    const label = labelSize(edge);
    graph.setEdge(edge.source, edge.target, label ? { ...label, labelpos: 'c' } : {});
  }
  dagre.layout(graph);
  const positions = new Map<string, Position>();
  for (const node of nodes) {
    const placed = graph.node(node.id) as { x: number; y: number };
    const { width, height } = size(node);
    positions.set(node.id, { x: Math.round(placed.x - width / 2), y: Math.round(placed.y - height / 2) });
  }
  return positions;
}
