/**
 * Every kind of error a node can fail with, and the one place that decides what each kind means: whether Temporal
 * may run the node again, whether the node's error edges handle it, and what HTTP status answers a caller waiting
 * on the run. Errors are told apart by this `type`, never by class or realm. Part of the workflow bundle, so no zod
 * here: the process boundary validates the type with `z.enum(NODE_ERROR_TYPES)` (sandbox/contract.ts).
 */

export const NODE_ERROR_TYPES = [
  /** The user's code threw (or rejected). */
  'CodeError',
  /** The code breaks a static rule (flow/codeRules.ts) and was not run. */
  'ValidationError',
  'TimeoutError',
  'CpuLimitError',
  'MemoryLimitError',
  /** The result is not JSON, or larger than the result size limit. */
  'ResultError',
  'LogLimitError',
  'TimerLimitError',
  /** The platform failed around the code (a sandbox process died, an isolate could not be prepared, the store). */
  'InternalError',
  /** The workspace has used its month's executions. */
  'QuotaExceeded',
  /** The pinned flow version, draft revision or code node does not exist (or is another workspace's). */
  'FlowNotFound',
  /** A loop edge was taken more often than its maxIterations. */
  'LoopLimitError',
  /** A subflow node's child run failed, or subflows nest too deep. */
  'SubflowError',
] as const;
export type NodeErrorType = (typeof NODE_ERROR_TYPES)[number];

const KNOWN: ReadonlySet<string> = new Set(NODE_ERROR_TYPES);

/** A type read from outside (a failure's type, an older history): unknown kinds are the platform's failures. */
export function nodeErrorTypeOf(value: string | null | undefined): NodeErrorType {
  return value !== null && value !== undefined && KNOWN.has(value) ? (value as NodeErrorType) : 'InternalError';
}

export interface ErrorPolicy {
  /** Temporal may run the node again, within the node's `retry.maximumAttempts`. */
  retry: boolean;
  /** The node's error edges (and `onError`) handle the failure; otherwise it fails the run. */
  errorEdge: boolean;
  /** The status a sync webhook answers when its run failed with this error. */
  httpStatus: number;
}

/** Another attempt may succeed (the user's code may depend on the outside world; the platform may recover). */
const RETRYABLE: ErrorPolicy = { retry: true, errorEdge: true, httpStatus: 500 };
/** The same code and input would fail the same way again: retrying cannot help. */
const DETERMINISTIC: ErrorPolicy = { retry: false, errorEdge: true, httpStatus: 500 };

/** What a failure of this type means for the node, the run and the caller. */
export function errorPolicy(type: NodeErrorType): ErrorPolicy {
  switch (type) {
    case 'CodeError':
    case 'InternalError':
      return RETRYABLE;
    case 'ValidationError':
    case 'TimeoutError':
    case 'CpuLimitError':
    case 'MemoryLimitError':
    case 'ResultError':
    case 'LogLimitError':
    case 'TimerLimitError':
    case 'QuotaExceeded':
    case 'FlowNotFound':
    case 'LoopLimitError':
    case 'SubflowError':
      return DETERMINISTIC;
    default:
      return assertNever(type);
  }
}

function assertNever(value: never): never {
  throw new Error(`unknown node error type: ${String(value)}`);
}
