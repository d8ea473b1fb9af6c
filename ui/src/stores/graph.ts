/**
 * The graph being edited, with undo/redo. History snapshots are taken on named edits (connect, delete, paste, a
 * field change, the start of a drag), never on selection or measuring, so undo steps are what a person did.
 */
import type { Edge as FlowEdge, Node as FlowNodeView } from '@xyflow/react';
import type {
  CanvasEdge,
  CanvasEdgeData,
  CanvasGraph,
  CanvasNode,
  CanvasNodeData,
  FlowMeta,
  NodeKind,
} from '../domain/model';
import { createStore, useStore } from './createStore';

export type StudioNode = FlowNodeView<CanvasNodeData, NodeKind> & CanvasNode;
export type StudioEdge = FlowEdge<CanvasEdgeData> & CanvasEdge;

export interface EditorGraph extends CanvasGraph {
  nodes: StudioNode[];
  edges: StudioEdge[];
}

interface GraphState {
  graph: EditorGraph;
  past: EditorGraph[];
  future: EditorGraph[];
  /** Grows with every change of content (not selection): autosave and graph checks follow it. */
  contentVersion: number;
  /** The name of the last edit, for the undo button's title, and when it was made. */
  lastEdit?: string;
  lastEditAt?: number;
}

/** Field edits (`edit <node>.<field>`) within this long of the previous one of the same field are one undo step. */
const COALESCE_MS = 1_000;

export const HISTORY_LIMIT = 100;
const EMPTY: EditorGraph = { meta: { id: '', name: '' }, nodes: [], edges: [] };

export const graphStore = createStore<GraphState>({ graph: EMPTY, past: [], future: [], contentVersion: 0 });

export function useGraph<S>(select: (graph: EditorGraph) => S): S {
  return useStore(graphStore, (state) => select(state.graph));
}

export function currentGraph(): EditorGraph {
  return graphStore.get().graph;
}

/** A freshly opened flow: history starts empty. */
export function loadGraph(graph: CanvasGraph): void {
  graphStore.set({ graph: graph, past: [], future: [], contentVersion: 0 });
}

function pushed(past: EditorGraph[], graph: EditorGraph): EditorGraph[] {
  return [...past, graph].slice(-HISTORY_LIMIT);
}

/** A named, undoable change of content. */
export function edit(label: string, change: (graph: EditorGraph) => EditorGraph): void {
  graphStore.set((state) => {
    const next = change(state.graph);
    if (next === state.graph) return state;
    const now = Date.now();
    const continues =
      label.startsWith('edit ') && state.lastEdit === label && now - (state.lastEditAt ?? 0) < COALESCE_MS;
    const past = continues ? state.past : pushed(state.past, state.graph);
    return {
      graph: next,
      past,
      future: [],
      contentVersion: state.contentVersion + 1,
      lastEdit: label,
      lastEditAt: now,
    };
  });
}

/** Takes the snapshot a drag returns to on undo; the moves that follow change content without more snapshots. */
export function beginMove(): void {
  graphStore.set((state) => ({
    ...state,
    past: pushed(state.past, state.graph),
    future: [],
    lastEdit: 'move',
    lastEditAt: Date.now(),
  }));
}

/** A change that is not an edit of its own (positions while dragging, selection, measured sizes). */
export function applyView(change: (graph: EditorGraph) => EditorGraph, changesContent: boolean): void {
  graphStore.set((state) => {
    const next = change(state.graph);
    if (next === state.graph) return state;
    return { ...state, graph: next, contentVersion: state.contentVersion + (changesContent ? 1 : 0) };
  });
}

export function undo(): void {
  graphStore.set((state) => {
    const previous = state.past.at(-1);
    if (!previous) return state;
    return {
      graph: previous,
      past: state.past.slice(0, -1),
      future: [state.graph, ...state.future],
      contentVersion: state.contentVersion + 1,
    };
  });
}

export function redo(): void {
  graphStore.set((state) => {
    const [next, ...rest] = state.future;
    if (!next) return state;
    return {
      graph: next,
      past: pushed(state.past, state.graph),
      future: rest,
      contentVersion: state.contentVersion + 1,
    };
  });
}

export function updateMeta(label: string, change: (meta: FlowMeta) => FlowMeta): void {
  edit(label, (graph) => ({ ...graph, meta: change(graph.meta) }));
}
