/** Which nodes can run before a node (so `context.steps.<id>` and input-mapping paths may name them). */
import type { Edge } from './model';

/** Every node with a path of edges to `nodeId` (loop edges included), nearest first; not the node itself unless it loops. */
export function upstreamIds(edges: readonly Pick<Edge, 'from' | 'to'>[], nodeId: string): string[] {
  const into = new Map<string, string[]>();
  for (const edge of edges) into.set(edge.to, [...(into.get(edge.to) ?? []), edge.from]);
  const seen = new Set<string>();
  const order: string[] = [];
  let frontier = [nodeId];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const from of into.get(id) ?? []) {
        if (seen.has(from)) continue;
        seen.add(from);
        order.push(from);
        next.push(from);
      }
    }
    frontier = next;
  }
  return order;
}

/** The nodes whose edges lead straight into `nodeId`. */
export function directPredecessors(edges: readonly Pick<Edge, 'from' | 'to'>[], nodeId: string): string[] {
  return [...new Set(edges.filter((edge) => edge.to === nodeId).map((edge) => edge.from))];
}

/** Dotted paths into a JSON value (fields and array indexes), for completion and the input-mapping picker. */
export function jsonPaths(value: unknown, prefix: string, depth = 4, out: string[] = []): string[] {
  if (depth === 0 || value === null || typeof value !== 'object') return out;
  const entries = Array.isArray(value)
    ? value.slice(0, 3).map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  for (const [key, child] of entries.slice(0, 50)) {
    if (!/^[A-Za-z0-9_$-]+$/.test(key)) continue;
    const path = `${prefix}.${key}`;
    out.push(path);
    jsonPaths(child, path, depth - 1, out);
  }
  return out;
}
