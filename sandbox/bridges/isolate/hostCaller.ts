/**
 * In-isolate code (evaluated from its source text: self-contained, V8 built-ins only). Wraps the one reference to
 * the host's bridge entry point in a closure, so user code never holds an isolated-vm object: it can only call the
 * returned function, which sends a JSON string and gets a JSON string back.
 */
import type ivm from 'isolated-vm';

/** Calls a host operation with JSON-able arguments; resolves with its JSON result or throws an Error built here. */
export type HostCaller = (operation: string, args: unknown) => Promise<unknown>;

export function makeHostCaller(
  host: ivm.Reference<(operation: string, argsJson: string) => Promise<string>>,
): HostCaller {
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const assign = Object.assign;
  const freeze = Object.freeze;
  // Null-prototype, frozen options: what isolated-vm reads from them cannot be changed by polluting Object.prototype.
  const options = freeze(
    assign(Object.create(null), {
      arguments: freeze(assign(Object.create(null), { copy: true })),
      result: freeze(assign(Object.create(null), { promise: true, copy: true })),
    }),
  );
  return async function callHost(operation: string, args: unknown): Promise<unknown> {
    const argsJson = stringify(args === undefined ? null : args);
    const envelopeJson = (await host.apply(undefined, [operation, argsJson], options)) as unknown as string;
    const envelope = parse(envelopeJson) as
      { ok: true; value: unknown } | { ok: false; error: { name: string; message: string } & Record<string, unknown> };
    if (envelope.ok) return envelope.value;
    const error = new Error(envelope.error.message);
    for (const key of Object.keys(envelope.error)) {
      if (key !== 'message') (error as unknown as Record<string, unknown>)[key] = envelope.error[key];
    }
    throw error;
  };
}
