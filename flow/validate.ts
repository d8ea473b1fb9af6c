/** Checks a flow definition beyond its shape: graph structure and code. Every problem is reported, with its path. */
import { analyzeCode } from './code';
import { entryNodeIds } from './graph';
import { FlowDefinition } from './schema';

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
      if (!ids.has(edge[end])) problems.push({ path: ['edges', index, end], message: `no node with id "${edge[end]}"` });
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
      path: ['edges'],
      message: `the edges form a loop (${cycle.join(' → ')}); loops are not supported`,
    });
  }
  return problems;
}

function findCycle(definition: FlowDefinition): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const edge of definition.edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const target of next.get(id) ?? []) {
      const found = visit(target);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const node of definition.nodes) {
    const found = visit(node.id);
    if (found) return found;
  }
  return undefined;
}

function codeProblems(definition: FlowDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  definition.nodes.forEach((node, index) => {
    if (node.type !== 'code') return;
    const analysis = analyzeCode(node.code);
    if (analysis.ok) return;
    for (const problem of analysis.problems) {
      problems.push({
        path: ['nodes', index, 'code'],
        rule: problem.rule,
        message: `${problem.message} (line ${problem.line}, column ${problem.column})`,
        line: problem.line,
        column: problem.column,
      });
    }
  });
  return problems;
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
  const problems = [...graphProblems(parsed.data), ...codeProblems(parsed.data)];
  return problems.length > 0 ? { ok: false, problems } : { ok: true, definition: parsed.data };
}
