/** The studio's canvas model and the flow definition convert into each other exactly, for every node and edge kind. */
import { hasLayout, toCanvas, toDefinition } from '../../ui/src/domain/convert';
import type { FlowDefinition } from '../../ui/src/domain/model';
import { ERROR_HANDLE, OUT_HANDLE, pathHandle } from '../../ui/src/domain/handles';
import { checkDefinition } from '../../flow/validate';

const EVERY_KIND: FlowDefinition = {
  id: 'every-kind',
  name: 'Every kind',
  description: 'one of each node and edge kind',
  nodes: [
    {
      id: 'route',
      type: 'code',
      name: 'Route',
      code: 'return { nextPath: input.big ? "big" : "small" };',
      timeoutMs: 5_000,
      memoryMb: 32,
      retry: { maximumAttempts: 3, initialIntervalMs: 100, backoffCoefficient: 2, maximumIntervalMs: 1_000 },
      onError: 'error-edge',
      input: { amount: { path: 'trigger.payload.amount' }, currency: { value: 'EUR' } },
    },
    { id: 'pause', type: 'delay', durationMs: 60_000, input: { path: 'steps.route' } },
    { id: 'approval', type: 'wait', event: 'approval', timeoutMs: 3_600_000, onError: 'continue' },
    { id: 'child', type: 'subflow', flowId: 'other', version: 2, input: { value: { fixed: true } } },
    { id: 'fail', type: 'code', code: 'return { handled: input.message };' },
    { id: 'always', type: 'code', code: 'return input;', onError: 'stop' },
  ],
  edges: [
    { from: 'route', to: 'pause', path: 'big' },
    { from: 'route', to: 'approval', path: 'small' },
    { from: 'route', to: 'fail', on: 'error' },
    { from: 'pause', to: 'child' },
    { from: 'approval', to: 'always', path: 'timeout' },
    { from: 'approval', to: 'child', path: 'default' },
    { from: 'child', to: 'route', maxIterations: 3 },
  ],
  triggers: [
    {
      type: 'webhook',
      auth: { type: 'header', header: 'x-api-key', value: '[redacted secret]' },
      respond: 'sync',
      timeoutMs: 5_000,
      methods: ['POST'],
    },
    {
      type: 'cron',
      id: 'nightly',
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
      overlap: 'skip',
      catchupWindowMs: 86_400_000,
      paused: true,
    },
  ],
  execution: { localActivities: false },
  layout: {
    nodes: {
      route: { x: 0, y: 0 },
      pause: { x: 300, y: -80.5 },
      approval: { x: 300, y: 120 },
      child: { x: 600, y: 0 },
      fail: { x: 300, y: 300 },
      always: { x: 600, y: 200 },
    },
  },
};

test('a definition with every node kind, edge kind, trigger and layout round-trips exactly', () => {
  expect(toDefinition(toCanvas(EVERY_KIND))).toEqual(EVERY_KIND);
});

test('the round trip keeps node and edge order, so problems reported by index land on the right element', () => {
  const graph = toCanvas(EVERY_KIND);
  expect(graph.nodes.map((node) => node.id)).toEqual(EVERY_KIND.nodes.map((node) => node.id));
  expect(toDefinition(graph).edges).toEqual(EVERY_KIND.edges);
});

test('each edge leaves by the handle of its kind: always-followed, labelled, error', () => {
  const handles = toCanvas(EVERY_KIND).edges.map((edge) => edge.sourceHandle);
  expect(handles).toEqual([
    pathHandle('big'),
    pathHandle('small'),
    ERROR_HANDLE,
    OUT_HANDLE,
    pathHandle('timeout'),
    pathHandle('default'),
    OUT_HANDLE,
  ]);
});

test('the definition the canvas saves passes the API check, layout included', () => {
  const check = checkDefinition(toDefinition(toCanvas(EVERY_KIND)));
  expect(check.ok ? [] : check.problems).toEqual([]);
});

test('a definition saved without layout gets one position per node from the canvas, and none is invented before', () => {
  const { layout: _layout, ...bare } = EVERY_KIND;
  expect(hasLayout(bare)).toBe(false);
  const graph = toCanvas(bare, (_id, index) => ({ x: index * 10, y: 0 }));
  const saved = toDefinition(graph);
  expect(hasLayout(saved)).toBe(true);
  expect(saved.layout!.nodes.child).toEqual({ x: 30, y: 0 });
  const { layout: _saved, ...rest } = saved;
  expect(rest).toEqual(bare);
});

test('selection and measured sizes are UI state: they never reach the definition', () => {
  const graph = toCanvas(EVERY_KIND);
  const touched = {
    ...graph,
    nodes: graph.nodes.map((node) => ({ ...node, selected: true, measured: { width: 220, height: 100 } })),
    edges: graph.edges.map((edge) => ({ ...edge, selected: true })),
  };
  expect(toDefinition(touched)).toEqual(EVERY_KIND);
});
