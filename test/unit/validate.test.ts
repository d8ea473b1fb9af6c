import { checkDefinition, DefinitionProblem } from '../../flow/validate';

const code = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'code', code: 'return 1', ...extra });

function problems(definition: unknown): DefinitionProblem[] {
  const check = checkDefinition(definition);
  return check.ok ? [] : check.problems;
}

const base = { id: 'f', name: 'F' };

describe('static checks', () => {
  it('accepts a flow with branches, a join, a wait, a delay, a subflow and a bounded loop', () => {
    const check = checkDefinition({
      ...base,
      nodes: [
        code('a'),
        { id: 'approve', type: 'wait', event: 'approval', timeoutMs: 60_000 },
        { id: 'pause', type: 'delay', durationMs: 1_000 },
        { id: 'child', type: 'subflow', flowId: 'other', input: { lead: { path: 'trigger.payload.lead' } } },
        code('expired'),
        code('check'),
      ],
      edges: [
        { from: 'a', to: 'approve' },
        { from: 'approve', to: 'pause' },
        { from: 'approve', to: 'expired', path: 'timeout' },
        { from: 'pause', to: 'child' },
        { from: 'child', to: 'check' },
        { from: 'check', to: 'pause', path: 'again', maxIterations: 3 },
      ],
    });
    expect(check).toMatchObject({ ok: true });
  });

  it('lists every problem with its path at once', () => {
    const found = problems({
      ...base,
      nodes: [code('a'), code('a'), code('b')],
      edges: [
        { from: 'a', to: 'ghost' },
        { from: 'nobody', to: 'b' },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: ['nodes', 1, 'id'], message: 'duplicate node id "a"' }),
        expect.objectContaining({ path: ['edges', 0, 'to'], message: 'no node with id "ghost"' }),
        expect.objectContaining({ path: ['edges', 1, 'from'], message: 'no node with id "nobody"' }),
      ]),
    );
    expect(found).toHaveLength(3);
  });

  it('reports settings out of range with their paths', () => {
    const found = problems({
      ...base,
      nodes: [code('a', { timeoutMs: 10, memoryMb: 4096, retry: { maximumAttempts: 99 } })],
    });
    expect(found.map((p) => p.path.join('.')).sort()).toEqual([
      'nodes.0.memoryMb',
      'nodes.0.retry.maximumAttempts',
      'nodes.0.timeoutMs',
    ]);
  });

  it('rejects a loop without a bound and names the edge that closes it', () => {
    const found = problems({
      ...base,
      nodes: [code('a'), code('b'), code('c')],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'b' },
      ],
    });
    expect(found).toEqual([
      expect.objectContaining({ path: ['edges', 2], message: expect.stringContaining('maxIterations') }),
    ]);
  });

  it('rejects a flow where every node has an incoming edge', () => {
    const found = problems({
      ...base,
      nodes: [code('a'), code('b')],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ],
    });
    expect(found.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringContaining('no entry node')]));
  });

  it('rejects maxIterations on an edge that does not go back', () => {
    const found = problems({
      ...base,
      nodes: [code('a'), code('b')],
      edges: [{ from: 'a', to: 'b', maxIterations: 2 }],
    });
    expect(found).toEqual(expect.arrayContaining([expect.objectContaining({ path: ['edges', 0, 'maxIterations'] })]));
  });

  it('reports nodes no entry node leads to', () => {
    const found = problems({
      ...base,
      nodes: [code('a'), code('b'), code('c')],
      edges: [
        { from: 'b', to: 'c' },
        { from: 'c', to: 'b' },
      ],
    });
    expect(found).toEqual([
      expect.objectContaining({ path: ['edges', 1], message: expect.stringContaining('no bound') }),
      expect.objectContaining({ path: ['nodes', 1], message: expect.stringContaining('can never run') }),
      expect.objectContaining({ path: ['nodes', 2], message: expect.stringContaining('can never run') }),
    ]);
  });

  it('reports paths a node kind never takes', () => {
    const found = problems({
      ...base,
      nodes: [
        { id: 'w', type: 'wait', event: 'go', timeoutMs: 5_000 },
        { id: 'd', type: 'delay', durationMs: 5 },
        code('x'),
      ],
      edges: [
        { from: 'w', to: 'd', path: 'approved' },
        { from: 'd', to: 'x', path: 'later' },
      ],
    });
    expect(found.map((p) => p.path.join('.'))).toEqual(['edges.0.path', 'edges.1.path']);
  });

  it('reports onError settings that contradict the error edges', () => {
    const found = problems({
      ...base,
      nodes: [code('a', { onError: 'error-edge' }), code('b', { onError: 'continue' }), code('h')],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'h', on: 'error' },
      ],
    });
    expect(found.map((p) => p.path.join('.'))).toEqual(['nodes.0.onError', 'nodes.1.onError']);
  });

  it('reports input mappings that name unknown steps', () => {
    const found = problems({
      ...base,
      nodes: [code('a'), code('b', { input: { x: { path: 'steps.ghost.y' }, y: { path: 'steps.a' } } })],
      edges: [{ from: 'a', to: 'b' }],
    });
    expect(found).toEqual([
      expect.objectContaining({ path: ['nodes', 1, 'input', 'x', 'path'], message: 'no node with id "ghost"' }),
    ]);
  });

  it('reports input mapping paths outside trigger and steps', () => {
    const found = problems({ ...base, nodes: [code('a', { input: { z: { path: 'env.SECRET' } } })] });
    expect(found).toEqual([expect.objectContaining({ path: ['nodes', 0, 'input', 'z', 'path'] })]);
  });

  it('reports a subflow that runs its own flow', () => {
    const found = problems({ ...base, nodes: [{ id: 's', type: 'subflow', flowId: 'f' }] });
    expect(found).toEqual([expect.objectContaining({ path: ['nodes', 0, 'flowId'] })]);
  });
});
