/** Which part an error says is down, and the answer it gets: 503 with Retry-After naming the part. */
import { errorAnswer, HttpError } from '../../gateway/errors';
import { checkParts, healthAnswer } from '../../gateway/health';
import { DependencyTimeout, freshOrLastKnown, unavailablePart } from '../../gateway/unavailable';

const named = (name: string) => Object.assign(new Error(name), { name });
/** The shape of the Temporal SDK's gRPC errors (native connection included). */
const grpc = (code: number) => Object.assign(new Error(`grpc ${code}`), { code, details: 'x', metadata: {} });

test('store and Temporal failures are told apart, through causes; others are not "down"', () => {
  expect(unavailablePart(named('MongoServerSelectionError'))).toBe('store');
  expect(unavailablePart(named('MongoNetworkTimeoutError'))).toBe('store');
  for (const code of [14, 4, 1])
    expect(unavailablePart(new Error('Failed to start Workflow', { cause: grpc(code) }))).toBe('temporal');
  expect(unavailablePart(grpc(3))).toBeUndefined();
  expect(unavailablePart(named('MongoServerError'))).toBeUndefined();
  expect(unavailablePart(new DependencyTimeout('store', 10))).toBe('store');
});

test('a part down answers 503 with Retry-After; so does any 503 the gateway raises', () => {
  expect(errorAnswer(named('MongoNetworkError'))).toMatchObject({
    status: 503,
    body: { error: { code: 'store_unavailable' } },
    headers: { 'retry-after': '5' },
  });
  expect(errorAnswer(new HttpError(503, 'journal_unavailable', 'full'))).toMatchObject({
    status: 503,
    headers: { 'retry-after': '5' },
  });
  expect(errorAnswer(new Error('a bug'))).toMatchObject({ status: 500, unexpected: true });
});

test('health names each part, a hung one reported down within the deadline', async () => {
  const report = await checkParts({ temporal: async () => 'ok', store: () => new Promise(() => undefined) }, 50);
  expect(report.parts.temporal).toBe('ok');
  expect(report.parts.store).toMatch(/^down: the store did not answer within 50 ms/);
  expect(healthAnswer(report, 'ok')).toMatchObject({
    status: 503,
    body: { down: ['store'] },
    headers: { 'retry-after': '5' },
  });
});

test('a last known value is served while the store is down or slow, never in place of another error', async () => {
  expect(await freshOrLastKnown(Promise.resolve(2), { value: 1 })).toBe(2);
  expect(await freshOrLastKnown(Promise.reject(named('MongoNetworkError')), { value: 1 })).toBe(1);
  expect(await freshOrLastKnown(new Promise(() => undefined), { value: 1 })).toBe(1);
  await expect(freshOrLastKnown(Promise.reject(new Error('bad query')), { value: 1 })).rejects.toThrow('bad query');
  await expect(freshOrLastKnown(Promise.reject(named('MongoNetworkError')), undefined)).rejects.toThrow();
});
