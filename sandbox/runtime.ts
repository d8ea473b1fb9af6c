/**
 * The code that runs inside every isolate before the user's code. The host evaluates its source text
 * (`installRuntime.toString()`), so it must be self-contained: no imports, no closures over module scope,
 * nothing but what V8 itself provides. It receives only callbacks that copy strings and numbers across, and hands
 * back the two functions the host calls (through references the user's code never sees).
 *
 * Limits live on the host, which answers a refusal (a message) when a log or a timer would breach one; the runtime
 * then throws, and the host ends the execution with an error naming the limit.
 */

/** What the host gives the runtime: plain `ivm.Callback`s, each copying its arguments and its result. */
export interface RuntimeHost {
  /** Records one log entry; answers a refusal message once the log volume limit is reached. */
  log(level: string, argsJson: string): string | undefined;
  /** Arms a host timer that will call `fire(id)`; answers a refusal message when the timer limits forbid it. */
  setTimer(id: number, delayMs: number, repeat: boolean): string | undefined;
  clearTimer(id: number): void;
}

/** A result as it crosses back to the host: always a JSON string made inside the isolate. */
export type InvokeOutcome =
  | { ok: true; output: unknown; emitted?: Array<{ type: string; payload: unknown }> }
  | { ok: false; error: { name: string; message: string; stack?: string } };

/**
 * The global the user's script ends by calling (`…;__nectarRun()`), so defining the function and calling it take one
 * trip to the isolate: it calls the function stored under the entry name with the request given to `begin`, and
 * resolves with an InvokeOutcome as JSON. Non-writable and non-configurable: user code cannot replace it.
 */
export const RUN_GLOBAL = '__nectarRun';

/** What the runtime hands back to the host. */
export interface RuntimeEntryPoints {
  /** Stores the execution's request for `RUN_GLOBAL`; called before the user's script runs. */
  begin(entryName: string, inputJson: string, contextJson: string, maxResultChars: number): void;
  /** Runs timer `id`'s callback; answers '' or, when the callback threw, the error as InvokeOutcome JSON. */
  fire(id: number): string;
}

export function installRuntime(host: RuntimeHost, runGlobal: string): RuntimeEntryPoints {
  'use strict';
  // Captured before any user code runs: later pollution of the globals cannot change how results are made.
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const objectKeys = Object.keys;
  const isArray = Array.isArray;
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const hasOwn = Object.prototype.hasOwnProperty;
  const ErrorClass = Error;
  const DateClass = Date;
  const getTime = Date.prototype.getTime;
  const toISOString = Date.prototype.toISOString;
  const numberIsFinite = Number.isFinite;
  const StringClass = String;
  const MapClass = Map;
  const RangeErrorClass = RangeError;
  const TypeErrorClass = TypeError;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapDelete = Map.prototype.delete;
  const reflectApply = Reflect.apply;

  const safeRead = (read: () => unknown): unknown => {
    try {
      return read();
    } catch {
      return undefined;
    }
  };

  /** Turns a logged value into JSON-able data: objects stay objects, the rest gets a readable stand-in. */
  const toPlain = (value: unknown, seen: unknown[], depth: number): unknown => {
    if (value === undefined) return null;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') return numberIsFinite(value) ? value : StringClass(value);
    if (typeof value === 'bigint') return `${StringClass(value)}n`;
    if (typeof value === 'symbol') return safeRead(() => StringClass(value)) ?? '[Symbol]';
    if (typeof value === 'function') return `[Function ${StringClass(safeRead(() => value.name) || 'anonymous')}]`;
    if (safeRead(() => value instanceof ErrorClass) === true) {
      const error = value as Error;
      const read = (key: 'name' | 'message' | 'stack') => StringClass(safeRead(() => StringClass(error[key])));
      return { name: read('name'), message: read('message'), stack: read('stack') };
    }
    if (safeRead(() => value instanceof DateClass) === true) {
      const time: number = reflectApply(getTime, value, []);
      return numberIsFinite(time) ? reflectApply(toISOString, value, []) : 'Invalid Date';
    }
    for (let index = 0; index < seen.length; index += 1) if (seen[index] === value) return '[Circular]';
    if (depth > 20) return '[Too deep]';
    seen.push(value);
    let plain: unknown;
    if (isArray(value)) {
      const items: unknown[] = [];
      for (let index = 0; index < value.length && index < 10_000; index += 1)
        items[index] = toPlain(
          safeRead(() => value[index]),
          seen,
          depth + 1,
        );
      plain = items;
    } else {
      const record: Record<string, unknown> = {};
      const keys = objectKeys(value);
      for (let index = 0; index < keys.length && index < 10_000; index += 1) {
        const key = keys[index];
        defineProperty(record, key, {
          value: toPlain(
            safeRead(() => (value as Record<string, unknown>)[key]),
            seen,
            depth + 1,
          ),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      plain = record;
    }
    seen.pop();
    return plain;
  };

  const errorData = (thrown: unknown): { name: string; message: string; stack: string } => {
    // `instanceof` itself runs user code when the thrown value is a Proxy.
    if (safeRead(() => thrown instanceof ErrorClass) === true) {
      const error = thrown as Error;
      return {
        name: StringClass(safeRead(() => StringClass(error.name)) ?? 'Error'),
        message: StringClass(safeRead(() => StringClass(error.message)) ?? ''),
        stack: StringClass(safeRead(() => StringClass(error.stack)) ?? ''),
      };
    }
    const message = typeof thrown === 'string' ? thrown : safeRead(() => stringify(toPlain(thrown, [], 0)));
    return { name: 'Error', message: StringClass(message ?? 'a non-Error value was thrown'), stack: '' };
  };

  const log = (level: string) =>
    function (...args: unknown[]): void {
      let text: string;
      try {
        const plain: unknown[] = [];
        for (let index = 0; index < args.length; index += 1) plain[index] = toPlain(args[index], [], 0);
        text = stringify(plain);
      } catch (error) {
        text = stringify([`[unserialisable log arguments: ${StringClass(safeRead(() => (error as Error).message))}]`]);
      }
      const refusal = host.log(level, text);
      if (refusal) throw new RangeErrorClass(refusal);
    };
  defineProperty(globalThis, 'console', {
    value: freeze({ log: log('log'), info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') }),
    writable: false,
    configurable: false,
    enumerable: false,
  });

  interface PendingTimer {
    callback: (...args: unknown[]) => unknown;
    args: unknown[];
    repeat: boolean;
  }
  const timers = new MapClass<number, PendingTimer>();
  let nextTimerId = 1;
  const createTimer = (repeat: boolean) =>
    function (callback: unknown, delay?: unknown, ...args: unknown[]): number {
      if (typeof callback !== 'function') throw new TypeErrorClass('the timer callback must be a function');
      const requested = Math.floor(Number(delay));
      // Node's rule: a missing, negative or non-numeric delay means 1 ms.
      const delayMs = requested >= 1 ? requested : 1;
      const id = nextTimerId;
      nextTimerId += 1;
      const refusal = host.setTimer(id, delayMs, repeat);
      if (refusal) throw new RangeErrorClass(refusal);
      reflectApply(mapSet, timers, [id, { callback: callback as PendingTimer['callback'], args, repeat }]);
      return id;
    };
  const clearTimer = function (id: unknown): void {
    const key = Number(id);
    if (reflectApply(mapDelete, timers, [key])) host.clearTimer(key);
  };
  for (const [name, value] of [
    ['setTimeout', createTimer(false)],
    ['setInterval', createTimer(true)],
    ['clearTimeout', clearTimer],
    ['clearInterval', clearTimer],
  ] as const) {
    defineProperty(globalThis, name, { value, writable: false, configurable: false, enumerable: false });
  }

  const fire = (id: number): string => {
    const timer = reflectApply(mapGet, timers, [id]) as PendingTimer | undefined;
    if (!timer) return '';
    if (!timer.repeat) reflectApply(mapDelete, timers, [id]);
    try {
      reflectApply(timer.callback, undefined, timer.args);
      return '';
    } catch (thrown) {
      return stringify({ ok: false, error: errorData(thrown) });
    }
  };

  let request: { entryName: string; inputJson: string; contextJson: string; maxResultChars: number } | undefined;
  const begin = (entryName: string, inputJson: string, contextJson: string, maxResultChars: number): void => {
    request = { entryName, inputJson, contextJson, maxResultChars };
  };

  const run = async (): Promise<string> => {
    const current = request;
    // Once per execution: a second call (user code calling the global itself) gets nothing.
    request = undefined;
    if (!current) throw new TypeErrorClass('the function has already been called');
    const { entryName, inputJson, contextJson, maxResultChars } = current;
    let outcome: InvokeOutcome;
    try {
      const entry = (globalThis as Record<string, unknown>)[entryName];
      if (typeof entry !== 'function') throw new TypeErrorClass('the node does not define a function to call');
      const input = parse(inputJson);
      const context = parse(contextJson) as Record<string, unknown> & {
        steps?: Record<string, unknown>;
        env?: unknown;
      };
      // `context[nodeId]` is the seed's shorthand for `context.steps[nodeId]`; the built-in keys win over node ids.
      const steps = context.steps ?? {};
      const stepIds = objectKeys(steps);
      for (let index = 0; index < stepIds.length; index += 1) {
        const stepId = stepIds[index];
        if (!reflectApply(hasOwn, context, [stepId])) context[stepId] = parse(stringify(steps[stepId]));
      }
      defineProperty(globalThis, 'env', {
        value: parse(stringify(context.env ?? {})),
        writable: true,
        configurable: true,
      });
      // `context.emit(type, payload)`: events kept (as JSON copies, at most 100) and published on the workspace's bus
      // once the node has succeeded, through an activity of their own; a node that fails emits nothing.
      const emitted: Array<{ type: string; payload: unknown }> = [];
      context.emit = (type: unknown, payload: unknown) => {
        if (typeof type !== 'string' || type.length === 0 || type.length > 200) {
          throw new TypeErrorClass('context.emit(type, payload): the type must be a string like "order.created"');
        }
        if (emitted.length >= 100) throw new RangeErrorClass('context.emit: at most 100 events per node run');
        emitted[emitted.length] = { type, payload: payload === undefined ? null : parse(stringify(payload)) };
      };
      const output = await reflectApply(entry, undefined, [input, context]);
      outcome =
        emitted.length > 0
          ? { ok: true, output: output === undefined ? null : output, emitted }
          : { ok: true, output: output === undefined ? null : output };
    } catch (thrown) {
      outcome = { ok: false, error: errorData(thrown) };
    }
    let text: string;
    try {
      text = stringify(outcome);
    } catch (error) {
      const reason = StringClass(safeRead(() => (error as Error).message));
      return stringify({
        ok: false,
        error: { name: 'ResultError', message: `the result is not JSON-serialisable: ${reason}` },
      });
    }
    if (typeof text !== 'string') {
      return stringify({ ok: false, error: { name: 'ResultError', message: 'the result is not JSON-serialisable' } });
    }
    if (text.length > maxResultChars) {
      return stringify({
        ok: false,
        error: {
          name: 'ResultError',
          message: `the result is larger than the ${maxResultChars}-byte result size limit`,
        },
      });
    }
    return text;
  };

  defineProperty(globalThis, runGlobal, { value: run, writable: false, configurable: false, enumerable: false });
  return { begin, fire };
}
