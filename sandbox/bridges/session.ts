/**
 * The host side of every bridge call made during one execution. The isolate sends an operation name and a JSON
 * string; the session runs the operation with the node's remaining time and answers a JSON envelope, so nothing but
 * strings ever crosses the boundary. Disposing the session aborts what is still running and releases connections.
 */

/** The error a bridge answers with: plain data the in-isolate code turns back into an Error. */
export class BridgeError extends Error {
  constructor(
    name: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = name;
  }
}

/** What an operation gets besides its arguments. */
export interface CallScope {
  /** Aborted at the node's deadline and when the execution ends. */
  signal: AbortSignal;
  /** Milliseconds left before the node's deadline (at least 1). */
  remainingMs(): number;
  maxResponseBytes: number;
}

export type BridgeOperation = (args: unknown, scope: CallScope) => Promise<unknown>;

export type BridgeEnvelope =
  | { ok: true; value: unknown }
  | { ok: false; error: { name: string; message: string; code?: string } & Record<string, unknown> };

export interface BridgeSessionOptions {
  /** Epoch milliseconds at which the node's time is up. */
  deadline: number;
  maxResponseBytes: number;
  /** Calls in flight at once; more is almost always a runaway loop. */
  maxConcurrentCalls: number;
}

/** Room for the request's own fields (URL, headers, options) around a body or documents as large as a response may be. */
const ARGUMENT_SLACK_CHARS = 64 * 1024;

export class BridgeSession {
  private readonly controller = new AbortController();
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  private readonly operations = new Map<string, BridgeOperation>();
  private inFlight = 0;

  constructor(private readonly options: BridgeSessionOptions) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  remainingMs(): number {
    return Math.max(1, this.options.deadline - Date.now());
  }

  register(name: string, operation: BridgeOperation): void {
    this.operations.set(name, operation);
  }

  /** Runs when the execution ends, whether it succeeded or not. */
  onDispose(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  /** The single entry point the isolate reaches: never throws, always answers an envelope string. */
  readonly handle = async (operationName: string, argsJson: string): Promise<string> => {
    const envelope = await this.run(String(operationName), String(argsJson));
    let json: string;
    try {
      json = JSON.stringify(envelope);
    } catch (error) {
      return JSON.stringify(
        failure(new BridgeError('BridgeError', `the result could not be copied: ${(error as Error).message}`)),
      );
    }
    if (Buffer.byteLength(json) > this.options.maxResponseBytes + 1024) {
      return JSON.stringify(failure(tooLarge(this.options.maxResponseBytes)));
    }
    return json;
  };

  private async run(operationName: string, argsJson: string): Promise<BridgeEnvelope> {
    const operation = this.operations.get(operationName);
    if (!operation) return failure(new BridgeError('BridgeError', `unknown bridge operation "${operationName}"`));
    if (this.controller.signal.aborted) return failure(new BridgeError('BridgeError', 'the execution has ended'));
    if (Date.now() >= this.options.deadline) return failure(deadlineError());
    if (argsJson.length > this.options.maxResponseBytes + ARGUMENT_SLACK_CHARS) {
      return failure(
        new BridgeError(
          'RequestTooLargeError',
          `the call's arguments are larger than the ${this.options.maxResponseBytes}-byte limit for function code`,
        ),
      );
    }
    if (this.inFlight >= this.options.maxConcurrentCalls) {
      return failure(
        new BridgeError(
          'BridgeError',
          `more than ${this.options.maxConcurrentCalls} library calls in flight at once; await some before starting more`,
        ),
      );
    }
    this.inFlight += 1;
    const timeout = AbortSignal.timeout(this.remainingMs());
    const signal = AbortSignal.any([this.controller.signal, timeout]);
    // Operations honour the signal, but the deadline holds even for one that does not.
    let stop: () => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => {
      const onAbort = () =>
        reject(timeout.aborted ? deadlineError() : new BridgeError('BridgeError', 'the execution has ended'));
      signal.addEventListener('abort', onAbort, { once: true });
      stop = () => signal.removeEventListener('abort', onAbort);
    });
    stopped.catch(() => undefined);
    try {
      const args: unknown = JSON.parse(argsJson);
      const scope: CallScope = {
        signal,
        remainingMs: () => this.remainingMs(),
        maxResponseBytes: this.options.maxResponseBytes,
      };
      const value = await Promise.race([operation(args, scope), stopped]);
      return { ok: true, value: value === undefined ? null : value };
    } catch (error) {
      if (timeout.aborted && !(error instanceof BridgeError && error.name === 'TimeoutError'))
        return failure(deadlineError());
      return failure(error);
    } finally {
      stop();
      this.inFlight -= 1;
    }
  }

  async dispose(): Promise<void> {
    this.controller.abort();
    const cleanups = this.cleanups.splice(0);
    await Promise.allSettled(cleanups.map(async (cleanup) => cleanup()));
  }
}

export function deadlineError(): BridgeError {
  return new BridgeError('TimeoutError', "the call did not finish within the node's remaining time");
}

export function tooLarge(limit: number): BridgeError {
  return new BridgeError(
    'ResponseTooLargeError',
    `the response is larger than the ${limit}-byte limit for function code`,
    {
      code: 'ERR_RESPONSE_TOO_LARGE',
    },
  );
}

/** Only named, allow-listed fields cross: no host stack traces, no host objects. */
function failure(error: unknown): BridgeEnvelope {
  if (error instanceof BridgeError) {
    return { ok: false, error: { ...error.details, name: error.name, message: error.message } };
  }
  const known = error as { name?: unknown; message?: unknown; code?: unknown };
  const name = typeof known?.name === 'string' ? known.name : 'Error';
  const message = typeof known?.message === 'string' ? known.message : String(error);
  const code = typeof known?.code === 'string' ? known.code : undefined;
  return { ok: false, error: code === undefined ? { name, message } : { name, message, code } };
}
