/** Which part an error says is down, and the answer it gets: 503 with Retry-After naming the part. */
import {
  MongoBulkWriteError,
  MongoClientClosedError,
  MongoDriverError,
  MongoErrorLabel,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { errorAnswer, HttpError } from '../../gateway/errors';
import { checkParts, healthAnswer } from '../../gateway/health';
import { DependencyTimeout, freshOrLastKnown, unavailablePart } from '../../gateway/unavailable';

const named = (name: string) => Object.assign(new Error(name), { name });
const labelled = (label: string) => {
  const error = new MongoDriverError('pool');
  error.addErrorLabel(label);
  return error;
};
const socketError = (code: string, message: string) => Object.assign(new Error(message), { code });
const networkError = () => new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed');
/** The pool's own errors, which the driver does not export: a driver error by that name, as the driver makes them. */
const poolError = (name: string) =>
  new (class extends MongoDriverError {
    override get name() {
      return name;
    }
  })('pool');
/** The shape of the Temporal SDK's gRPC errors (native connection included). */
const grpc = (code: number) => Object.assign(new Error(`grpc ${code}`), { code, details: 'x', metadata: {} });

test('store and Temporal failures are told apart, through causes; others are not "down"', () => {
  expect(unavailablePart(new MongoServerSelectionError('Server selection timed out', {} as never))).toBe('store');
  expect(unavailablePart(new MongoNetworkTimeoutError('timed out'))).toBe('store');
  for (const code of [14, 4, 1])
    expect(unavailablePart(new Error('Failed to start Workflow', { cause: grpc(code) }))).toBe('temporal');
  expect(unavailablePart(grpc(3))).toBeUndefined();
  expect(unavailablePart(new MongoServerError({ code: 11000, errmsg: 'duplicate key' }))).toBeUndefined();
  expect(unavailablePart(new DependencyTimeout('store', 10))).toBe('store');
});

test('a part down answers 503 with Retry-After; so does any 503 the gateway raises', () => {
  expect(errorAnswer(networkError())).toMatchObject({
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
  expect(await freshOrLastKnown(Promise.reject(networkError()), { value: 1 })).toBe(1);
  expect(await freshOrLastKnown(new Promise(() => undefined), { value: 1 })).toBe(1);
  await expect(freshOrLastKnown(Promise.reject(new Error('bad query')), { value: 1 })).rejects.toThrow('bad query');
  await expect(freshOrLastKnown(Promise.reject(networkError()), undefined)).rejects.toThrow();
});

test('every driver error that means the store is unreachable or not serving is "store", by class, label or code', () => {
  const down = [
    networkError(),
    new MongoNetworkTimeoutError('connection timed out'),
    new MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:27017', {} as never),
    new MongoTopologyClosedError(),
    new MongoNotConnectedError('Client must be connected before running operations'),
    new MongoClientClosedError(),
    new MongoServerClosedError(),
    new MongoOperationTimeoutError('Timed out during server selection'),
    poolError('MongoPoolClosedError'),
    poolError('MongoWaitQueueTimeoutError'),
    // Interrupted or refused as the server shuts down or steps down.
    new MongoServerError({ code: 11600, errmsg: 'interrupted at shutdown' }),
    new MongoServerError({ code: 11602, errmsg: 'operation was interrupted' }),
    new MongoServerError({ code: 91, errmsg: 'The server is in quiesce mode and will shut down' }),
    new MongoServerError({ code: 10107, errmsg: 'not primary' }),
    new MongoServerError({ code: 2, errmsg: 'x', errorLabels: ['RetryableWriteError'] }),
    new MongoDriverError('socket reset', { cause: networkError() }),
    labelled(MongoErrorLabel.ResetPool),
    labelled(MongoErrorLabel.PoolRequstedRetry),
    // A bulk write cut by the network: the driver copies the network error's fields into a MongoBulkWriteError.
    new MongoBulkWriteError(networkError(), {} as never),
    // Written to a connection whose server had just died: the driver lets Node's own error through, unwrapped.
    socketError('EPIPE', 'This socket has been ended by the other party'),
    socketError('ECONNRESET', 'read ECONNRESET'),
  ];
  for (const error of down)
    expect({ error: error.name, part: unavailablePart(error) }).toEqual({ error: error.name, part: 'store' });
  const notDown = [
    new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key error' }),
    new MongoServerError({ code: 2, errmsg: 'BadValue' }),
    new MongoInvalidArgumentError('bad argument'),
    // Named like the driver's, but not its class: no one decides what is "down" by naming an error.
    named('MongoNetworkError'),
    new Error('connection reset'),
    new MongoBulkWriteError({ message: 'E11000 duplicate key error', code: 11000 }, {} as never),
    // Another client's socket failure, wrapped by that client: not the store's.
    new TypeError('fetch failed', { cause: socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9') }),
    socketError('ENOENT', 'no such file'),
  ];
  for (const error of notDown) expect(unavailablePart(error)).toBeUndefined();
});

test("a run over the Temporal server's blob size limit is the caller's: 413 naming the limit, not 500", () => {
  const refused = Object.assign(new Error('3 INVALID_ARGUMENT: Blob data size exceeds limit.'), {
    code: 3,
    details: 'Blob data size exceeds limit.',
    metadata: {},
  });
  const answer = errorAnswer(new Error('failed to start workflow', { cause: refused }));
  expect(answer.status).toBe(413);
  expect(answer.body.error).toMatchObject({ code: 'payload_too_large' });
  expect(String(answer.body.error.message)).toMatch(/blob size limit/);
  expect(answer.unexpected).toBeUndefined();
  const native = Object.assign(new Error('Blob data size exceeds limit.'), { code: 3, details: '', metadata: {} });
  expect(errorAnswer(new Error('failed to start workflow', { cause: native })).status).toBe(413);
  expect(errorAnswer(grpc(3)).status).toBe(500);
});
