/** Runs a snippet of async function code in a fresh isolate with the bridges installed, answering what it returned or threw. */
import ivm from 'isolated-vm';
import { installBridges } from '../../sandbox/bridges';
import type { EgressPolicy } from '../../sandbox/contract';

export type SnippetOutcome =
  | { ok: true; value: unknown }
  | { ok: false; error: { name: string; message: string; code?: string; status?: number; data?: unknown } };

export async function runSnippet(
  body: string,
  options: { egress: EgressPolicy; timeoutMs?: number; maxResponseBytes?: number },
): Promise<SnippetOutcome> {
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  try {
    const context = await isolate.createContext();
    const bridges = installBridges(isolate, context, {
      deadline: Date.now() + (options.timeoutMs ?? 20_000),
      egress: options.egress,
      maxResponseBytes: options.maxResponseBytes,
    });
    try {
      // The snippet's outcome is turned into JSON inside the isolate, the way the sandbox runtime does it.
      const json = await context.evalClosure(
        `const run = async () => { ${body}\n };
         return run().then(
           (value) => JSON.stringify({ ok: true, value: value === undefined ? null : value }),
           (error) => JSON.stringify({ ok: false, error: {
             name: error.name, message: error.message, code: error.code,
             status: error.response ? error.response.status : undefined,
             data: error.response ? error.response.data : undefined } }));`,
        [],
        { result: { promise: true, copy: true } },
      );
      return JSON.parse(json as string) as SnippetOutcome;
    } finally {
      await bridges.dispose();
    }
  } finally {
    isolate.dispose();
  }
}
