/**
 * The code that runs inside every isolate before the user's code. The host evaluates its source text
 * (`installRuntime.toString()`), so it must be self-contained: no imports, no closures over module scope,
 * nothing but what V8 itself provides. It receives only a callback that copies strings out.
 */

export interface RuntimeSettings {
  entryName: string;
  maxLogEntries: number;
  maxLogChars: number;
}

/** A result as it crosses back to the host: always a JSON string made inside the isolate. */
export type InvokeOutcome =
  | { ok: true; output: unknown }
  | { ok: false; error: { name: string; message: string; stack?: string } };

export function installRuntime(sendLog: (level: string, argsJson: string) => void, settings: RuntimeSettings): void {
  const stringify = JSON.stringify;
  const toPlain = (value: unknown, seen: unknown[], depth: number): unknown => {
    if (value === undefined) return null;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
    if (typeof value === 'bigint') return `${value.toString()}n`;
    if (typeof value === 'symbol') return value.toString();
    if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
    if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (seen.includes(value)) return '[Circular]';
    if (depth > 20) return '[Too deep]';
    const nextSeen = [...seen, value];
    if (Array.isArray(value)) return value.map((item) => toPlain(item, nextSeen, depth + 1));
    const plain: Record<string, unknown> = {};
    for (const key of Object.keys(value as object)) plain[key] = toPlain((value as Record<string, unknown>)[key], nextSeen, depth + 1);
    return plain;
  };

  let logEntries = 0;
  let logChars = 0;
  let truncated = false;
  const log = (level: string) =>
    function (...args: unknown[]) {
      if (truncated) return;
      let text: string;
      try {
        text = stringify(args.map((arg) => toPlain(arg, [], 0)));
      } catch (error) {
        text = stringify([`[unserialisable log arguments: ${(error as Error).message}]`]);
      }
      logEntries += 1;
      logChars += text.length;
      if (logEntries > settings.maxLogEntries || logChars > settings.maxLogChars) {
        truncated = true;
        sendLog('warn', stringify([`log limit reached (${settings.maxLogEntries} entries or ${settings.maxLogChars} characters); later logs dropped`]));
        return;
      }
      sendLog(level, text);
    };
  const consoleObject = Object.freeze({
    log: log('log'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    debug: log('debug'),
  });
  Object.defineProperty(globalThis, 'console', { value: consoleObject, writable: false, configurable: false, enumerable: false });

  const invoke = async (inputJson: string, contextJson: string): Promise<string> => {
    const outcome = await (async (): Promise<InvokeOutcome> => {
      try {
        const entry = (globalThis as Record<string, unknown>)[settings.entryName];
        if (typeof entry !== 'function') throw new TypeError('the node does not define a function to call');
        const input = JSON.parse(inputJson);
        const context = JSON.parse(contextJson) as Record<string, unknown> & { steps?: Record<string, unknown>; env?: unknown };
        for (const [stepId, output] of Object.entries(context.steps ?? {})) {
          if (!(stepId in context)) context[stepId] = output;
        }
        Object.defineProperty(globalThis, 'env', { value: JSON.parse(stringify(context.env ?? {})), writable: true, configurable: true });
        const output = await entry(input, context);
        return { ok: true, output: output === undefined ? null : output };
      } catch (thrown) {
        const error = thrown instanceof Error ? thrown : new Error(typeof thrown === 'string' ? thrown : stringify(toPlain(thrown, [], 0)));
        return { ok: false, error: { name: String(error.name), message: String(error.message), stack: String(error.stack ?? '') } };
      }
    })();
    try {
      return stringify(outcome);
    } catch (error) {
      return stringify({
        ok: false,
        error: { name: 'ResultError', message: `the result is not JSON-serialisable: ${(error as Error).message}` },
      });
    }
  };
  Object.defineProperty(globalThis, '__nectarInvoke', { value: invoke, writable: false, configurable: false, enumerable: false });
}
