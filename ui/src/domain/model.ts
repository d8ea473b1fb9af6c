/** The canvas model: what the editor holds, shaped so React Flow can draw it, and convertible to a flow definition. */
import type { Edge, FlowDefinition as SavedDefinition, FlowNode } from '../../../flow/schema';

export type { Edge, FlowNode };
export type NodeKind = FlowNode['type'];

export interface Position {
  x: number;
  y: number;
}

/** Where each node is drawn: the definition's optional `layout` section, validated by the API and ignored by runs. */
export interface Layout {
  nodes: Record<string, Position>;
}

export type FlowDefinition = SavedDefinition & { layout?: Layout };

/** Everything in a definition besides its nodes, edges and layout, carried through the editor untouched. */
export type FlowMeta = Omit<FlowDefinition, 'nodes' | 'edges' | 'layout'>;

export interface CanvasNodeData {
  node: FlowNode;
  [key: string]: unknown;
}

export interface CanvasNode {
  id: string;
  type: NodeKind;
  position: Position;
  data: CanvasNodeData;
  selected?: boolean;
}

export interface CanvasEdgeData {
  edge: Edge;
  [key: string]: unknown;
}

export interface CanvasEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle: string;
  data: CanvasEdgeData;
  selected?: boolean;
}

export interface CanvasGraph {
  meta: FlowMeta;
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}
