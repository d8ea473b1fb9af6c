/** The editor's pure graph rules: loops, upstream visibility, problems placed on nodes and edges, copy/paste, rename. */
import { copySelection, pasteClip } from '../../ui/src/domain/clipboard';
import { toCanvas } from '../../ui/src/domain/convert';
import { faultsOf, parseProblemPath } from '../../ui/src/domain/faults';
import { closesLoop } from '../../ui/src/domain/loops';
import type { FlowDefinition } from '../../ui/src/domain/model';
import { renameNode } from '../../ui/src/domain/rename';
import { directPredecessors, jsonPaths, upstreamIds } from '../../ui/src/domain/upstream';
import { checkDefinition } from '../../flow/validate';

const code = (id: string) => ({ id, type: 'code' as const, code: 'return input;' });
const chain: FlowDefinition = {
  id: 'chain',
  name: 'Chain',
  nodes: [code('a'), code('b'), code('c'), code('d')],
  edges: [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'c' },
    { from: 'b', to: 'd', on: 'error' },
  ],
};

test('an edge to a node that already leads back, or to itself, closes a loop; a forward edge does not', () => {
  expect(closesLoop(chain.edges, 'c', 'a')).toBe(true);
  expect(closesLoop(chain.edges, 'c', 'c')).toBe(true);
  expect(closesLoop(chain.edges, 'a', 'c')).toBe(false);
  expect(closesLoop([...chain.edges, { from: 'c', to: 'a', maxIterations: 2 }], 'a', 'd')).toBe(false);
});

test('a node sees the nodes upstream of it, nearest first, and its direct predecessors', () => {
  expect(upstreamIds(chain.edges, 'c')).toEqual(['b', 'a']);
  expect(upstreamIds(chain.edges, 'a')).toEqual([]);
  expect(directPredecessors(chain.edges, 'd')).toEqual(['b']);
  expect(jsonPaths({ order: { id: 1, items: [{ sku: 'x' }] } }, 'steps.a')).toEqual([
    'steps.a.order',
    'steps.a.order.id',
    'steps.a.order.items',
    'steps.a.order.items.0',
    'steps.a.order.items.0.sku',
  ]);
});

test('the API check marks the node that can never run and the unbounded loop edge on the canvas', () => {
  const faulty: FlowDefinition = { ...chain, edges: [...chain.edges, { from: 'c', to: 'b' }] };
  const check = checkDefinition(faulty);
  expect(check.ok).toBe(false);
  const faults = faultsOf(toCanvas(faulty), check.ok ? [] : check.problems);
  expect([...faults.edges.keys()]).toEqual(['e3']);
  expect(faults.edges.get('e3')![0].message).toContain('maxIterations');
});

test('an edge to a missing node and a code problem land on the edge and node they name, API-style paths too', () => {
  const graph = toCanvas({ ...chain, nodes: [...chain.nodes.slice(0, 3), { ...code('d'), code: "require('fs')" }] });
  const faults = faultsOf(graph, [
    { path: 'nodes[3].code', message: 'require is not allowed', line: 1, column: 1 },
    { path: ['edges', 1, 'to'], message: 'no node with id "x"' },
    { path: 'name', message: 'required' },
    { path: 'layout.nodes.zz', message: 'no such node' },
  ]);
  expect(faults.nodes.get('d')![0].line).toBe(1);
  expect(faults.edges.get('e1')![0].message).toContain('no node');
  expect(faults.flow.map((problem) => problem.message)).toEqual(['required']);
  expect(parseProblemPath('nodes[2].input.total.path')).toEqual(['nodes', 2, 'input', 'total', 'path']);
});

test('pasting a copied pair gives fresh ids, keeps the edge between them, and offsets positions', () => {
  const graph = toCanvas(chain, (_id, index) => ({ x: index * 100, y: 0 }));
  graph.nodes[0].selected = true;
  graph.nodes[1].selected = true;
  const clip = copySelection(graph.nodes, graph.edges);
  expect(clip.edges).toHaveLength(1);
  let next = 0;
  const pasted = pasteClip(clip, new Set(graph.nodes.map((node) => node.id)), 40, () => `p${next++}`);
  expect(pasted.nodes.map((node) => [node.id, node.position])).toEqual([
    ['a-2', { x: 40, y: 40 }],
    ['b-2', { x: 140, y: 40 }],
  ]);
  expect(pasted.edges.map((edge) => [edge.source, edge.target, edge.data.edge.from, edge.data.edge.to])).toEqual([
    ['a-2', 'b-2', 'a-2', 'b-2'],
  ]);
});

test('renaming a node moves its edges and the mapping paths that name it', () => {
  const graph = toCanvas({
    ...chain,
    nodes: [
      ...chain.nodes.slice(0, 2),
      { ...code('c'), input: { total: { path: 'steps.b.total' }, all: { path: 'steps.bb' } } },
      code('d'),
    ],
  });
  const renamed = renameNode(graph.nodes, graph.edges, 'b', 'check');
  expect(renamed.nodes.map((node) => node.id)).toEqual(['a', 'check', 'c', 'd']);
  expect(renamed.nodes[2].data.node.input).toEqual({ total: { path: 'steps.check.total' }, all: { path: 'steps.bb' } });
  expect(renamed.edges.map((edge) => `${edge.data.edge.from}>${edge.data.edge.to}`)).toEqual([
    'a>check',
    'check>c',
    'check>d',
  ]);
});
