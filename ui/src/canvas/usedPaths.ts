/** The labels each node's edges use (they keep their handles while code is edited), computed once per edges array. */
import type { StudioEdge } from '../stores/graph';

const NO_PATHS = '';
const pathsBySource = new WeakMap<readonly StudioEdge[], Map<string, string>>();

/**
 * One line per label: every card reads it on every store change, so a per-card scan of all edges would cost
 * nodes × edges each time; a string compares equal when unchanged, so a card is not drawn again for nothing.
 */
export function usedPathsOf(edges: readonly StudioEdge[], source: string): string {
  let bySource = pathsBySource.get(edges);
  if (!bySource) {
    bySource = new Map();
    for (const edge of edges) {
      const path = edge.data.edge.path;
      if (path === undefined) continue;
      const before = bySource.get(edge.source);
      bySource.set(edge.source, before === undefined ? path : `${before}\n${path}`);
    }
    pathsBySource.set(edges, bySource);
  }
  return bySource.get(source) ?? NO_PATHS;
}

export function pathList(usedPaths: string): string[] {
  return usedPaths ? usedPaths.split('\n') : [];
}
