/** What each node kind gives the editor: its palette entry, a new node's defaults, and its one-line canvas summary. */
import type { FlowNode, NodeKind } from '../domain/model';

export type NodeOf<K extends NodeKind> = Extract<FlowNode, { type: K }>;

export interface NodeKindDefinition<K extends NodeKind = NodeKind> {
  kind: K;
  label: string;
  description: string;
  /** A new node of this kind, valid as it is. */
  create(id: string): NodeOf<K>;
  summary(node: NodeOf<K>): string;
}

export function defineNodeKind<K extends NodeKind>(definition: NodeKindDefinition<K>): NodeKindDefinition<K> {
  return definition;
}

export function formatMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1_000 === 0) return `${ms / 1_000} s`;
  return `${ms} ms`;
}
