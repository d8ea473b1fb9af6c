import type { NodeKind } from '../domain/model';
import type { NodeOf } from './kind';

/** What a node kind's inspector gets: its node, and one way to change it (a named, undoable field edit). */
export interface KindInspectorProps<K extends NodeKind> {
  flowId: string;
  node: NodeOf<K>;
  update: (field: string, change: (node: NodeOf<K>) => NodeOf<K>) => void;
  /** The nodes that can run before this one, nearest first, and their last known outputs. */
  upstream: readonly string[];
  predecessors: readonly string[];
  outputs: Readonly<Record<string, unknown>>;
}
