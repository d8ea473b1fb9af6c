/** What changed between two definitions: nodes added, removed or changed (and which fields), edges, triggers. */
import type { Edge, FlowDefinition, FlowNode } from './model';

export interface NodeChange {
  id: string;
  fields: string[];
  before: FlowNode;
  after: FlowNode;
}

export interface DefinitionDiff {
  addedNodes: FlowNode[];
  removedNodes: FlowNode[];
  changedNodes: NodeChange[];
  addedEdges: Edge[];
  removedEdges: Edge[];
  /** Flow-level fields that differ (name, description, triggers, execution, errorHandler); layout is not read. */
  changedFields: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const edgeKey = (edge: Edge) =>
  JSON.stringify([edge.from, edge.to, edge.path ?? null, edge.on ?? null, edge.maxIterations ?? null]);

export function diffDefinitions(before: FlowDefinition, after: FlowDefinition): DefinitionDiff {
  const beforeNodes = new Map(before.nodes.map((node) => [node.id, node]));
  const afterNodes = new Map(after.nodes.map((node) => [node.id, node]));
  const changedNodes: NodeChange[] = [];
  for (const [id, node] of afterNodes) {
    const old = beforeNodes.get(id);
    if (!old || same(old, node)) continue;
    const keys = new Set([...Object.keys(old), ...Object.keys(node)]);
    const fields = [...keys].filter(
      (key) => !same((old as Record<string, unknown>)[key], (node as Record<string, unknown>)[key]),
    );
    changedNodes.push({ id, fields, before: old, after: node });
  }
  const beforeEdges = new Set(before.edges.map(edgeKey));
  const afterEdges = new Set(after.edges.map(edgeKey));
  const flowFields = ['name', 'description', 'triggers', 'execution', 'errorHandler'] as const;
  return {
    addedNodes: after.nodes.filter((node) => !beforeNodes.has(node.id)),
    removedNodes: before.nodes.filter((node) => !afterNodes.has(node.id)),
    changedNodes,
    addedEdges: after.edges.filter((edge) => !beforeEdges.has(edgeKey(edge))),
    removedEdges: before.edges.filter((edge) => !afterEdges.has(edgeKey(edge))),
    changedFields: flowFields.filter((field) => !same(before[field], after[field])),
  };
}

/** "2 nodes changed (route: code), 1 added" — the one-line summary a version list shows. */
export function summarizeDiff(diff: DefinitionDiff): string {
  const parts: string[] = [];
  if (diff.changedNodes.length > 0)
    parts.push(`changed ${diff.changedNodes.map((change) => `${change.id} (${change.fields.join(', ')})`).join(', ')}`);
  if (diff.addedNodes.length > 0) parts.push(`added ${diff.addedNodes.map((node) => node.id).join(', ')}`);
  if (diff.removedNodes.length > 0) parts.push(`removed ${diff.removedNodes.map((node) => node.id).join(', ')}`);
  const edges = diff.addedEdges.length + diff.removedEdges.length;
  if (edges > 0) parts.push(`${edges} edge${edges === 1 ? '' : 's'} changed`);
  if (diff.changedFields.length > 0) parts.push(diff.changedFields.join(', '));
  return parts.length > 0 ? parts.join('; ') : 'no change';
}
