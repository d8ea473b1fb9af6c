/**
 * Installs the host-backed libraries (`axios`, `nodemailer`, `MongoClient`/`ObjectId`) into an execution's context.
 * The isolate receives one isolated-vm Reference, kept inside a closure by `makeHostCaller`; the shims built on it
 * only ever exchange JSON strings with the host. The returned handle must be disposed when the execution ends: it
 * aborts calls still in flight and closes every connection the function opened.
 */
import ivm from 'isolated-vm';
import type { EgressPolicy } from '../contract';
import { EgressGuard } from '../egress';
import { installAxiosShim } from './isolate/axios';
import { makeHostCaller } from './isolate/hostCaller';
import { installMongoShim } from './isolate/mongo';
import { installNodemailerShim } from './isolate/nodemailer';
import { registerHttpBridge } from './http';
import { registerMailBridge } from './mail';
import { registerMongoBridge } from './mongo';
import { BridgeSession } from './session';

export const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
const MAX_CONCURRENT_CALLS = 16;

export interface BridgeOptions {
  /** Epoch milliseconds at which the node's time is up; every host call ends by then. */
  deadline: number;
  egress: EgressPolicy | EgressGuard;
  /** Bound on each response (HTTP body, documents read, …) and on each request body. */
  maxResponseBytes?: number;
  /** Identifiers the code references; when given, libraries it does not name are not installed. */
  referencedGlobals?: ReadonlySet<string>;
}

export interface Bridges {
  dispose(): Promise<void>;
}

const HOST_CALLER_SOURCE = makeHostCaller.toString();

interface Library {
  /** The globals the shim defines: it is installed when the code names one of them. */
  globals: string[];
  shimSource: string;
  register(session: BridgeSession, guard: EgressGuard, maxResponseBytes: number): void;
}

const LIBRARIES: Library[] = [
  {
    globals: ['axios'],
    shimSource: installAxiosShim.toString(),
    register: (session, guard, maxResponseBytes) =>
      registerHttpBridge(session, { guard, maxRequestBytes: maxResponseBytes }),
  },
  {
    globals: ['nodemailer'],
    shimSource: installNodemailerShim.toString(),
    register: (session, guard) => registerMailBridge(session, guard),
  },
  {
    globals: ['MongoClient', 'ObjectId'],
    shimSource: installMongoShim.toString(),
    register: (session, guard) => registerMongoBridge(session, guard),
  },
];

/** Shims installed in a context, waiting for the execution whose session will serve their calls. */
export interface PreparedBridges {
  /** Starts serving this execution's calls; dispose the answer when the execution ends. */
  attach(options: Omit<BridgeOptions, 'referencedGlobals'>): Bridges;
}

const NOT_ATTACHED = JSON.stringify({
  ok: false,
  error: { name: 'BridgeError', message: 'no execution is attached to this isolate' },
});

/** One installer script per set of libraries, compiled once per process into a V8 code cache we made ourselves. */
const installerCache = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();

/**
 * The installer: a function of the host Reference that defines the libraries' globals. Only function sources are
 * joined here: each shim is a real, type-checked function applied to the same caller. Strict mode throughout, so no
 * shim function exposes `caller` or `arguments` to code it calls back into.
 */
function installerSource(libraries: Library[]): string {
  const calls = libraries.map((library) => `(${library.shimSource})(callHost);`);
  return [
    `(function (host) {`,
    `'use strict';`,
    `const callHost = (${HOST_CALLER_SOURCE})(host);`,
    ...calls,
    `})`,
  ].join('\n');
}

/** Defines the globals synchronously: no trip to the isolate's thread, and the compiled code comes from the cache. */
function runInstaller(isolate: ivm.Isolate, context: ivm.Context, source: string, host: ivm.Reference): void {
  const cachedData = installerCache.get(source);
  const script: ivm.Script & ivm.CachedDataResult = isolate.compileScriptSync(
    source,
    cachedData ? { cachedData } : { produceCachedData: true },
  );
  try {
    if (!cachedData && script.cachedData) installerCache.set(source, script.cachedData);
    const installer = script.runSync(context, { reference: true }) as ivm.Reference<(host: ivm.Reference) => void>;
    try {
      installer.applySync(undefined, [host]);
    } finally {
      installer.release();
    }
  } finally {
    script.release();
  }
}

/**
 * Installs the shims the code needs into a context, ahead of the execution if the caller likes (an isolate pool
 * does this while the isolate waits). Calls made before `attach` or after the execution's dispose are refused.
 */
export function prepareBridges(
  isolate: ivm.Isolate,
  context: ivm.Context,
  referencedGlobals?: ReadonlySet<string>,
): PreparedBridges {
  const libraries = LIBRARIES.filter(
    (library) => !referencedGlobals || library.globals.some((name) => referencedGlobals.has(name)),
  );
  let attached: BridgeSession | undefined;
  if (libraries.length > 0) {
    const entry = (operation: string, argsJson: string): Promise<string> =>
      attached ? attached.handle(operation, argsJson) : Promise.resolve(NOT_ATTACHED);
    runInstaller(isolate, context, installerSource(libraries), new ivm.Reference(entry));
  }
  return {
    attach(options) {
      if (libraries.length === 0) return { dispose: async () => undefined };
      const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      const guard = options.egress instanceof EgressGuard ? options.egress : new EgressGuard(options.egress);
      const session = new BridgeSession({
        deadline: options.deadline,
        maxResponseBytes,
        maxConcurrentCalls: MAX_CONCURRENT_CALLS,
      });
      for (const library of libraries) library.register(session, guard, maxResponseBytes);
      attached = session;
      return {
        async dispose() {
          if (attached === session) attached = undefined;
          await session.dispose();
        },
      };
    },
  };
}

/** Installs the shims and attaches one execution at once: the simple path when isolates are not pooled. */
export function installBridges(isolate: ivm.Isolate, context: ivm.Context, options: BridgeOptions): Bridges {
  return prepareBridges(isolate, context, options.referencedGlobals).attach(options);
}
