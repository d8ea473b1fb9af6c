/** Rerun from a node: which nodes are upstream, and the interpreter's state once their recorded outcomes are applied. */
import { createRunState, indexGraph, readyNodeIds } from '../../flow/graph';
import { applyRerunSeeds, loopedNodes, upstreamNodes } from '../../flow/rerun';
import type { FlowDefinition, FlowNode } from '../../flow/schema';

const code = (id: string, extra: Partial<FlowNode> = {}) =>
  ({ id, type: 'code', code: 'return 1', ...extra }) as FlowNode;

const definition: FlowDefinition = {
  id: 'f',
  name: 'f',
  nodes: [code('a'), code('b'), code('side'), code('c'), code('handler'), code('d')],
  edges: [
    { from: 'a', to: 'b', path: 'go' },
    { from: 'a', to: 'side', path: 'other' },
    { from: 'b', to: 'c' },
    { from: 'c', to: 'handler', on: 'error' },
    { from: 'handler', to: 'd' },
  ],
};

test('the nodes upstream of a node are its forward ancestors, in definition order', () => {
  const graph = indexGraph(definition);
  expect(upstreamNodes(graph, 'd')).toEqual(['a', 'b', 'c', 'handler']);
  expect(upstreamNodes(graph, 'a')).toEqual([]);
  expect(loopedNodes(graph).size).toBe(0);
});

test('seeded nodes are done with their outcomes, route as they did, and only the chosen node is ready', () => {
  const graph = indexGraph(definition);
  const state = createRunState(definition);
  const error = { name: 'Error', message: 'boom', nodeId: 'c', type: 'CodeError' as const };
  applyRerunSeeds(
    graph,
    state,
    [
      { nodeId: 'a', status: 'succeeded', output: { nextPath: 'go' } },
      { nodeId: 'b', status: 'succeeded', output: { x: 1 } },
      { nodeId: 'c', status: 'failed', error },
      { nodeId: 'handler', status: 'succeeded', output: { handled: true } },
    ],
    'run-f-1',
  );
  expect(readyNodeIds(graph, state)).toEqual(['d']);
  expect(state.nodes.side.status).toBe('skipped');
  expect(state.nodes.a).toMatchObject({ status: 'succeeded', reusedFrom: 'run-f-1' });
  expect(state.nodes.a.runs).toBeUndefined();
  expect(state.nodes.c).toMatchObject({ status: 'failed', error });
  expect(state.edges).toEqual(['taken', 'dead', 'taken', 'taken', 'taken']);
  expect(state.started).toEqual(['a', 'b', 'c', 'handler']);
  expect(state.failure).toBeUndefined();
});

test('nodes inside a loop are known, so a rerun never starts in one', () => {
  const looped: FlowDefinition = {
    ...definition,
    edges: [...definition.edges, { from: 'c', to: 'b', path: 'again', maxIterations: 3 }],
  };
  expect([...loopedNodes(indexGraph(looped))].sort()).toEqual(['b', 'c']);
});
