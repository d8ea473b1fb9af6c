/** Renaming a node id: its edges and every input-mapping path into it follow. */
import type { CanvasEdge, CanvasNode, FlowNode } from './model';

type Mapping = NonNullable<FlowNode['input']>;

function renamePath(path: string, from: string, to: string): string {
  const prefix = `steps.${from}`;
  return path === prefix || path.startsWith(`${prefix}.`) ? `steps.${to}${path.slice(prefix.length)}` : path;
}

function renameMapping(mapping: Mapping | undefined, from: string, to: string): Mapping | undefined {
  if (mapping === undefined) return undefined;
  if ('path' in mapping && typeof mapping.path === 'string') return { path: renamePath(mapping.path, from, to) };
  if ('value' in mapping && Object.keys(mapping).length === 1) return mapping;
  const fields: Record<string, { path: string } | { value: unknown }> = {};
  for (const [key, source] of Object.entries(mapping as Record<string, { path: string } | { value: unknown }>)) {
    fields[key] = 'path' in source ? { path: renamePath(source.path, from, to) } : source;
  }
  return fields as Mapping;
}

export function renameNode(
  nodes: readonly CanvasNode[],
  edges: readonly CanvasEdge[],
  from: string,
  to: string,
): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  return {
    nodes: nodes.map((node) => {
      const input = renameMapping(node.data.node.input, from, to);
      const id = node.id === from ? to : node.id;
      const flowNode = { ...node.data.node, id, ...(input === undefined ? {} : { input }) };
      return id === node.id && input === node.data.node.input
        ? node
        : { ...node, id, data: { ...node.data, node: flowNode } };
    }),
    edges: edges.map((edge) => {
      if (edge.source !== from && edge.target !== from) return edge;
      const source = edge.source === from ? to : edge.source;
      const target = edge.target === from ? to : edge.target;
      return { ...edge, source, target, data: { edge: { ...edge.data.edge, from: source, to: target } } };
    }),
  };
}
