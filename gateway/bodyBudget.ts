import type { IncomingHttpHeaders, RequestListener } from 'node:http';
import { log, requestIdOf, tagRequest } from './logging';
import { setSecurityHeaders } from './security';
import { RETRY_AFTER_SECONDS } from './unavailable';
import { sendJson } from './webhooks/response';

/** The request-body bytes the gateway is reading and holding, all requests together, against one budget. */
export class BodyBudget {
  private held = 0;

  constructor(
    readonly limit: number,
    /** The largest body any route reads; the budget is at least this, so a request alone always fits. */
    readonly largestBody: number,
  ) {
    if (largestBody > limit) throw new RangeError(`a budget of ${limit} bytes cannot hold one body of ${largestBody}`);
  }

  /** Takes `bytes` when they fit beside what is held; false (nothing taken) when they would pass the budget. */
  take(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }

  get inUse(): number {
    return this.held;
  }
}

/**
 * What a request's body is charged up front: its declared length, up to the largest body any route reads (a longer
 * one is refused with 413 by its parser before a byte is read); a compressed body may inflate up to its route's limit,
 * so it is charged that. `undefined`: no length declared (chunked), charged as its bytes arrive.
 */
export function upFrontCharge(headers: IncomingHttpHeaders, largestBody: number): number | undefined {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') return largestBody;
  const declared = headers['content-length'];
  if (declared !== undefined) return Math.min(Number(declared) || 0, largestBody);
  return headers['transfer-encoding'] === undefined ? 0 : undefined;
}

/**
 * Wraps the server's request listener so that the bodies being read and held at once stay within a budget: a request
 * whose declared body (or, chunked, whose bytes so far) would pass it is answered 503 with `Retry-After` before its
 * body is buffered. Without it a flood of large bodies at an `auth: none` webhook (10 MiB each) takes the gateway's
 * memory with it. What a request took is given back when its response closes (answered, or the connection lost), or
 * when its connection closes first.
 */
export function limitBodiesInFlight(budget: BodyBudget, listener: RequestListener): RequestListener {
  const limits = { budget: budget.limit, largestBody: budget.largestBody };
  const refusal = {
    error: {
      code: 'body_budget_exhausted',
      message: `the gateway is already reading its NECTAR_BODY_BYTES_IN_FLIGHT budget of request bodies (${limits.budget} bytes); try again shortly`,
      limit: limits.budget,
    },
  };
  const refuse = (response: Parameters<RequestListener>[1], close: boolean) => {
    response.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    // A body of known length within the limits is read past (discarded, never held), so a client still sending it gets
    // the answer rather than a reset; one cut off (chunked) leaves a connection that cannot carry another request.
    if (close) response.setHeader('connection', 'close');
    sendJson(response, 503, refusal);
  };

  return (request, response) => {
    const upFront = upFrontCharge(request.headers, limits.largestBody);
    if (upFront === 0) {
      listener(request, response);
      return;
    }
    let charged = 0;
    if (upFront !== undefined) {
      if (!budget.take(upFront)) {
        tagRequest(request, response);
        setSecurityHeaders(response, true);
        log.warn({ reqId: requestIdOf(request), bytes: upFront, inUse: budget.inUse }, 'body budget exhausted');
        refuse(response, !(Number(request.headers['content-length']) <= limits.largestBody));
        return;
      }
      charged = upFront;
    }
    const socket = request.socket;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      budget.release(charged);
      socket.off('close', release);
    };
    response.once('close', release);
    // A response queued behind another on a kept-alive connection may never close if the connection dies first.
    socket.once('close', release);

    if (upFront === undefined) countStreamedBytes();
    listener(request, response);

    function countStreamedBytes() {
      let refused = false;
      const emit = request.emit.bind(request);
      // Every body parser reads with 'data' listeners: counting there sees each chunk before a parser keeps it.
      request.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
        if (refused && (event === 'data' || event === 'end')) return false;
        if (event === 'data' && !released) {
          const more = Math.min((args[0] as Buffer).length, limits.largestBody - charged);
          if (more > 0 && !budget.take(more)) {
            refused = true;
            log.warn(
              { reqId: requestIdOf(request), bytes: charged + more, inUse: budget.inUse },
              'body budget exhausted',
            );
            if (response.headersSent) response.destroy();
            else {
              // Its parser never sees the rest, nor an end: cut off, it starts nothing.
              response.once('finish', () => request.destroy());
              refuse(response, true);
            }
            return false;
          }
          if (more > 0) charged += more;
        }
        return emit(event, ...args);
      }) as typeof request.emit;
    }
  };
}
