import {
  MongoBulkWriteError,
  MongoClientClosedError,
  MongoError,
  MongoErrorLabel,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

/**
 * Driver errors by class that mean no server answered: the socket failed or timed out (MongoNetworkError, which the
 * pool's PoolClearedError and PoolClearedOnNetworkError extend), no server could be selected in time, or the client,
 * topology or server object was closed or never connected (an operation racing a reconnect or a shutdown).
 */
const UNREACHABLE_CLASSES = [
  MongoNetworkError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoNotConnectedError,
  MongoClientClosedError,
  MongoServerClosedError,
  MongoOperationTimeoutError,
];

/** The pool's errors the driver does not export: checking out of a closed pool, or waiting past waitQueueTimeoutMS. */
const UNEXPORTED_POOL_ERRORS = new Set(['MongoPoolClosedError', 'MongoWaitQueueTimeoutError']);

/**
 * Labels the driver or server put on an error to say the server is gone or going: the pool must be reset (every
 * network failure), the write may be retried on another connection (network errors and the transient codes below),
 * the pool asked for a retry (cleared under a waiting operation), in-use connections were interrupted.
 */
const UNREACHABLE_LABELS = [
  MongoErrorLabel.ResetPool,
  MongoErrorLabel.RetryableWriteError,
  MongoErrorLabel.PoolRequstedRetry,
  MongoErrorLabel.InterruptInUseConnections,
];

/**
 * Server codes meaning the server could not serve the operation for now, not that the operation was wrong: the
 * retryable-reads specification's set (which the driver retries once) — shutting down or interrupted at shutdown
 * (91, 11600), stepped down or not primary (189, 10107, 13435, 13436, 10058, 11602), host or network failures between
 * servers (6, 7, 89, 9001), a time limit exceeded on the server's side (262), majority read concern not yet available
 * (134).
 */
const UNREACHABLE_CODES = new Set([6, 7, 89, 91, 134, 189, 262, 9001, 10058, 10107, 11600, 11602, 13435, 13436]);

/** Whether a MongoDB driver error (this one, not its causes) means the store is unreachable or not serving now. */
export function isStoreUnreachable(error: unknown): boolean {
  if (!(error instanceof MongoError)) return false;
  if (UNREACHABLE_CLASSES.some((type) => error instanceof type)) return true;
  if (UNEXPORTED_POOL_ERRORS.has(error.name)) return true;
  if (UNREACHABLE_LABELS.some((label) => error.hasErrorLabel(label))) return true;
  // A bulk write the network cut: the driver wraps the MongoNetworkError in a MongoBulkWriteError, copying its fields
  // (`beforeHandshake` is a network error's) but not its class.
  if (error instanceof MongoBulkWriteError && typeof Reflect.get(error, 'beforeHandshake') === 'boolean') return true;
  return typeof error.code === 'number' && UNREACHABLE_CODES.has(error.code);
}

/** Node's codes of a socket that failed or whose other end went away. */
const SOCKET_FAILURES = new Set([
  'EPIPE',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTCONN',
]);

/**
 * A socket error the driver let through unwrapped: a command written to a pooled connection whose server had just
 * died fails with Node's own EPIPE ("This socket has been ended by the other party", raised while the driver waits for
 * the socket to drain), not a MongoNetworkError (mongodb 6.22; a webhook met it when FerretDB was killed under it).
 * Only an error thrown as is counts: every other client the gateway uses wraps its socket errors (fetch in a
 * TypeError, Temporal in a ServiceError), so one found as a cause is not the store's.
 */
export function isUnwrappedSocketError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof MongoError) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && SOCKET_FAILURES.has(code);
}
