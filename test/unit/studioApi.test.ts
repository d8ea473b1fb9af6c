/** Pure parts of the API the studio uses: the flows list's run figures, a step test's one-node flow. */
import { figuresOf, FlowRunStats } from '../../gateway/flowRunStats';
import type { RunList, RunSummary } from '../../gateway/runList';
import { visibilityQuery } from '../../gateway/runList';
import { stepTestDefinition } from '../../gateway/stepTests';
import type { CodeNode } from '../../flow/schema';
import { checkDefinition } from '../../flow/validate';

const run = (runId: string, status: string): RunSummary => ({
  runId,
  status,
  startedAt: `2026-01-01T00:00:0${runId.length % 10}.000Z`,
});

describe('flow run figures', () => {
  it('counts ended runs and those that completed; the first listed is the last run', () => {
    const figures = figuresOf([
      run('r5', 'running'),
      run('r4', 'completed'),
      run('r3', 'failed'),
      run('r2', 'continued_as_new'),
      run('r1', 'completed'),
      run('r0', 'timed_out'),
    ]);
    expect(figures.lastRun).toEqual({ runId: 'r5', status: 'running', startedAt: expect.any(String) });
    expect(figures.successRate).toEqual({ runs: 4, succeeded: 2 });
  });

  it('a flow never run has no last run and a rate over none', () => {
    expect(figuresOf([])).toEqual({ lastRun: null, successRate: { runs: 0, succeeded: 0 } });
  });

  it('asks visibility for one page of saved-version runs per flow, a few at once, and gives up on the rest at the deadline', async () => {
    const asked: { flowId?: string; pageSize: number; savedVersionsOnly?: boolean }[] = [];
    let inFlight = 0;
    let most = 0;
    const list = {
      async list(
        _workspace: string,
        query: { flowId?: string; pageSize: number },
        scope: { savedVersionsOnly?: boolean },
      ) {
        asked.push({ flowId: query.flowId, pageSize: query.pageSize, savedVersionsOnly: scope.savedVersionsOnly });
        inFlight += 1;
        most = Math.max(most, inFlight);
        // "slow" never answers within the deadline; "broken" fails.
        await new Promise((resolve) => setTimeout(resolve, query.flowId === 'slow' ? 60_000 : 5).unref());
        inFlight -= 1;
        if (query.flowId === 'broken') throw new Error('visibility refused');
        return { runs: [run(`${query.flowId}-1`, 'completed')] };
      },
    } as unknown as RunList;
    const stats = new FlowRunStats(list, { sample: 100, concurrency: 2, deadlineMs: 300 });
    const figures = await stats.of('default', ['a', 'slow', 'b', 'broken', 'c']);
    expect(most).toBeLessThanOrEqual(2);
    expect(asked.every((query) => query.pageSize === 100 && query.savedVersionsOnly)).toBe(true);
    expect(figures.get('a')).toEqual({
      lastRun: expect.objectContaining({ runId: 'a-1' }),
      successRate: { runs: 1, succeeded: 1 },
    });
    expect(figures.get('c')?.successRate).toEqual({ runs: 1, succeeded: 1 });
    expect(figures.get('slow')).toEqual({ lastRun: null, successRate: null });
    expect(figures.get('broken')).toEqual({ lastRun: null, successRate: null });
  });

  it('leaves out runs of drafts in visibility', () => {
    expect(visibilityQuery('default', { flowId: 'f' }, { savedVersionsOnly: true })).toContain(
      `NectarFlowVersion NOT STARTS_WITH 'draft-'`,
    );
    expect(visibilityQuery('default', { flowId: 'f' })).not.toContain('NectarFlowVersion');
  });
});

describe('a step test’s flow', () => {
  const node: CodeNode = {
    id: 'route',
    type: 'code',
    code: 'return { nextPath: "x" };',
    input: { path: 'steps.previous.output' },
    onError: 'error-edge',
    retry: { maximumAttempts: 5 },
    timeoutMs: 5_000,
    memoryMb: 32,
  };

  it('is the node alone, with its limits, without its mapping, error routing or retries, and is a valid flow', () => {
    const definition = stepTestDefinition('purchase-approval', node);
    expect(definition).toEqual({
      id: 'purchase-approval',
      name: 'step test of route',
      nodes: [{ id: 'route', type: 'code', code: 'return { nextPath: "x" };', timeoutMs: 5_000, memoryMb: 32 }],
      edges: [],
    });
    expect(checkDefinition(definition).ok).toBe(true);
  });
});
