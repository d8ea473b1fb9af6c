/** Problems the API's rules report, placed on the canvas nodes and edges they are about. */
import type { CanvasGraph } from './model';

export interface Problem {
  /** As the API answers it (`nodes[2].code`) or as flow/validate.ts gives it (`['nodes', 2, 'code']`). */
  path: string | readonly (string | number)[];
  message: string;
  rule?: string;
  line?: number;
  column?: number;
}

export interface Faults {
  nodes: Map<string, Problem[]>;
  edges: Map<string, Problem[]>;
  /** Problems about the flow as a whole (its name, triggers, no entry node). */
  flow: Problem[];
}

export const NO_FAULTS: Faults = { nodes: new Map(), edges: new Map(), flow: [] };

/** `nodes[2].input.total.path` → `['nodes', 2, 'input', 'total', 'path']`. */
export function parseProblemPath(path: Problem['path']): (string | number)[] {
  if (typeof path !== 'string') return [...path];
  const parts: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    parts.push(match[2] !== undefined ? Number(match[2]) : match[1]);
  return parts;
}

function add(map: Map<string, Problem[]>, key: string, problem: Problem): void {
  map.set(key, [...(map.get(key) ?? []), problem]);
}

/** Node and edge problems by canvas id: the definition keeps the canvas's order, so an index names one element. */
export function faultsOf(graph: CanvasGraph, problems: readonly Problem[]): Faults {
  const faults: Faults = { nodes: new Map(), edges: new Map(), flow: [] };
  for (const problem of problems) {
    const [section, index] = parseProblemPath(problem.path);
    const node = section === 'nodes' && typeof index === 'number' ? graph.nodes[index] : undefined;
    const edge = section === 'edges' && typeof index === 'number' ? graph.edges[index] : undefined;
    if (node) add(faults.nodes, node.id, problem);
    else if (edge) add(faults.edges, edge.id, problem);
    else if (section === 'layout') continue;
    else faults.flow.push(problem);
  }
  return faults;
}
