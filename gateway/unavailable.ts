import { isGrpcServiceError } from '@temporalio/client';
import { isStoreUnreachable, isUnwrappedSocketError } from '../store/unreachable';

/** The parts of the product a request may depend on, as /healthz and 503 answers name them. */
export type Dependency = 'store' | 'temporal';

/** How long a caller is asked to wait before retrying a request that found a part down (`Retry-After`, seconds). */
export const RETRY_AFTER_SECONDS = 5;

/**
 * gRPC codes of a Temporal call that did not reach the server or got no answer in time: UNAVAILABLE, DEADLINE_EXCEEDED,
 * and CANCELLED, which is what the SDK's native connection reports when a call's deadline passes ("Timeout expired");
 * the gateway cancels no call of its own.
 */
const TEMPORAL_DOWN_CODES = new Set([14, 4, 1]);

/** An error and the errors it was caused by, outermost first, as far as clients wrap (five levels). */
export function* errorAndCauses(error: unknown): Generator<unknown> {
  for (let at: unknown = error, depth = 0; at && depth < 5; at = (at as { cause?: unknown }).cause, depth += 1)
    yield at;
}

/** Which part an error says is down (looking through its causes), if it says so. */
export function unavailablePart(error: unknown): Dependency | undefined {
  for (const at of errorAndCauses(error)) {
    if (isStoreUnreachable(at) || (at === error && isUnwrappedSocketError(at))) return 'store';
    if (isGrpcServiceError(at) && TEMPORAL_DOWN_CODES.has(at.code)) return 'temporal';
    if (at instanceof DependencyTimeout) return at.part;
  }
  return undefined;
}

/** A call to a part that did not answer within its deadline. */
export class DependencyTimeout extends Error {
  override name = 'DependencyTimeout';
  constructor(
    readonly part: Dependency,
    ms: number,
  ) {
    super(`the ${part === 'store' ? 'store' : 'Temporal server'} did not answer within ${ms} ms`);
  }
}

/** Resolves as `work` does, or rejects with DependencyTimeout once `ms` pass first. */
export async function within<T>(part: Dependency, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_resolve, reject) => (timer = setTimeout(() => reject(new DependencyTimeout(part, ms)), ms)),
  );
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a read with a last known answer waits for a fresh one before answering with what it knew. */
export const STALE_GRACE_MS = 300;

/**
 * A fresh value when the store gives one promptly; otherwise, when a last known value exists and the store is down or
 * slow, that value: the webhook path keeps accepting deliveries while the store is away. Without a last known value
 * the fresh read's outcome is the answer, whatever it is.
 */
export async function freshOrLastKnown<T>(fresh: Promise<T>, lastKnown: { value: T } | undefined): Promise<T> {
  if (!lastKnown) return fresh;
  fresh.catch(() => undefined); // still observed below; never an unhandled rejection when the stale value won
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<{ value: T }>((resolve) => (timer = setTimeout(() => resolve(lastKnown), STALE_GRACE_MS)));
  try {
    const first = await Promise.race([fresh.then((value) => ({ value })), slow]);
    return first.value;
  } catch (error) {
    if (unavailablePart(error) === 'store') return lastKnown.value;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
