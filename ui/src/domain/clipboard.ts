/** Copy and paste of a selection: pasted nodes get free ids, edges among them follow, positions are offset. */
import { toCanvasEdge } from './convert';
import { freeId } from './ids';
import type { CanvasEdge, CanvasNode } from './model';

export interface Clip {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}

/** The selected nodes and the edges between two of them. */
export function copySelection(nodes: readonly CanvasNode[], edges: readonly CanvasEdge[]): Clip {
  const picked = nodes.filter((node) => node.selected);
  const ids = new Set(picked.map((node) => node.id));
  return { nodes: picked, edges: edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)) };
}

/** The clip as new, selected nodes and edges whose ids do not collide with `takenIds`; mapping paths are renamed too. */
export function pasteClip(clip: Clip, takenIds: ReadonlySet<string>, offset: number, newEdgeId: () => string): Clip {
  const taken = new Set(takenIds);
  const renamed = new Map<string, string>();
  for (const node of clip.nodes) {
    const id = freeId(node.id, taken);
    taken.add(id);
    renamed.set(node.id, id);
  }
  const nodes = clip.nodes.map((node): CanvasNode => {
    const id = renamed.get(node.id)!;
    return {
      id,
      type: node.type,
      position: { x: node.position.x + offset, y: node.position.y + offset },
      data: { node: { ...node.data.node, id } },
      selected: true,
    };
  });
  const edges = clip.edges.map((edge) => {
    const from = renamed.get(edge.source)!;
    const to = renamed.get(edge.target)!;
    return { ...toCanvasEdge({ ...edge.data.edge, from, to }, newEdgeId()), selected: true };
  });
  return { nodes, edges };
}
