/** Output handles of a node and the edge each one makes. Handle ids are plain strings: `out`, `error`, `path:<label>`. */
import { DEFAULT_PATH, TIMEOUT_PATH } from '../../../flow/graph';
import { nextPathLiterals } from './nextPaths';
import type { Edge, FlowNode } from './model';

export { DEFAULT_PATH, TIMEOUT_PATH };

export const OUT_HANDLE = 'out';
export const ERROR_HANDLE = 'error';
const PATH_PREFIX = 'path:';

export type HandleKind = 'out' | 'path' | 'error';

export interface OutputHandle {
  id: string;
  kind: HandleKind;
  label: string;
}

export function pathHandle(path: string): string {
  return PATH_PREFIX + path;
}

/** The handle an edge leaves its source by. */
export function handleOfEdge(edge: Pick<Edge, 'path' | 'on'>): string {
  if (edge.on === 'error') return ERROR_HANDLE;
  return edge.path === undefined ? OUT_HANDLE : pathHandle(edge.path);
}

/** What an edge drawn from a handle is: an error edge, a labelled edge, or one always followed. */
export function edgeOfHandle(handle: string | null | undefined): Pick<Edge, 'path' | 'on'> {
  if (handle === ERROR_HANDLE) return { on: 'error' };
  if (handle?.startsWith(PATH_PREFIX)) return { path: handle.slice(PATH_PREFIX.length) };
  return {};
}

/** Labels a node kind can produce besides `default` (code: the nextPath literals in its code). */
function producedPaths(node: FlowNode): string[] {
  switch (node.type) {
    case 'code':
      return nextPathLiterals(node.code);
    case 'wait':
      return [TIMEOUT_PATH];
    case 'delay':
    case 'subflow':
      return [];
  }
}

/**
 * A node's output handles: the always-followed output, one per label it can produce, `default` (code nodes), the
 * labels its edges already use (so no edge loses its handle while code is edited), and the error handle.
 */
export function outputHandles(node: FlowNode, usedPaths: readonly string[] = []): OutputHandle[] {
  const paths = [...producedPaths(node)];
  if (node.type === 'code') paths.push(DEFAULT_PATH);
  for (const used of usedPaths) paths.push(used);
  const unique = [...new Set(paths)];
  return [
    { id: OUT_HANDLE, kind: 'out', label: 'next' },
    ...unique.map((path): OutputHandle => ({ id: pathHandle(path), kind: 'path', label: path })),
    { id: ERROR_HANDLE, kind: 'error', label: 'error' },
  ];
}
