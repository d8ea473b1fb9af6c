/** The editor's commands on the graph, each one undoable step. */
import { copySelection, pasteClip, type Clip } from '../domain/clipboard';
import { toCanvasEdge } from '../domain/convert';
import { edgeOfHandle, handleOfEdge } from '../domain/handles';
import { freeId } from '../domain/ids';
import { closesLoop } from '../domain/loops';
import { localTimeZone, newTrigger, type TriggerKind } from '../domain/triggers';
import type { Edge, FlowNode, NodeKind, Position } from '../domain/model';
import { renameNode } from '../domain/rename';
import { kindOf } from '../nodes/registry';
import { currentGraph, edit, updateMeta, type EditorGraph, type StudioEdge, type StudioNode } from '../stores/graph';
import { uiStore, type PendingLoop } from '../stores/ui';
import { layoutPositions } from './autoLayout';

let edgeCounter = 0;
export function newEdgeId(): string {
  edgeCounter += 1;
  return `e${Date.now().toString(36)}${edgeCounter}`;
}

function edgesOf(graph: EditorGraph): Edge[] {
  return graph.edges.map((edge) => ({ ...edge.data.edge, from: edge.source, to: edge.target }));
}

export function addNode(kind: NodeKind, position: Position): string {
  const graph = currentGraph();
  const id = freeId(kind, new Set(graph.nodes.map((node) => node.id)));
  const node: StudioNode = { id, type: kind, position, data: { node: kindOf(kind).create(id) }, selected: true };
  edit(`add ${kind}`, (current) => ({
    ...current,
    nodes: [...current.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
  }));
  return id;
}

/** Connects two nodes; an edge back to an earlier node first asks for its maximum iterations. */
export function connect(from: string, to: string, sourceHandle: string): void {
  const graph = currentGraph();
  const shape = edgeOfHandle(sourceHandle);
  const duplicate = graph.edges.some(
    (edge) => edge.source === from && edge.target === to && edge.sourceHandle === handleOfEdge(shape),
  );
  if (duplicate) return;
  if (closesLoop(edgesOf(graph), from, to)) {
    uiStore.set((state) => ({ ...state, pendingLoop: { from, to, sourceHandle } }));
    return;
  }
  addEdge({ from, to, ...shape });
}

export function addEdge(edge: Edge): void {
  edit('connect', (graph) => ({ ...graph, edges: [...graph.edges, toCanvasEdge(edge, newEdgeId())] }));
}

export function confirmLoop(pending: PendingLoop, maxIterations: number | null): void {
  uiStore.set((state) => ({ ...state, pendingLoop: null }));
  if (maxIterations === null) return;
  addEdge({ from: pending.from, to: pending.to, ...edgeOfHandle(pending.sourceHandle), maxIterations });
}

export function deleteSelection(): void {
  edit('delete', (graph) => {
    const removed = new Set(graph.nodes.filter((node) => node.selected).map((node) => node.id));
    const edges = graph.edges.filter(
      (edge) => !edge.selected && !removed.has(edge.source) && !removed.has(edge.target),
    );
    if (removed.size === 0 && edges.length === graph.edges.length) return graph;
    return { ...graph, nodes: graph.nodes.filter((node) => !removed.has(node.id)), edges };
  });
}

let clip: Clip | null = null;
let pastes = 0;

export function copy(): boolean {
  const graph = currentGraph();
  const picked = copySelection(graph.nodes, graph.edges);
  if (picked.nodes.length === 0) return false;
  clip = picked;
  pastes = 0;
  return true;
}

export function paste(): void {
  if (!clip) return;
  const source = clip;
  pastes += 1;
  edit('paste', (graph) => {
    const pasted = pasteClip(source, new Set(graph.nodes.map((node) => node.id)), 40 * pastes, newEdgeId);
    return {
      ...graph,
      nodes: [
        ...graph.nodes.map((node) => (node.selected ? { ...node, selected: false } : node)),
        ...(pasted.nodes as StudioNode[]),
      ],
      edges: [
        ...graph.edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)),
        ...(pasted.edges as StudioEdge[]),
      ],
    };
  });
}

export function autoLayout(): void {
  edit('auto-layout', (graph) => {
    const positions = layoutPositions(graph.nodes, graph.edges);
    return {
      ...graph,
      nodes: graph.nodes.map((node) => ({ ...node, position: positions.get(node.id) ?? node.position })),
    };
  });
}

/** Replaces one node's definition (inspector edits); typing into one field is one undo step per pause. */
export function updateNode(nodeId: string, field: string, change: (node: FlowNode) => FlowNode): void {
  edit(`edit ${nodeId}.${field}`, (graph) => ({
    ...graph,
    nodes: graph.nodes.map((node) =>
      node.id === nodeId ? { ...node, data: { ...node.data, node: change(node.data.node) } } : node,
    ),
  }));
}

export function renameNodeId(from: string, to: string): void {
  edit('rename', (graph) => {
    const renamed = renameNode(graph.nodes, graph.edges, from, to);
    return { ...graph, nodes: renamed.nodes, edges: renamed.edges };
  });
}

/** Sets an edge's label: a label makes it a path edge, none makes it always followed; error edges keep theirs. */
export function setEdgeLabel(edgeId: string, label: string): void {
  edit('edge label', (graph) => ({
    ...graph,
    edges: graph.edges.map((edge) => {
      if (edge.id !== edgeId || edge.data.edge.on === 'error') return edge;
      const { path: _old, ...rest } = edge.data.edge;
      const next: Edge = label.trim() ? { ...rest, path: label.trim() } : rest;
      return { ...edge, sourceHandle: handleOfEdge(next), data: { edge: next } };
    }),
  }));
}

export function setEdgeIterations(edgeId: string, maxIterations: number | undefined): void {
  edit('loop limit', (graph) => ({
    ...graph,
    edges: graph.edges.map((edge) => {
      if (edge.id !== edgeId) return edge;
      const { maxIterations: _old, ...rest } = edge.data.edge;
      return { ...edge, data: { edge: maxIterations === undefined ? rest : { ...rest, maxIterations } } };
    }),
  }));
}

export function addTrigger(kind: TriggerKind): void {
  updateMeta(`add ${kind} trigger`, (meta) => ({
    ...meta,
    triggers: [...(meta.triggers ?? []), newTrigger(kind, meta.triggers ?? [], localTimeZone())],
  }));
}
