import {
  completedSteps,
  createRunState,
  entryNodeIds,
  followedEdges,
  indexGraph,
  markStarted,
  nodeInput,
  readyNodeIds,
  recordFailure,
  recordSuccess,
  resolveInputMapping,
  runOutput,
  FlowGraph,
} from '../../flow/graph';
import type { NodeError, RunState } from '../../flow/contracts';
import type { Edge, FlowDefinition, FlowNode } from '../../flow/schema';

type NodeSpec = string | (Partial<FlowNode> & { id: string });

function flow(nodes: NodeSpec[], edges: Edge[]): FlowDefinition {
  return {
    id: 'f',
    name: 'f',
    nodes: nodes.map((spec) => {
      const base = typeof spec === 'string' ? { id: spec } : spec;
      return { type: 'code', code: 'return 1', ...base } as FlowNode;
    }),
    edges,
  };
}

function start(definition: FlowDefinition): { graph: FlowGraph; state: RunState } {
  return { graph: indexGraph(definition), state: createRunState(definition) };
}

/** Runs `id` to success with `output`, asserting it was ready. */
function succeed(graph: FlowGraph, state: RunState, id: string, output: unknown = { ok: id }): void {
  expect(readyNodeIds(graph, state)).toContain(id);
  markStarted(state, id, '2026-01-01T00:00:00.000Z');
  recordSuccess(graph, state, id, output);
}

function fail(graph: FlowGraph, state: RunState, id: string, message = 'boom'): NodeError {
  expect(readyNodeIds(graph, state)).toContain(id);
  markStarted(state, id, '2026-01-01T00:00:00.000Z');
  const error: NodeError = { name: 'Error', message, stack: 'Error: boom\n    at x', nodeId: id, type: 'CodeError' };
  recordFailure(graph, state, id, error);
  return error;
}

describe('routing by nextPath', () => {
  const branching = flow(
    ['score', 'enterprise', 'nurture', 'fallback', 'audit'],
    [
      { from: 'score', to: 'enterprise', path: 'enterprise' },
      { from: 'score', to: 'nurture', path: 'nurture' },
      { from: 'score', to: 'fallback', path: 'default' },
      { from: 'score', to: 'audit' },
    ],
  );

  it('follows the edge labelled with nextPath and every unlabelled edge, not the default', () => {
    const { graph, state } = start(branching);
    succeed(graph, state, 'score', { nextPath: 'enterprise' });
    expect(readyNodeIds(graph, state).sort()).toEqual(['audit', 'enterprise']);
    expect(state.nodes.nurture.status).toBe('skipped');
    expect(state.nodes.fallback.status).toBe('skipped');
  });

  it('follows the default edge when no label matches', () => {
    const { graph, state } = start(branching);
    succeed(graph, state, 'score', { nextPath: 'smb' });
    expect(readyNodeIds(graph, state).sort()).toEqual(['audit', 'fallback']);
    expect(state.nodes.score.unmatchedPath).toBeUndefined();
  });

  it('follows the default edge when the result has no nextPath', () => {
    const { followed } = followedEdges(branching.edges, { score: 3 });
    expect(followed).toEqual([false, false, true, true]);
  });

  it('records an unmatched nextPath and ends that branch when there is no default', () => {
    const { graph, state } = start(
      flow(
        ['a', 'b', 'c'],
        [
          { from: 'a', to: 'b', path: 'yes' },
          { from: 'b', to: 'c' },
        ],
      ),
    );
    succeed(graph, state, 'a', { nextPath: 'maybe' });
    expect(state.nodes.a.unmatchedPath).toBe('maybe');
    expect(state.nodes.b.status).toBe('skipped');
    expect(state.nodes.c.status).toBe('skipped');
    expect(readyNodeIds(graph, state)).toEqual([]);
    expect(runOutput(graph, state)).toEqual({ nextPath: 'maybe' });
  });
});

describe('errors', () => {
  const withHandler = flow(
    ['a', 'b', 'handler'],
    [
      { from: 'a', to: 'b' },
      { from: 'a', to: 'handler', on: 'error' },
    ],
  );

  it('an error edge hands its target the error with message, name, stack and node', () => {
    const { graph, state } = start(withHandler);
    fail(graph, state, 'a');
    expect(readyNodeIds(graph, state)).toEqual(['handler']);
    expect(state.nodes.b.status).toBe('skipped');
    expect(nodeInput(graph, state, 'handler', { payload: null })).toEqual({
      name: 'Error',
      message: 'boom',
      stack: 'Error: boom\n    at x',
      type: 'CodeError',
      node: 'a',
    });
    expect(state.failure).toBeUndefined();
  });

  it('error edges are not followed when the node succeeds', () => {
    const { graph, state } = start(withHandler);
    succeed(graph, state, 'a');
    expect(readyNodeIds(graph, state)).toEqual(['b']);
    expect(state.nodes.handler.status).toBe('skipped');
  });

  it('a node without an error edge fails the run, and nothing else starts', () => {
    const { graph, state } = start(
      flow(
        ['a', 'b', 'c'],
        [
          { from: 'a', to: 'c' },
          { from: 'b', to: 'c' },
        ],
      ),
    );
    const error = fail(graph, state, 'a');
    expect(state.failure).toEqual(error);
    expect(readyNodeIds(graph, state)).toEqual([]);
  });

  it('onError "stop" fails the run even though the flow goes on elsewhere', () => {
    const { graph, state } = start(flow([{ id: 'a', onError: 'stop' }, 'b'], [{ from: 'a', to: 'b' }]));
    fail(graph, state, 'a');
    expect(state.failure?.nodeId).toBe('a');
  });

  it('onError "continue" follows the ordinary edges with the error as output', () => {
    const { graph, state } = start(flow([{ id: 'a', onError: 'continue' }, 'b'], [{ from: 'a', to: 'b' }]));
    fail(graph, state, 'a');
    expect(state.failure).toBeUndefined();
    expect(state.nodes.a.status).toBe('failed');
    expect(readyNodeIds(graph, state)).toEqual(['b']);
    expect(nodeInput(graph, state, 'b', { payload: null })).toEqual({
      error: expect.objectContaining({ message: 'boom', node: 'a' }),
    });
  });
});

describe('parallel work and joins', () => {
  it('starts every followed target at once', () => {
    const { graph, state } = start(
      flow(
        ['a', 'b', 'c', 'd'],
        [
          { from: 'a', to: 'b' },
          { from: 'a', to: 'c' },
          { from: 'a', to: 'd' },
        ],
      ),
    );
    succeed(graph, state, 'a');
    expect(readyNodeIds(graph, state)).toEqual(['b', 'c', 'd']);
  });

  it('a join waits for every predecessor, then receives their outputs keyed by id', () => {
    const { graph, state } = start(
      flow(
        ['a', 'b', 'c', 'join'],
        [
          { from: 'a', to: 'b' },
          { from: 'a', to: 'c' },
          { from: 'b', to: 'join' },
          { from: 'c', to: 'join' },
        ],
      ),
    );
    succeed(graph, state, 'a');
    succeed(graph, state, 'b', { x: 1 });
    expect(readyNodeIds(graph, state)).toEqual(['c']);
    succeed(graph, state, 'c', { y: 2 });
    expect(readyNodeIds(graph, state)).toEqual(['join']);
    expect(nodeInput(graph, state, 'join', { payload: null })).toEqual({ b: { x: 1 }, c: { y: 2 } });
  });

  it('a join after an if/else runs once the branch not taken is ruled out', () => {
    const { graph, state } = start(
      flow(
        ['check', 'yes', 'no', 'join'],
        [
          { from: 'check', to: 'yes', path: 'yes' },
          { from: 'check', to: 'no', path: 'no' },
          { from: 'yes', to: 'join' },
          { from: 'no', to: 'join' },
        ],
      ),
    );
    succeed(graph, state, 'check', { nextPath: 'no' });
    expect(state.nodes.yes.status).toBe('skipped');
    succeed(graph, state, 'no', { n: 1 });
    expect(readyNodeIds(graph, state)).toEqual(['join']);
    expect(nodeInput(graph, state, 'join', { payload: null })).toEqual({ no: { n: 1 } });
  });

  it('a join whose every predecessor was ruled out is skipped', () => {
    const { graph, state } = start(
      flow(
        ['a', 'b', 'c', 'join'],
        [
          { from: 'a', to: 'b', path: 'x' },
          { from: 'a', to: 'c', path: 'y' },
          { from: 'b', to: 'join' },
          { from: 'c', to: 'join' },
        ],
      ),
    );
    succeed(graph, state, 'a', { nextPath: 'z' });
    expect(state.nodes.join.status).toBe('skipped');
  });

  it('the run output is the last node, or the leaves keyed by id when several branches end', () => {
    const { graph, state } = start(
      flow(
        ['a', 'b', 'c'],
        [
          { from: 'a', to: 'b' },
          { from: 'a', to: 'c' },
        ],
      ),
    );
    succeed(graph, state, 'a');
    succeed(graph, state, 'b', 1);
    succeed(graph, state, 'c', 2);
    expect(runOutput(graph, state)).toEqual({ b: 1, c: 2 });
  });
});

describe('inputs', () => {
  it('an entry node receives the trigger payload, a chained node its predecessor output', () => {
    const { graph, state } = start(flow(['a', 'b'], [{ from: 'a', to: 'b' }]));
    expect(nodeInput(graph, state, 'a', { payload: { lead: 1 } })).toEqual({ lead: 1 });
    succeed(graph, state, 'a', { scored: true });
    expect(nodeInput(graph, state, 'b', { payload: { lead: 1 } })).toEqual({ scored: true });
  });

  it('an input mapping picks fields from the trigger and earlier steps by path, with literals', () => {
    const definition = flow(
      [
        'score',
        {
          id: 'mail',
          input: {
            email: { path: 'trigger.payload.lead.email' },
            score: { path: 'steps.score.score' },
            first: { path: 'steps.score.tags.0' },
            missing: { path: 'steps.score.nope.deeper' },
            template: { value: 'welcome' },
          },
        },
      ],
      [{ from: 'score', to: 'mail' }],
    );
    const { graph, state } = start(definition);
    succeed(graph, state, 'score', { score: 91, tags: ['hot'] });
    expect(nodeInput(graph, state, 'mail', { payload: { lead: { email: 'a@b.c' } } })).toEqual({
      email: 'a@b.c',
      score: 91,
      first: 'hot',
      missing: null,
      template: 'welcome',
    });
  });

  it('a single-source mapping selects one value', () => {
    expect(resolveInputMapping({ path: 'trigger.payload' }, { trigger: { payload: [1] }, steps: {} })).toEqual([1]);
  });

  it('a path into an output stored by reference becomes a reference with the rest of the path', () => {
    const ref = { $nectarRef: 1, id: 'x', bytes: 100000 };
    expect(resolveInputMapping({ path: 'steps.big.rows.0' }, { trigger: {}, steps: { big: ref } })).toEqual({
      ...ref,
      path: 'rows.0',
    });
  });

  it('context.steps holds the outputs of finished nodes', () => {
    const { graph, state } = start(flow(['a', 'b'], [{ from: 'a', to: 'b' }]));
    succeed(graph, state, 'a', 5);
    markStarted(state, 'b', 't');
    expect(completedSteps(state)).toEqual({ a: 5 });
  });
});

describe('bounded loops', () => {
  const loop = flow(
    ['init', 'work', 'check', 'after'],
    [
      { from: 'init', to: 'work' },
      { from: 'work', to: 'check' },
      { from: 'check', to: 'work', path: 'again', maxIterations: 3 },
      { from: 'check', to: 'after', path: 'done' },
    ],
  );

  it('loop edges do not make a node wait, and do not count for entry nodes', () => {
    const { graph, state } = start(loop);
    expect(entryNodeIds(loop)).toEqual(['init']);
    succeed(graph, state, 'init');
    expect(readyNodeIds(graph, state)).toEqual(['work']);
  });

  it('taking the loop edge runs the body again with the loop source output, then exits', () => {
    const { graph, state } = start(loop);
    succeed(graph, state, 'init', { n: 0 });
    succeed(graph, state, 'work', { n: 1 });
    succeed(graph, state, 'check', { n: 1, nextPath: 'again' });
    expect(state.nodes.after.status).toBe('pending');
    expect(readyNodeIds(graph, state)).toEqual(['work']);
    expect(nodeInput(graph, state, 'work', { payload: null })).toEqual({ n: 1, nextPath: 'again' });
    succeed(graph, state, 'work', { n: 2 });
    succeed(graph, state, 'check', { n: 2, nextPath: 'done' });
    expect(readyNodeIds(graph, state)).toEqual(['after']);
    expect(state.nodes.work.runs).toBe(2);
  });

  it('past maxIterations the node fails with a LoopLimitError', () => {
    const { graph, state } = start(loop);
    succeed(graph, state, 'init');
    for (let i = 0; i < 3; i++) {
      succeed(graph, state, 'work');
      succeed(graph, state, 'check', { nextPath: 'again' });
    }
    expect(state.nodes.work.runs).toBe(3);
    expect(state.failure).toMatchObject({ type: 'LoopLimitError', nodeId: 'check' });
    expect(readyNodeIds(graph, state)).toEqual([]);
  });

  it('a node ruled out during an iteration comes back for the next', () => {
    const definition = flow(
      ['a', 'b', 'handler'],
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a', path: 'again', maxIterations: 5 },
        { from: 'b', to: 'handler', on: 'error' },
      ],
    );
    const { graph, state } = start(definition);
    succeed(graph, state, 'a');
    succeed(graph, state, 'b', { nextPath: 'again' });
    expect(state.nodes.handler.status).toBe('pending');
    succeed(graph, state, 'a');
    fail(graph, state, 'b');
    expect(readyNodeIds(graph, state)).toEqual(['handler']);
  });
});
