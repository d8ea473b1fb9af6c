/** Whether a new edge goes back to an earlier node (and so is a loop that needs maxIterations). */
import type { Edge } from './model';

/** True when `to` already leads to `from` along forward edges (loop edges excluded), or the edge returns to its source. */
export function closesLoop(
  edges: readonly Pick<Edge, 'from' | 'to' | 'maxIterations'>[],
  from: string,
  to: string,
): boolean {
  if (from === to) return true;
  const next = new Map<string, string[]>();
  for (const edge of edges)
    if (edge.maxIterations === undefined) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  const seen = new Set<string>();
  const stack = [to];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === from) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}
