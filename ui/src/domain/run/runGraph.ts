/** What a run says about its graph: which edges it took, and which node a person wants to see first. Pure. */
import type { NodeRecord } from '../../../../flow/contracts';
import type { Edge } from '../model';

export type EdgeRunState = 'taken' | 'dead' | 'pending';

const RAN = new Set(['running', 'succeeded', 'failed', 'cancelled']);

function nextPathOf(output: unknown): string | undefined {
  if (output === null || typeof output !== 'object' || Array.isArray(output)) return undefined;
  const value = (output as Record<string, unknown>).nextPath;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Each edge's state from the node records: taken when its source ended the way the edge is followed (failed for an
 * error edge, succeeded otherwise, with the returned `nextPath` for a labelled edge) and its target ran; dead when the
 * source ended and the edge was not taken; pending while the source has not ended.
 */
export function edgeRunStates(edges: Edge[], nodes: Record<string, NodeRecord>): EdgeRunState[] {
  return edges.map((edge) => {
    const source = nodes[edge.from];
    const target = nodes[edge.to];
    if (!source || (source.status !== 'succeeded' && source.status !== 'failed')) return 'pending';
    const targetRan = target !== undefined && RAN.has(target.status);
    if (edge.on === 'error') return source.status === 'failed' && targetRan ? 'taken' : 'dead';
    if (source.status !== 'succeeded') return 'dead';
    if (edge.path !== undefined) {
      const nextPath = nextPathOf(source.output);
      if (nextPath !== undefined) {
        const labels = new Set(edges.filter((other) => other.from === edge.from).map((other) => other.path));
        const chosen = edge.path === nextPath || (edge.path === 'default' && !labels.has(nextPath));
        if (!chosen) return 'dead';
      }
    }
    return targetRan ? 'taken' : target?.status === 'pending' ? 'pending' : 'dead';
  });
}

function startedAt(node: NodeRecord): number {
  return node.startedAt ? Date.parse(node.startedAt) : Number.POSITIVE_INFINITY;
}

/**
 * The node a run opens on: the failed node whose error failed the run (else the first failed one), else the node
 * running now, else none.
 */
export function focusNodeId(nodes: NodeRecord[], runErrorNodeId?: string): string | undefined {
  if (runErrorNodeId && nodes.some((node) => node.id === runErrorNodeId)) return runErrorNodeId;
  const byStart = [...nodes].sort((a, b) => startedAt(a) - startedAt(b));
  return (
    byStart.find((node) => node.status === 'failed')?.id ??
    byStart.find((node) => node.status === 'running')?.id ??
    undefined
  );
}
