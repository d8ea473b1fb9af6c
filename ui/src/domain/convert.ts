/** Canvas model ↔ flow definition. The conversion is exact both ways: nothing of a definition is lost or invented. */
import { handleOfEdge } from './handles';
import type { CanvasEdge, CanvasGraph, CanvasNode, Edge, FlowDefinition, FlowMeta, Position } from './model';

/** The canvas for a definition; nodes the layout does not place get `fallback`'s position (auto-layout fills them in). */
export function toCanvas(
  definition: FlowDefinition,
  fallback: (nodeId: string, index: number) => Position = () => ({ x: 0, y: 0 }),
): CanvasGraph {
  const { nodes, edges, layout, ...meta } = definition;
  return {
    meta,
    nodes: nodes.map((node, index): CanvasNode => ({
      id: node.id,
      type: node.type,
      position: layout?.nodes[node.id] ?? fallback(node.id, index),
      data: { node },
    })),
    edges: (edges ?? []).map((edge, index) => toCanvasEdge(edge, `e${index}`)),
  };
}

export function toCanvasEdge(edge: Edge, id: string): CanvasEdge {
  return { id, source: edge.from, target: edge.to, sourceHandle: handleOfEdge(edge), data: { edge } };
}

/** The definition the canvas shows, with every node's position in `layout`; UI-only state (selection) is dropped. */
export function toDefinition(graph: CanvasGraph): FlowDefinition {
  const meta: FlowMeta = graph.meta;
  const layout: Record<string, Position> = {};
  for (const node of graph.nodes) layout[node.id] = { x: node.position.x, y: node.position.y };
  return {
    ...meta,
    nodes: graph.nodes.map((node) => ({ ...node.data.node, id: node.id })),
    edges: graph.edges.map((edge) => ({ ...edge.data.edge, from: edge.source, to: edge.target })),
    layout: { nodes: layout },
  };
}

/** Whether the graph has all of a definition's positions (a definition saved without layout needs auto-layout). */
export function hasLayout(definition: FlowDefinition): boolean {
  return definition.nodes.every((node) => definition.layout?.nodes[node.id] !== undefined);
}
