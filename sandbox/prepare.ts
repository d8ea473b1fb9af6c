/**
 * Builds an isolate ready for one execution: context, runtime, the libraries its code needs, hardening. Everything
 * here is independent of the code that will run, so the pool can do it ahead of time. Library code is compiled once
 * per process into V8 code caches (made by us, from the libraries' own files; never anything a user supplied).
 */
import { randomFillSync } from 'node:crypto';
import ivm from 'isolated-vm';
import { hardenRealm } from './harden';
import { allCryptoModuleLists, cryptoScripts, LibraryPlan, LibraryScript, momentScripts } from './libraries';
import { exposeCryptoJs, installLazyZones, installRandomSource, preloadZones, warmUpLibraries } from './libraryGlue';
import { installRuntime, RUN_GLOBAL, RuntimeEntryPoints, RuntimeHost } from './runtime';
import { unpackedZoneDataFor, zoneDataFor, zoneDataVersion } from './zoneData';

export interface IsolateSpec {
  memoryMb: number;
  libraries: LibraryPlan;
}

/** A context prepared for exactly one execution: the runtime's entry points into it, and its callbacks' router. */
export interface PreparedIsolate {
  isolate: ivm.Isolate;
  context: ivm.Context;
  begin: ivm.Reference<RuntimeEntryPoints['begin']>;
  fire: ivm.Reference<RuntimeEntryPoints['fire']>;
  /** The isolate's heap before it had any context. */
  emptyHeapBytes: number;
  /** Heap the isolate held before this context was made that is not the context's (earlier contexts' leftovers). */
  heapOffsetBytes: number;
  /** Routes the runtime's callbacks (logs, timers) to the execution that takes this isolate. */
  attach(host: RuntimeHost): void;
  /**
   * The execution is over. `clean`: it ended with the runtime's answer (no limit breached, nothing left running), so
   * its isolate may serve another context of the same owner (an isolate series); otherwise, and by default, the
   * isolate is disposed.
   */
  end(clean: boolean): void;
  /** An isolate series takes the isolate over: ending the execution (context released) is then `owner`'s to handle. */
  adopt(owner: (clean: boolean) => void): void;
  dispose(): void;
}

const MAX_RANDOM_WORDS = 16_384;

/** `(source)(args…)`: how in-isolate functions, kept as real code in this folder, are started inside a context. */
function callInIsolate(fn: (...args: never[]) => unknown, argumentCount: number): string {
  const parameters = Array.from({ length: argumentCount }, (_, index) => `$${index}`).join(', ');
  return `return (${fn.toString()})(${parameters});`;
}

const randomWords = new ivm.Callback((count: unknown) => {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_RANDOM_WORDS) {
    throw new RangeError(`at most ${MAX_RANDOM_WORDS} random words per call`);
  }
  return Array.from(randomFillSync(new Uint32Array(count)));
});

const fetchZone = new ivm.Callback((name: unknown) => unpackedZoneDataFor(String(name)));
const fetchEveryZone = new ivm.Callback(() => JSON.stringify(zoneDataFor(null)));

/**
 * Compiling from the code cache is a short deserialisation, done here on the main thread (a trip to the isolate's
 * thread costs more); running the library's top level is real work, done on the isolate's thread.
 */
async function runLibraryScript(
  isolate: ivm.Isolate,
  context: ivm.Context,
  library: LibraryScript,
  cachedData?: ivm.ExternalCopy<ArrayBuffer>,
) {
  const script = cachedData
    ? isolate.compileScriptSync(library.source, { filename: library.filename, cachedData })
    : await isolate.compileScript(library.source, { filename: library.filename });
  try {
    await script.run(context);
  } finally {
    script.release();
  }
}

async function installLibraries(
  isolate: ivm.Isolate,
  context: ivm.Context,
  plan: LibraryPlan,
  codeCache: Map<string, ivm.ExternalCopy<ArrayBuffer>>,
) {
  if (plan.moment) {
    for (const library of momentScripts()) await runLibraryScript(isolate, context, library, codeCache.get(library.id));
    // The glue is a few statements: run synchronously, as a trip to the isolate's thread would cost more.
    context.evalClosureSync(callInIsolate(installLazyZones, 3), [fetchZone, fetchEveryZone, zoneDataVersion()], {
      arguments: { copy: true },
    });
    if (plan.zones.length > 0)
      context.evalClosureSync(callInIsolate(preloadZones, 1), [plan.zones], { arguments: { copy: true } });
  }
  if (plan.crypto.length > 0) {
    context.evalClosureSync(callInIsolate(installRandomSource, 1), [randomWords]);
    for (const library of cryptoScripts(plan.crypto))
      await runLibraryScript(isolate, context, library, codeCache.get(library.id));
    context.evalClosureSync(callInIsolate(exposeCryptoJs, 0), []);
  }
}

/** Compiles, runs and exercises a set of library scripts in a throw-away isolate, then caches their compiled code. */
async function cacheLibraryGroup(
  libraries: LibraryScript[],
  loadAllZones: boolean,
  cache: Map<string, ivm.ExternalCopy<ArrayBuffer>>,
) {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  try {
    const context = await isolate.createContext();
    await context.evalClosure(callInIsolate(installRandomSource, 1), [randomWords]);
    for (const library of libraries) await runLibraryScript(isolate, context, library);
    if (loadAllZones)
      await context.evalClosure('moment.tz.load(JSON.parse($0))', [JSON.stringify(zoneDataFor(null))], {
        arguments: { copy: true },
      });
    await context.evalClosure(callInIsolate(warmUpLibraries, 0), []);
    // Compiling the same source again in the same isolate finds the functions the warm-up compiled, so the cache
    // holds them too (a cache made right after the first compile holds only the top level).
    for (const library of libraries) {
      const script: ivm.Script & ivm.CachedDataResult = await isolate.compileScript(library.source, {
        filename: library.filename,
        produceCachedData: true,
      });
      if (script.cachedData) cache.set(library.id, script.cachedData);
      script.release();
    }
  } finally {
    isolate.dispose();
  }
}

/**
 * A function of the host callbacks and the run global's name that installs the runtime, then the hardening (last, so
 * nothing installed before it escapes it), and answers the entry points.
 */
const BOOTSTRAP_SOURCE = [
  '(function ($0, $1, $2, $3) {',
  `const entryPoints = (${installRuntime.toString()})({ log: $0, setTimer: $1, clearTimer: $2 }, $3);`,
  `(${hardenRealm.toString()})();`,
  'return entryPoints;',
  '})',
].join('\n');

/** The bootstrap compiled once per isolate (a series runs it in every context), from a code cache made once. */
const bootstrapScripts = new WeakMap<ivm.Isolate, ivm.Script>();
let bootstrapCache: ivm.ExternalCopy<ArrayBuffer> | undefined;

function bootstrapScript(isolate: ivm.Isolate): ivm.Script {
  let script = bootstrapScripts.get(isolate);
  if (!script) {
    const compiled: ivm.Script & ivm.CachedDataResult = isolate.compileScriptSync(
      BOOTSTRAP_SOURCE,
      bootstrapCache ? { cachedData: bootstrapCache } : { produceCachedData: true },
    );
    if (!bootstrapCache && compiled.cachedData) bootstrapCache = compiled.cachedData;
    bootstrapScripts.set(isolate, (script = compiled));
  }
  return script;
}

let codeCacheBuild: Promise<Map<string, ivm.ExternalCopy<ArrayBuffer>>> | undefined;

/** The libraries' compiled code, built once per process; an empty cache (slower, still correct) if that fails. */
export function libraryCodeCache(): Promise<Map<string, ivm.ExternalCopy<ArrayBuffer>>> {
  codeCacheBuild ??= (async () => {
    const cache = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();
    try {
      await cacheLibraryGroup(momentScripts(), true, cache);
      for (const modules of allCryptoModuleLists()) await cacheLibraryGroup(cryptoScripts(modules), false, cache);
    } catch (error) {
      console.warn(
        `[sandbox] library code cache not built, libraries will compile per isolate: ${(error as Error).message}`,
      );
    }
    return cache;
  })();
  return codeCacheBuild;
}

function usedHeap(isolate: ivm.Isolate): number {
  return isolate.getHeapStatisticsSync().used_heap_size;
}

/**
 * A new context in a live isolate, ready for one execution: libraries, then the runtime and the hardening. Creating
 * the context and running the libraries happen on the isolate's thread (async): on the main thread they would
 * serialise every preparation, and under load the main thread, not the cores, would bound the executions per second.
 * Ending the execution disposes the isolate unless an isolate series has adopted it.
 */
export async function prepareContext(
  isolate: ivm.Isolate,
  libraries: LibraryPlan,
  emptyHeapBytes: number,
): Promise<PreparedIsolate> {
  const dispose = () => {
    if (!isolate.isDisposed) isolate.dispose();
  };
  // Disposing is the main thread's work: the caller continues with the execution's outcome first.
  let owner: (clean: boolean) => void = () => setImmediate(dispose);
  const needsLibraries = libraries.moment || libraries.crypto.length > 0;
  const codeCache = needsLibraries ? await libraryCodeCache() : new Map<string, ivm.ExternalCopy<ArrayBuffer>>();
  const heapOffsetBytes = Math.max(0, usedHeap(isolate) - emptyHeapBytes);
  const context = await isolate.createContext();
  try {
    let attached: RuntimeHost | undefined;
    const notAttached = 'the isolate is not attached to an execution';
    const host = [
      new ivm.Callback((level: string, argsJson: string) =>
        attached ? attached.log(String(level), String(argsJson)) : notAttached,
      ),
      new ivm.Callback((id: number, delayMs: number, repeat: boolean) =>
        attached ? attached.setTimer(Number(id), Number(delayMs), Boolean(repeat)) : notAttached,
      ),
      new ivm.Callback((id: number) => attached?.clearTimer(Number(id))),
    ];
    await installLibraries(isolate, context, libraries, codeCache);
    // Compiled already, the bootstrap is a fraction of a millisecond: cheaper here than a trip to the isolate's thread.
    const bootstrap = bootstrapScript(isolate).runSync(context, { reference: true }) as ivm.Reference<
      (...args: unknown[]) => RuntimeEntryPoints
    >;
    let entryPoints: ivm.Reference<RuntimeEntryPoints>;
    try {
      entryPoints = bootstrap.applySync(undefined, [...host, RUN_GLOBAL], { result: { reference: true } });
    } finally {
      bootstrap.release();
    }
    const begin: ivm.Reference<RuntimeEntryPoints['begin']> = entryPoints.getSync('begin', { reference: true });
    const fire: ivm.Reference<RuntimeEntryPoints['fire']> = entryPoints.getSync('fire', { reference: true });
    entryPoints.release();
    let ended = false;
    return {
      isolate,
      context,
      begin,
      fire,
      emptyHeapBytes,
      heapOffsetBytes,
      attach(executionHost) {
        attached = executionHost;
      },
      end(clean) {
        if (ended) return;
        ended = true;
        // Nothing reaches the context afterwards: its callbacks refuse, and the references to it are let go.
        attached = undefined;
        if (!isolate.isDisposed) {
          begin.release();
          fire.release();
          context.release();
        }
        owner(clean);
      },
      adopt(next) {
        owner = next;
      },
      dispose() {
        // After the end, the isolate may be serving a series' next context: only its owner disposes it then.
        if (ended) return;
        ended = true;
        dispose();
        owner(false);
      },
    };
  } catch (error) {
    if (!isolate.isDisposed) context.release();
    throw error;
  }
}

/** A new isolate and its context, prepared for exactly one execution: ending it disposes the isolate. */
export async function prepareIsolate(spec: IsolateSpec): Promise<PreparedIsolate> {
  const isolate = new ivm.Isolate({ memoryLimit: spec.memoryMb });
  try {
    return await prepareContext(isolate, spec.libraries, usedHeap(isolate));
  } catch (error) {
    if (!isolate.isDisposed) isolate.dispose();
    throw error;
  }
}
