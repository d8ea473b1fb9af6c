/** Error handler flows: which failed runs start one, what it receives, how it is named and how a flow names it. */
import { errorHandlerInput, mayStartErrorHandler, runLink } from '../../flow/errorHandler';
import { flowIdOfRunId } from '../../flow/ids';
import type { RunRequest } from '../../flow/run';
import { FlowDefinition } from '../../flow/schema';
import { errorHandlerRunId, idempotentRunId } from '../../temporal/runStart';

const request = (extra: Partial<RunRequest> = {}): RunRequest => ({
  v: 1,
  flowId: 'orders',
  flowVersion: 3,
  trigger: { type: 'webhook', source: 'POST /hooks/orders', payload: { id: 7 } },
  ...extra,
});

test('a failed run of a saved version starts a handler unless its flow says false', () => {
  expect(mayStartErrorHandler(request(), undefined)).toBe(true);
  expect(mayStartErrorHandler(request(), { flowId: 'alerts' })).toBe(true);
  expect(mayStartErrorHandler(request(), false)).toBe(false);
});

test('handler runs, draft and step-test runs and subflow runs start none', () => {
  // A failing handler starts nothing, whatever it names (also itself).
  expect(mayStartErrorHandler(request({ trigger: { type: 'error', payload: {} } }), { flowId: 'orders' })).toBe(false);
  expect(mayStartErrorHandler(request({ flowVersion: 0, draft: 4 }), { flowId: 'alerts' })).toBe(false);
  expect(mayStartErrorHandler(request({ depth: 1 }), { flowId: 'alerts' })).toBe(false);
});

test('the handler receives the failed run, its node, its error as recorded, its trigger and its link', () => {
  const failure = {
    name: 'TypeError',
    type: 'CodeError' as const,
    message: 'x is undefined',
    stack: 'TypeError: x is undefined\n    at main (node:3:7)',
    nodeId: 'charge',
  };
  const failed = { runId: 'run-orders-0123', flowId: 'orders', flowVersion: 3, trigger: request().trigger, failure };
  expect(errorHandlerInput(failed, 'https://studio.example.com/')).toEqual({
    flowId: 'orders',
    version: 3,
    runId: 'run-orders-0123',
    node: 'charge',
    error: { name: 'TypeError', type: 'CodeError', message: 'x is undefined', stack: failure.stack },
    trigger: { type: 'webhook', source: 'POST /hooks/orders', payload: { id: 7 } },
    link: 'https://studio.example.com/runs/run-orders-0123',
  });
  const { stack: _stack, ...withoutStack } = failure;
  expect(errorHandlerInput({ ...failed, failure: withoutStack }).error).toEqual({
    name: 'TypeError',
    type: 'CodeError',
    message: 'x is undefined',
  });
});

test('without a public address the link is the studio path of the run', () => {
  expect(runLink('run-a-1')).toBe('/runs/run-a-1');
  expect(runLink('run-a-1', 'http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000/runs/run-a-1');
});

test('one failed run names one handler run, a run id of the handler flow apart from idempotency keys', () => {
  const id = errorHandlerRunId('default', 'alerts', 'run-orders-0123');
  expect(errorHandlerRunId('default', 'alerts', 'run-orders-0123')).toBe(id);
  expect(flowIdOfRunId(id)).toBe('alerts');
  expect(errorHandlerRunId('default', 'alerts', 'run-orders-0124')).not.toBe(id);
  expect(errorHandlerRunId('other', 'alerts', 'run-orders-0123')).not.toBe(id);
  expect(idempotentRunId('default', 'alerts', 'error:run-orders-0123')).not.toBe(id);
});

test('a definition names its handler by flow id, or false for none', () => {
  const base = { id: 'orders', name: 'Orders', nodes: [{ id: 'a', type: 'code', code: 'return 1;' }] };
  expect(FlowDefinition.parse({ ...base, errorHandler: { flowId: 'alerts' } }).errorHandler).toEqual({
    flowId: 'alerts',
  });
  expect(FlowDefinition.parse({ ...base, errorHandler: false }).errorHandler).toBe(false);
  expect(FlowDefinition.safeParse({ ...base, errorHandler: true }).success).toBe(false);
  expect(FlowDefinition.safeParse({ ...base, errorHandler: { flowId: 'no spaces' } }).success).toBe(false);
  expect(FlowDefinition.safeParse({ ...base, errorHandler: { flowId: 'alerts', version: 2 } }).success).toBe(false);
});

test('a setting that is neither says what it must be', () => {
  const base = { id: 'orders', name: 'Orders', nodes: [{ id: 'a', type: 'code', code: 'return 1;' }] };
  const issues = FlowDefinition.safeParse({ ...base, errorHandler: 'alerts' }).error?.issues ?? [];
  expect(issues.map((issue) => [issue.path, issue.message])).toEqual([
    [['errorHandler'], 'must be { "flowId": "<a flow of this workspace>" }, or false for no error handler'],
  ]);
});
