/** The studio's canvas layout in a flow definition: accepted, checked against the flow's nodes, and ignored when it runs. */
import type { RunState } from '../../flow/contracts';
import {
  createRunState,
  indexGraph,
  markStarted,
  nodeInput,
  readyNodeIds,
  recordSuccess,
  runOutput,
} from '../../flow/graph';
import { FlowDefinition } from '../../flow/schema';
import { checkDefinition, DefinitionProblem } from '../../flow/validate';
import { purchaseApprovalFlow } from '../support/seedSamples';

const approval = purchaseApprovalFlow();

const layout = {
  nodes: {
    route: { x: 0, y: 120.5 },
    'executive-approval': { x: 320, y: -40 },
    'manager-approval': { x: 320, y: 120 },
    'auto-approve': { x: 320, y: 280 },
  },
};

function problems(definition: unknown): DefinitionProblem[] {
  const check = checkDefinition(definition);
  return check.ok ? [] : check.problems;
}

describe('the layout section', () => {
  it('is accepted and kept as given', () => {
    const check = checkDefinition({ ...approval, layout });
    expect(check.ok).toBe(true);
    expect(check.ok && check.definition.layout).toEqual(layout);
  });

  it('may place some nodes only, or none', () => {
    expect(problems({ ...approval, layout: { nodes: { route: { x: 1, y: 2 } } } })).toEqual([]);
    expect(problems({ ...approval, layout: { nodes: {} } })).toEqual([]);
  });

  it('names a position of a node the flow does not have', () => {
    const found = problems({ ...approval, layout: { nodes: { ...layout.nodes, ghost: { x: 1, y: 1 } } } });
    expect(found).toEqual([{ path: ['layout', 'nodes', 'ghost'], message: 'no node with id "ghost"' }]);
  });

  it('names coordinates that are not finite numbers, and fields it does not know', () => {
    const paths = (definition: unknown) => problems(definition).map((problem) => problem.path.join('.'));
    expect(paths({ ...approval, layout: { nodes: { route: { x: '10', y: 0 } } } })).toEqual(['layout.nodes.route.x']);
    expect(paths({ ...approval, layout: { nodes: { route: { x: 0, y: null } } } })).toEqual(['layout.nodes.route.y']);
    expect(paths({ ...approval, layout: { nodes: { route: { x: Number.POSITIVE_INFINITY, y: 0 } } } })).toEqual([
      'layout.nodes.route.x',
    ]);
    expect(paths({ ...approval, layout: { nodes: { route: { x: 1e9, y: 0 } } } })).toEqual(['layout.nodes.route.x']);
    expect(paths({ ...approval, layout: { nodes: { route: { x: 0, y: 0, z: 1 } } } })).toEqual(['layout.nodes.route']);
    expect(paths({ ...approval, layout: { nodes: {}, zoom: 2 } })).toEqual(['layout']);
    expect(paths({ ...approval, layout: [] })).toEqual(['layout']);
  });

  it('is ignored by the graph semantics the interpreter runs: the same run, step by step, with or without it', () => {
    const trace = (definition: FlowDefinition) => {
      const graph = indexGraph(definition);
      const state: RunState = createRunState(definition);
      const steps: unknown[] = [];
      const outputs: Record<string, unknown> = {
        route: { nextPath: 'manager-approval' },
        'manager-approval': { approvedBy: 'manager' },
      };
      for (let ready = readyNodeIds(graph, state); ready.length > 0; ready = readyNodeIds(graph, state)) {
        for (const id of ready) {
          markStarted(state, id, '2026-01-01T00:00:00.000Z');
          steps.push({ id, input: nodeInput(graph, state, id, { payload: { purchaseAmount: 5000 } }) });
          recordSuccess(graph, state, id, outputs[id] ?? null);
        }
      }
      return { steps, state, output: runOutput(graph, state) };
    };
    const plain = checkDefinition(approval);
    const placed = checkDefinition({ ...approval, layout });
    if (!plain.ok || !placed.ok) throw new Error('the flows should be valid');
    const withLayout = trace(placed.definition);
    expect(withLayout).toEqual(trace(plain.definition));
    expect(withLayout.output).toEqual({ approvedBy: 'manager' });
    expect(withLayout.state.nodes['executive-approval'].status).toBe('skipped');
  });
});
