/** Every node kind, in palette order. */
import type { FlowNode, NodeKind } from '../domain/model';
import { codeKind } from './code/definition';
import { delayKind } from './delay/definition';
import type { NodeKindDefinition } from './kind';
import { subflowKind } from './subflow/definition';
import { waitKind } from './wait/definition';

export const NODE_KINDS = { code: codeKind, delay: delayKind, wait: waitKind, subflow: subflowKind } satisfies {
  [K in NodeKind]: NodeKindDefinition<K>;
};

export const PALETTE_KINDS: NodeKind[] = ['code', 'delay', 'wait', 'subflow'];

export function kindOf(kind: NodeKind): NodeKindDefinition {
  return NODE_KINDS[kind] as unknown as NodeKindDefinition;
}

export function summaryOf(node: FlowNode): string {
  return kindOf(node.type).summary(node);
}

export function isNodeKind(text: string): text is NodeKind {
  return text in NODE_KINDS;
}
