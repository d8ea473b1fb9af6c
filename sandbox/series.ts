/**
 * An isolate series: executions of one owner's code, one after the other (a fused chain of one run), served by one
 * isolate with a fresh context each. A new isolate costs 4–8 ms, a new context in a live one about 1 ms, and the next
 * context is prepared while the caller handles the last outcome, so a series of light functions pays for neither on
 * its critical path. Each execution still has its own realm (no function sees another's globals), its own time and
 * log limits, and its own memory figure; the isolate's memory limit is the executions' own. The caller guarantees
 * that a series never mixes owners: the sandbox cannot tell.
 *
 * The isolate is kept only after an execution that ended cleanly (the runtime answered, no limit breached, nothing
 * in flight to a host bridge); after any other end it is disposed as a lone execution's would be, and the next
 * execution starts a new one.
 */
import type ivm from 'isolated-vm';
import { planKey } from './libraries';
import { IsolateSpec, PreparedIsolate, prepareContext } from './prepare';

interface OwnIsolate {
  isolate: ivm.Isolate;
  memoryMb: number;
  emptyHeapBytes: number;
}

interface Spare {
  plan: string;
  prepared: Promise<PreparedIsolate | undefined>;
}

/** Lets go of a prepared context without touching its isolate. */
function releaseContext(prepared: PreparedIsolate | undefined): void {
  prepared?.adopt(() => undefined);
  prepared?.end(true);
}

export class IsolateSeries {
  private own: OwnIsolate | undefined;
  private spare: Spare | undefined;
  /** An execution holds the isolate: a second one at the same time gets an isolate of its own. */
  private busy = false;
  private ended = false;

  /** `fresh` gives an isolate prepared for one execution (the pool's). */
  constructor(private readonly fresh: (spec: IsolateSpec) => Promise<PreparedIsolate>) {}

  /**
   * A context for the next execution, in the series' isolate when it has one of this memory limit. `reusable`: the
   * isolate may serve further contexts once this execution has ended cleanly (false when host bridges are in play).
   */
  async take(spec: IsolateSpec, reusable: boolean): Promise<PreparedIsolate> {
    if (this.busy || this.ended) return this.fresh(spec);
    this.busy = true;
    try {
      const prepared = (await this.fromOwnIsolate(spec)) ?? (await this.fresh(spec));
      const { isolate, emptyHeapBytes } = prepared;
      prepared.adopt((clean) =>
        this.after({ isolate, memoryMb: spec.memoryMb, emptyHeapBytes }, spec, clean && reusable),
      );
      return prepared;
    } catch (error) {
      this.busy = false;
      throw error;
    }
  }

  /** No more executions: the isolate goes (now, or when the one running ends). */
  end(): void {
    this.ended = true;
    if (!this.busy) this.drop();
  }

  private async fromOwnIsolate(spec: IsolateSpec): Promise<PreparedIsolate | undefined> {
    const { own, spare } = this;
    this.spare = undefined;
    if (!own || own.isolate.isDisposed || own.memoryMb !== spec.memoryMb) {
      if (spare) void spare.prepared.then(releaseContext);
      this.drop();
      return undefined;
    }
    const plan = planKey(spec.libraries);
    if (spare?.plan === plan) {
      const prepared = await spare.prepared;
      if (prepared) return prepared;
    } else if (spare) void spare.prepared.then(releaseContext);
    return prepareContext(own.isolate, spec.libraries, own.emptyHeapBytes).catch(() => undefined);
  }

  /** The execution ended and released its context: keep the isolate, preparing the next context now, or drop it. */
  private after(own: OwnIsolate, spec: IsolateSpec, keep: boolean): void {
    this.busy = false;
    this.own = own;
    if (!keep || this.ended || own.isolate.isDisposed) {
      this.drop();
      return;
    }
    // The next execution most likely needs what this one did.
    this.spare = {
      plan: planKey(spec.libraries),
      prepared: prepareContext(own.isolate, spec.libraries, own.emptyHeapBytes).catch(() => undefined),
    };
  }

  private drop(): void {
    const own = this.own;
    this.own = undefined;
    this.spare = undefined;
    // A context still being prepared fails with its isolate.
    if (own && !own.isolate.isDisposed) setImmediate(() => !own.isolate.isDisposed && own.isolate.dispose());
  }
}

/**
 * A series served by two isolates in turn once it is long enough to repay the second: a new context takes a thread of
 * its isolate's about 1.5 ms, most of a light function's execution, so while one isolate runs an execution the other
 * prepares the next one's context on a thread of its own. A short series stays in one isolate (a second costs about
 * 8 ms of CPU to make and dispose of). Each isolate is still an isolate series of its own (above).
 */
export class AlternatingSeries {
  private readonly lanes: [IsolateSeries, IsolateSeries];
  private taken = 0;

  /** Executions served by the first isolate alone before the two take turns. */
  static readonly ALONE_FOR = 4;

  constructor(fresh: (spec: IsolateSpec) => Promise<PreparedIsolate>) {
    this.lanes = [new IsolateSeries(fresh), new IsolateSeries(fresh)];
  }

  take(spec: IsolateSpec, reusable: boolean): Promise<PreparedIsolate> {
    const index = this.taken++;
    return this.lanes[index < AlternatingSeries.ALONE_FOR ? 0 : index % 2].take(spec, reusable);
  }

  end(): void {
    for (const lane of this.lanes) lane.end();
  }
}
