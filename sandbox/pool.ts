/**
 * Isolates prepared ahead of use, so creating one (and loading its libraries) is off the critical path. Each is
 * handed out once and never returns: an isolate runs exactly one execution. The pool keeps a few ready for each
 * kind (memory limit and library set) asked for recently, and refills in the background, one at a time, so it
 * never competes with executions for more than a sliver of CPU.
 */
import { planKey } from './libraries';
import { IsolateSpec, PreparedIsolate, prepareIsolate } from './prepare';

export interface IsolatePoolOptions {
  /** Isolates kept ready per kind. */
  readyPerKind: number;
  /** Kinds kept warm; the least recently used beyond this is dropped. */
  maxKinds: number;
}

const DEFAULT_OPTIONS: IsolatePoolOptions = { readyPerKind: 2, maxKinds: 6 };

function kindKey(spec: IsolateSpec): string {
  return `${spec.memoryMb}|${planKey(spec.libraries)}`;
}

export class IsolatePool {
  private readonly options: IsolatePoolOptions;
  /** Most recently used last. */
  private readonly kinds = new Map<string, { spec: IsolateSpec; ready: PreparedIsolate[] }>();
  private refilling = false;
  private closed = false;

  constructor(options: Partial<IsolatePoolOptions> = {}) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** Starts keeping isolates of this kind ready, without taking one. */
  warm(spec: IsolateSpec): void {
    this.touch(spec);
    this.refill();
  }

  /**
   * A prepared isolate of this kind: a ready one when there is one, else one prepared now. Call `refill()` once the
   * execution is over: preparing replacements meanwhile would hold the thread the execution is waiting for.
   */
  async take(spec: IsolateSpec): Promise<PreparedIsolate> {
    const ready = this.touch(spec).ready.shift();
    return ready ?? prepareIsolate(spec);
  }

  /** Disposes every ready isolate and stops refilling. */
  close(): void {
    this.closed = true;
    for (const kind of this.kinds.values()) for (const prepared of kind.ready.splice(0)) prepared.dispose();
    this.kinds.clear();
  }

  private touch(spec: IsolateSpec): { spec: IsolateSpec; ready: PreparedIsolate[] } {
    const key = kindKey(spec);
    const kind = this.kinds.get(key) ?? { spec, ready: [] };
    this.kinds.delete(key);
    this.kinds.set(key, kind);
    while (this.kinds.size > this.options.maxKinds) {
      const [oldestKey, oldest] = this.kinds.entries().next().value as [string, { ready: PreparedIsolate[] }];
      for (const prepared of oldest.ready) prepared.dispose();
      this.kinds.delete(oldestKey);
    }
    return kind;
  }

  private nextToFill(): { spec: IsolateSpec; ready: PreparedIsolate[] } | undefined {
    // Most recently used kinds first.
    return [...this.kinds.values()].reverse().find((kind) => kind.ready.length < this.options.readyPerKind);
  }

  /** Prepares isolates, one at a time, until every recent kind has its ready ones again. */
  refill(): void {
    if (this.refilling || this.closed) return;
    this.refilling = true;
    const step = async (): Promise<void> => {
      const kind = this.nextToFill();
      if (!kind || this.closed) {
        this.refilling = false;
        return;
      }
      try {
        const prepared = await prepareIsolate(kind.spec);
        if (this.closed || this.kinds.get(kindKey(kind.spec)) !== kind) prepared.dispose();
        else kind.ready.push(prepared);
      } catch (error) {
        // Preparing failed (e.g. the process is short of memory): stop refilling; takes prepare on demand.
        console.warn(`[sandbox] could not prepare an isolate ahead of use: ${(error as Error).message}`);
        this.refilling = false;
        return;
      }
      setImmediate(() => void step());
    };
    setImmediate(() => void step());
  }
}
