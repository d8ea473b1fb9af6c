/** The retry policy: one decision per node error kind, and the sandbox's contract refusing kinds outside the union. */
import { errorPolicy, NODE_ERROR_TYPES, nodeErrorTypeOf } from '../../flow/errors';
import { ExecutionOutcome } from '../../sandbox/contract';

test('breaches of a limit, failed checks, quota and missing flows are never retried; code and platform errors are', () => {
  const retried = NODE_ERROR_TYPES.filter((type) => errorPolicy(type).retry);
  expect(retried.sort()).toEqual(['CodeError', 'InternalError']);
});

test('every kind of error is handled by error edges and answers a waiting webhook with 500', () => {
  for (const type of NODE_ERROR_TYPES) expect(errorPolicy(type)).toMatchObject({ errorEdge: true, httpStatus: 500 });
});

test('a type read from outside the union (an older history, a platform exception) is an InternalError', () => {
  expect(nodeErrorTypeOf('TimeoutError')).toBe('TimeoutError');
  expect(nodeErrorTypeOf('MongoServerError')).toBe('InternalError');
  expect(nodeErrorTypeOf(undefined)).toBe('InternalError');
  expect(nodeErrorTypeOf(null)).toBe('InternalError');
});

test('an outcome crossing the process boundary must name a known error type', () => {
  const outcome = {
    ok: false,
    logs: [],
    durationMs: 1,
    memoryBytes: 0,
    error: { type: 'TimeoutError', name: 'TimeoutError', message: 'slow' },
  };
  expect(ExecutionOutcome.safeParse(outcome).success).toBe(true);
  expect(ExecutionOutcome.safeParse({ ...outcome, error: { ...outcome.error, type: 'Whatever' } }).success).toBe(false);
});
