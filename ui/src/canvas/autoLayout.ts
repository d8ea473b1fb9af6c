/** Left-to-right layout with dagre; dagre answers node centres, React Flow wants top-left corners. */
import dagre from '@dagrejs/dagre';
import type { Position } from '../domain/model';

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 110;

interface Sized {
  id: string;
  measured?: { width?: number; height?: number };
}

export function layoutPositions(nodes: readonly Sized[], edges: readonly { source: string; target: string }[]): Map<string, Position> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) graph.setNode(node.id, { width: node.measured?.width ?? NODE_WIDTH, height: node.measured?.height ?? NODE_HEIGHT });
  for (const edge of edges) if (edge.source !== edge.target) graph.setEdge(edge.source, edge.target);
  dagre.layout(graph);
  const positions = new Map<string, Position>();
  for (const node of nodes) {
    const placed = graph.node(node.id);
    const width = node.measured?.width ?? NODE_WIDTH;
    const height = node.measured?.height ?? NODE_HEIGHT;
    positions.set(node.id, { x: Math.round(placed.x - width / 2), y: Math.round(placed.y - height / 2) });
  }
  return positions;
}
