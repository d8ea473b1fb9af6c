import { chainFrom, chainSummary, continuesTo, fusableNodes, startChain, stepsAt } from '../../flow/chains';
import { entryChainRequest, proposeEntryChain } from '../../flow/entryChain';
import { completedSteps, createRunState, indexGraph, markStarted, readyNodeIds, recordSuccess } from '../../flow/graph';
import type { Edge, FlowDefinition, FlowNode } from '../../flow/schema';

type NodeSpec = string | (Partial<FlowNode> & { id: string });

function flow(nodes: NodeSpec[], edges: Edge[], execution?: FlowDefinition['execution']): FlowDefinition {
  return {
    id: 'f',
    name: 'f',
    nodes: nodes.map((spec) => {
      const base = typeof spec === 'string' ? { id: spec } : spec;
      return { type: 'code', code: 'return 1', ...base } as FlowNode;
    }),
    edges,
    ...(execution ? { execution } : {}),
  };
}

const line = (...ids: string[]): Edge[] => ids.slice(1).map((to, i) => ({ from: ids[i], to }));

/** The chain from `head` when every code node of the flow is fusable unless listed in `heavy`. */
function chainOf(definition: FlowDefinition, head: string, heavy: string[] = []): string[] {
  const fusable = new Set(definition.nodes.map((node) => node.id).filter((id) => !heavy.includes(id)));
  return chainFrom(indexGraph(definition), head, fusable);
}

describe('chainFrom: which light nodes run fused', () => {
  test('a straight line of light nodes is one chain, from wherever it starts', () => {
    const definition = flow(['a', 'b', 'c', 'd'], line('a', 'b', 'c', 'd'));
    expect(chainOf(definition, 'a')).toEqual(['a', 'b', 'c', 'd']);
    expect(chainOf(definition, 'c')).toEqual(['c', 'd']);
    expect(chainOf(definition, 'd')).toEqual(['d']);
  });

  test('a node that is not fusable ends the chain before it, and is never a head', () => {
    const definition = flow(['a', 'b', 'c', 'd'], line('a', 'b', 'c', 'd'));
    expect(chainOf(definition, 'a', ['c'])).toEqual(['a', 'b']);
    expect(chainOf(definition, 'c', ['c'])).toEqual(['c']);
    expect(chainOf(definition, 'd', ['c'])).toEqual(['d']);
  });

  test('other kinds of node are never part of a chain', () => {
    const definition = flow(
      ['a', { id: 'pause', type: 'delay', durationMs: 10 }, 'c', 'd'],
      line('a', 'pause', 'c', 'd'),
    );
    const fusable = fusableNodes(definition, { lightNodes: new Set(['a', 'pause', 'c', 'd']) });
    expect([...fusable]).toEqual(['a', 'c', 'd']);
    expect(chainFrom(indexGraph(definition), 'a', fusable)).toEqual(['a']);
    expect(chainFrom(indexGraph(definition), 'c', fusable)).toEqual(['c', 'd']);
  });

  test('a fan-out ends the chain at the node that branches', () => {
    const definition = flow(
      ['a', 'b', 'c', 'd'],
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'b', to: 'd' },
      ],
    );
    expect(chainOf(definition, 'a')).toEqual(['a', 'b']);
  });

  test('labelled branches end the chain too, even when only one can be taken', () => {
    const definition = flow(
      ['a', 'b', 'c'],
      [
        { from: 'a', to: 'b', path: 'yes' },
        { from: 'a', to: 'c', path: 'default' },
      ],
    );
    expect(chainOf(definition, 'a')).toEqual(['a']);
  });

  test('a join (fan-in) is never entered by a chain', () => {
    const definition = flow(
      ['a', 'b', 'join', 'after'],
      [
        { from: 'a', to: 'join' },
        { from: 'b', to: 'join' },
        { from: 'join', to: 'after' },
      ],
    );
    expect(chainOf(definition, 'a')).toEqual(['a']);
    expect(chainOf(definition, 'join')).toEqual(['join', 'after']);
  });

  test('error edges may lead anywhere: the chain goes on along the success edge', () => {
    const definition = flow(
      ['a', 'b', 'c', 'handler'],
      [...line('a', 'b', 'c'), { from: 'b', to: 'handler', on: 'error' }],
    );
    expect(chainOf(definition, 'a')).toEqual(['a', 'b', 'c']);
    // The handler has one incoming edge, an error edge: it may head a chain of its own.
    expect(chainOf(definition, 'handler')).toEqual(['handler']);
  });

  test('a node reached only by an error edge is not chained after its source', () => {
    const definition = flow(
      ['a', 'handler', 'after'],
      [{ from: 'a', to: 'handler', on: 'error' }, ...line('handler', 'after')],
    );
    expect(chainOf(definition, 'a')).toEqual(['a']);
    expect(chainOf(definition, 'handler')).toEqual(['handler', 'after']);
  });

  test('a single labelled edge is a link; whether it is taken is decided by the output', () => {
    const definition = flow(['a', 'b'], [{ from: 'a', to: 'b', path: 'go' }]);
    const graph = indexGraph(definition);
    expect(chainOf(definition, 'a')).toEqual(['a', 'b']);
    expect(continuesTo(graph, 'a', { nextPath: 'go' }, 'b')).toBe(true);
    expect(continuesTo(graph, 'a', { nextPath: 'stop' }, 'b')).toBe(false);
    expect(continuesTo(graph, 'a', { value: 1 }, 'b')).toBe(false);
  });

  test('an unlabelled or default link is always taken', () => {
    const graph = indexGraph(
      flow(
        ['a', 'b', 'c'],
        [
          { from: 'a', to: 'b' },
          { from: 'b', to: 'c', path: 'default' },
        ],
      ),
    );
    expect(continuesTo(graph, 'a', { nextPath: 'anything' }, 'b')).toBe(true);
    expect(continuesTo(graph, 'b', { nextPath: 'anything' }, 'c')).toBe(true);
    expect(continuesTo(graph, 'b', null, 'c')).toBe(true);
  });

  test('continuesTo agrees with the routing of an unfused run', () => {
    const definition = flow(
      ['a', 'b', 'h'],
      [
        { from: 'a', to: 'b', path: 'go' },
        { from: 'a', to: 'h', on: 'error' },
      ],
    );
    const graph = indexGraph(definition);
    for (const output of [{ nextPath: 'go' }, { nextPath: 'other' }, {}, null, 'go', { nextPath: 42 }]) {
      const state = createRunState(definition);
      markStarted(state, 'a', '2026-01-01T00:00:00.000Z');
      recordSuccess(graph, state, 'a', output);
      expect(readyNodeIds(graph, state).includes('b')).toBe(continuesTo(graph, 'a', output, 'b'));
    }
  });

  test('a loop body is a chain up to the node that loops back; a loop target only heads one', () => {
    const definition = flow(
      ['p', 'q', 'r', 's'],
      [
        ...line('p', 'q', 'r'),
        { from: 'r', to: 'q', path: 'again', maxIterations: 5 },
        { from: 'r', to: 's', path: 'done' },
      ],
    );
    expect(chainOf(definition, 'p')).toEqual(['p']);
    expect(chainOf(definition, 'q')).toEqual(['q', 'r']);
  });

  test('a node whose only success edge loops back ends its chain', () => {
    const definition = flow(['a', 'b'], [...line('a', 'b'), { from: 'b', to: 'a', maxIterations: 3 }]);
    expect(chainOf(definition, 'a')).toEqual(['a', 'b']);
    expect(chainOf(definition, 'b')).toEqual(['b']);
  });
});

describe('fusableNodes', () => {
  const nodes: NodeSpec[] = ['a', 'b', { id: 'slow', timeoutMs: 60_000 }, 'heavy'];
  const light = new Set(['a', 'b', 'slow']);

  test('light code nodes with at most the default time limit', () => {
    expect([...fusableNodes(flow(nodes, []), { lightNodes: light })]).toEqual(['a', 'b']);
  });

  test('none when the run or the flow keeps nodes out of local activities, or the flow turns fusing off', () => {
    expect(fusableNodes(flow(nodes, []), { lightNodes: light, localActivities: false }).size).toBe(0);
    expect(fusableNodes(flow(nodes, [], { localActivities: false }), { lightNodes: light }).size).toBe(0);
    expect(fusableNodes(flow(nodes, [], { fuseChains: false }), { lightNodes: light }).size).toBe(0);
  });

  test('running every node locally fuses only the light ones', () => {
    expect([...fusableNodes(flow(nodes, [], { localActivities: true }), { lightNodes: light })]).toEqual(['a', 'b']);
    expect([
      ...fusableNodes(flow(nodes, [], { localActivities: false }), { lightNodes: light, localActivities: true }),
    ]).toEqual(['a', 'b']);
  });
});

describe('stepsAt: context.steps inside a chain', () => {
  test('earlier outputs, then the chain outputs so far, in the order nodes first started', () => {
    const produced = new Map([
      ['a', 'A'],
      ['b', 'B'],
    ]);
    const steps = stepsAt(['x', 'a', 'b', 'c'], { x: 1, b: 'old b', c: 'old c' }, produced, 'c');
    expect(steps).toEqual({ x: 1, a: 'A', b: 'B' });
    expect(Object.keys(steps)).toEqual(['x', 'a', 'b']);
  });

  test("a node's own earlier output (a loop's previous round) is left out of its context; later ones' are kept", () => {
    expect(stepsAt(['a', 'b'], { a: 'old a', b: 'old b' }, new Map(), 'a')).toEqual({ b: 'old b' });
    // Its input mapping, resolved before it starts, still sees it.
    expect(stepsAt(['a', 'b'], { a: 'old a', b: 'old b' }, new Map())).toEqual({ a: 'old a', b: 'old b' });
  });

  test('agrees with completedSteps of an unfused run at each node of a loop body', () => {
    const definition = flow(['a', 'b', 'c'], [...line('a', 'b', 'c'), { from: 'c', to: 'a', maxIterations: 3 }]);
    const graph = indexGraph(definition);
    const state = createRunState(definition);
    for (const id of ['a', 'b', 'c']) {
      markStarted(state, id, '2026-01-01T00:00:00.000Z');
      recordSuccess(graph, state, id, { round: 1, id, nextPath: 'x' });
    }
    // The loop edge was taken: a, b and c run again, and the chain a → b → c is fused this time.
    const before = completedSteps(state);
    const started = [...state.started];
    const produced = new Map<string, unknown>();
    for (const id of ['a', 'b', 'c']) {
      markStarted(state, id, '2026-01-01T00:00:01.000Z');
      expect(stepsAt(started, before, produced, id)).toEqual(completedSteps(state));
      expect(Object.keys(stepsAt(started, before, produced, id))).toEqual(Object.keys(completedSteps(state)));
      const output = { round: 2, id };
      recordSuccess(graph, state, id, output);
      produced.set(id, output);
    }
  });
});

describe('chainSummary', () => {
  test('every node when it fits', () => {
    expect(chainSummary(['a', 'b: Second', 'c'])).toBe('a → b: Second → c (3 nodes, fused)');
  });

  test('bounded, naming the first and the last node and the count', () => {
    const labels = Array.from({ length: 40 }, (_, i) => `node${i}: a rather long name`);
    const summary = chainSummary(labels);
    expect(summary.length).toBeLessThanOrEqual(200);
    expect(summary.startsWith('node0: a rather long name → ')).toBe(true);
    expect(summary.endsWith('→ … → node39: a rather long name (40 nodes, fused)')).toBe(true);
  });
});

describe('the entry chain a run plan may run', () => {
  const run = { flowId: 'f', flowVersion: 3, trigger: { type: 'api' as const, payload: { n: 1 } } };
  const all = (definition: FlowDefinition) => new Set(definition.nodes.map((node) => node.id));

  test('the plan asks exactly what the interpreter asks for a fresh run’s first chain, when it is the one proposed', () => {
    const definition = flow(
      ['a', { id: 'b', name: 'Bee' }, { id: 'c', input: { n: { path: 'trigger.payload.n' } } }],
      line('a', 'b', 'c'),
    );
    const proposal = proposeEntryChain(definition)!;
    expect(proposal).toEqual({ nodeIds: ['a', 'b', 'c'], summary: 'a → b: Bee → c (3 nodes, fused)' });
    const graph = indexGraph(definition);
    const asked = entryChainRequest(graph, all(definition), run, proposal.nodeIds)!;
    const interpreter = startChain(
      graph,
      createRunState(definition),
      chainFrom(graph, 'a', all(definition)),
      run,
      new Map(),
      'now',
    );
    expect(asked).toEqual(interpreter);
    expect(asked).toMatchObject({ nodeIds: ['a', 'b', 'c'], input: { n: 1 }, steps: {}, executions: [1, 1, 1] });
  });

  test('a one-node flow is proposed under its node’s own summary', () => {
    expect(proposeEntryChain(flow([{ id: 'only', name: 'Only' }], []))).toEqual({
      nodeIds: ['only'],
      summary: 'only: Only',
    });
  });

  test('the plan runs nothing when its light nodes make another chain than the proposed one', () => {
    const definition = flow(['a', 'b', 'c'], line('a', 'b', 'c'));
    const graph = indexGraph(definition);
    const proposed = proposeEntryChain(definition)!.nodeIds;
    expect(entryChainRequest(graph, new Set(['a', 'b']), run, proposed)).toBeUndefined();
    expect(entryChainRequest(graph, new Set(['b', 'c']), run, proposed)).toBeUndefined();
    expect(entryChainRequest(graph, all(definition), run, ['a', 'b'])).toBeUndefined();
  });

  test('none proposed for several entries, an entry of another kind, a node the user lets retry, fusing turned off', () => {
    expect(
      proposeEntryChain(
        flow(
          ['a', 'b', 'c'],
          [
            { from: 'a', to: 'c' },
            { from: 'b', to: 'c' },
          ],
        ),
      ),
    ).toBeUndefined();
    expect(proposeEntryChain(flow([{ id: 'w', type: 'delay', durationMs: 10 }, 'a'], line('w', 'a')))).toBeUndefined();
    expect(proposeEntryChain(flow([{ id: 'a', retry: { maximumAttempts: 3 } }, 'b'], line('a', 'b')))).toBeUndefined();
    expect(proposeEntryChain(flow(['a', 'b'], line('a', 'b'), { fuseChains: false }))).toBeUndefined();
    expect(proposeEntryChain(flow(['a', 'b'], line('a', 'b'), { localActivities: false }))).toBeUndefined();
  });

  test('at most the plan’s budget of the nodes’ time limits: a 40-node chain at the default limit fits', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `n${i}`);
    expect(proposeEntryChain(flow(ids, line(...ids)))?.nodeIds).toEqual(ids);
    const long = Array.from({ length: 45 }, (_, i) => `n${i}`);
    expect(proposeEntryChain(flow(long, line(...long)))?.nodeIds).toEqual(long.slice(0, 40));
  });
});
