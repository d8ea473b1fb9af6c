/** Checks a flow definition beyond its shape: graph structure and code. Every problem is reported, with its path. */
import { analyzeCode } from './code';
import { DEFAULT_PATH, entryNodeIds, isLoopEdge, TIMEOUT_PATH } from './graph';
import { FlowDefinition, FlowNode, InputMapping, InputSource } from './schema';

export interface DefinitionProblem {
  path: (string | number)[];
  message: string;
  rule?: string;
  line?: number;
  column?: number;
}

export type DefinitionCheck = { ok: true; definition: FlowDefinition } | { ok: false; problems: DefinitionProblem[] };

function graphProblems(definition: FlowDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const ids = new Set<string>();
  definition.nodes.forEach((node, index) => {
    if (ids.has(node.id)) problems.push({ path: ['nodes', index, 'id'], message: `duplicate node id "${node.id}"` });
    ids.add(node.id);
  });
  const seenEdges = new Set<string>();
  definition.edges.forEach((edge, index) => {
    for (const end of ['from', 'to'] as const) {
      if (!ids.has(edge[end]))
        problems.push({ path: ['edges', index, end], message: `no node with id "${edge[end]}"` });
    }
    const key = JSON.stringify([edge.from, edge.to, edge.path ?? null, edge.on ?? null]);
    if (seenEdges.has(key)) problems.push({ path: ['edges', index], message: 'duplicate edge' });
    seenEdges.add(key);
  });
  if (problems.length > 0) return problems;

  if (entryNodeIds(definition).length === 0) {
    problems.push({ path: ['edges'], message: 'no entry node: every node has an incoming edge, so nothing can start' });
  }
  const cycle = findCycle(definition);
  if (cycle) {
    problems.push({
      path: ['edges', cycle.edgeIndex],
      message: `the edges form a loop (${cycle.nodes.join(' → ')}) with no bound: set "maxIterations" on the edge back to "${cycle.nodes[0]}"`,
    });
  }
  problems.push(...loopEdgeProblems(definition), ...unreachableProblems(definition), ...nodeEdgeProblems(definition));
  return problems;
}

/** The first cycle of forward edges (those without maxIterations), and the edge that closes it. */
function findCycle(definition: FlowDefinition): { nodes: string[]; edgeIndex: number } | undefined {
  const next = new Map<string, { to: string; index: number }[]>();
  definition.edges.forEach((edge, index) => {
    if (!isLoopEdge(edge)) next.set(edge.from, [...(next.get(edge.from) ?? []), { to: edge.to, index }]);
  });
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): { nodes: string[]; edgeIndex: number } | undefined => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const { to, index } of next.get(id) ?? []) {
      if (state.get(to) === 'visiting') return { nodes: [...stack.slice(stack.indexOf(to)), to], edgeIndex: index };
      if (state.get(to) === 'done') continue;
      const found = visit(to);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const node of definition.nodes) {
    if (state.has(node.id)) continue;
    const found = visit(node.id);
    if (found) return found;
  }
  return undefined;
}

function forwardReach(definition: FlowDefinition, from: string[], includeLoops: boolean): Set<string> {
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const edge of definition.edges)
      if (edge.from === id && (includeLoops || !isLoopEdge(edge))) stack.push(edge.to);
  }
  return seen;
}

/** A bounded edge must go back: its target must lead (by forward edges) to its source. */
function loopEdgeProblems(definition: FlowDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  definition.edges.forEach((edge, index) => {
    if (!isLoopEdge(edge)) return;
    if (!forwardReach(definition, [edge.to], false).has(edge.from)) {
      problems.push({
        path: ['edges', index, 'maxIterations'],
        message: `"maxIterations" marks an edge back to an earlier node, but "${edge.to}" does not lead to "${edge.from}"`,
      });
    }
  });
  return problems;
}

function unreachableProblems(definition: FlowDefinition): DefinitionProblem[] {
  const reachable = forwardReach(definition, entryNodeIds(definition), true);
  const problems: DefinitionProblem[] = [];
  definition.nodes.forEach((node, index) => {
    if (!reachable.has(node.id))
      problems.push({ path: ['nodes', index], message: `node "${node.id}" can never run: no entry node leads to it` });
  });
  return problems;
}

/** Labels a node kind can produce, when it is not code (whose nextPath only running it tells). */
const FIXED_PATHS: Partial<Record<FlowNode['type'], string[]>> = {
  delay: [DEFAULT_PATH],
  subflow: [DEFAULT_PATH],
  wait: [TIMEOUT_PATH, DEFAULT_PATH],
};

/** Edge labels the node kind can produce, error handling consistent with the node's onError, mapping paths. */
function nodeEdgeProblems(definition: FlowDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const ids = new Set(definition.nodes.map((node) => node.id));
  const byId = new Map(definition.nodes.map((node) => [node.id, node]));
  definition.edges.forEach((edge, index) => {
    const allowed = FIXED_PATHS[byId.get(edge.from)!.type];
    if (edge.path !== undefined && allowed && !allowed.includes(edge.path)) {
      problems.push({
        path: ['edges', index, 'path'],
        message: `a ${byId.get(edge.from)!.type} node never returns the path "${edge.path}" (it can take: ${allowed.join(', ')})`,
      });
    }
  });
  definition.nodes.forEach((node, index) => {
    const errorEdges = definition.edges.filter((edge) => edge.from === node.id && edge.on === 'error').length;
    if (node.onError === 'error-edge' && errorEdges === 0) {
      problems.push({
        path: ['nodes', index, 'onError'],
        message: 'onError is "error-edge" but no edge leaves this node with on: "error"',
      });
    }
    if ((node.onError === 'stop' || node.onError === 'continue') && errorEdges > 0) {
      problems.push({
        path: ['nodes', index, 'onError'],
        message: `onError is "${node.onError}", so this node's error edges would never be taken`,
      });
    }
    if (node.type === 'subflow' && node.flowId === definition.id) {
      problems.push({ path: ['nodes', index, 'flowId'], message: 'a flow cannot run itself as a subflow' });
    }
    for (const { source, at } of mappingSources(node.input)) {
      if (!('path' in source)) continue;
      const [root, stepId] = source.path.split('.');
      if (root === 'steps' && stepId !== undefined && !ids.has(stepId)) {
        problems.push({ path: ['nodes', index, 'input', ...at, 'path'], message: `no node with id "${stepId}"` });
      }
    }
  });
  return problems;
}

function mappingSources(mapping: InputMapping | undefined): { source: InputSource; at: string[] }[] {
  if (mapping === undefined) return [];
  if ('path' in mapping && typeof mapping.path === 'string') return [{ source: mapping as InputSource, at: [] }];
  if ('value' in mapping && Object.keys(mapping).length === 1) return [{ source: mapping as InputSource, at: [] }];
  return Object.entries(mapping as Record<string, InputSource>).map(([key, source]) => ({ source, at: [key] }));
}

/** The problems of one code node's source, placed at `path` (what a save reports, and the editor marks as it is typed). */
export function codeSourceProblems(code: string, path: (string | number)[]): DefinitionProblem[] {
  const analysis = analyzeCode(code);
  if (analysis.ok) return [];
  return analysis.problems.map((problem) => ({
    path,
    rule: problem.rule,
    message: `${problem.message} (line ${problem.line}, column ${problem.column})`,
    line: problem.line,
    column: problem.column,
  }));
}

function codeProblems(definition: FlowDefinition): DefinitionProblem[] {
  return definition.nodes.flatMap((node, index) =>
    node.type === 'code' ? codeSourceProblems(node.code, ['nodes', index, 'code']) : [],
  );
}

/** The canvas layout may only place nodes the flow has. */
function layoutProblems(definition: FlowDefinition): DefinitionProblem[] {
  const ids = new Set(definition.nodes.map((node) => node.id));
  return Object.keys(definition.layout?.nodes ?? {})
    .filter((id) => !ids.has(id))
    .map((id) => ({ path: ['layout', 'nodes', id], message: `no node with id "${id}"` }));
}

/** Parses and checks an untrusted definition. */
export function checkDefinition(candidate: unknown): DefinitionCheck {
  const parsed = FlowDefinition.safeParse(candidate);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
        message: issue.message,
      })),
    };
  }
  const problems = [...graphProblems(parsed.data), ...layoutProblems(parsed.data), ...codeProblems(parsed.data)];
  return problems.length > 0 ? { ok: false, problems } : { ok: true, definition: parsed.data };
}
