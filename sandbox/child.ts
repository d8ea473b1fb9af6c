/**
 * A sandbox process: runs executions for the worker that forked it, in its own isolate pool, and answers each
 * outcome. It holds nothing else, so the worker can kill and replace it at any moment, losing only the executions
 * it held. It ends when the worker goes away.
 */
import { closeSandbox, configureSandbox, executeFunction, ExecutionRequest, prewarmSandbox } from './execute';
import { FromSandbox, PROTOCOL_VERSION, ToSandbox } from './processProtocol';
import { libraryCodeCache } from './prepare';

function send(message: FromSandbox): void {
  process.send?.(message);
}

/** Executions in progress, by id, so the worker can cancel one. */
const cancellers = new Map<number, AbortController>();

function main(): void {
  if (!process.send) throw new Error('the sandbox process must be started by the worker (with an IPC channel)');
  // This process runs isolates itself; it must never fork sandbox processes of its own.
  configureSandbox({ processes: 0 });
  process.on('message', (raw: unknown) => {
    const parsed = ToSandbox.safeParse(raw);
    if (!parsed.success) return;
    if (parsed.data.type === 'cancel') {
      cancellers.get(parsed.data.id)?.abort();
      return;
    }
    const { id, request } = parsed.data;
    const canceller = new AbortController();
    cancellers.set(id, canceller);
    executeFunction({ ...(request as unknown as ExecutionRequest), signal: canceller.signal })
      .finally(() => cancellers.delete(id))
      .then(
        (outcome) => send({ v: PROTOCOL_VERSION, type: 'outcome', id, outcome: { ...outcome } }),
        (error: unknown) =>
          send({
            v: PROTOCOL_VERSION,
            type: 'outcome',
            id,
            outcome: { ok: false, error: { type: 'InternalError', name: 'InternalError', message: String(error) }, logs: [], durationMs: 0, memoryBytes: 0 },
          }),
      );
  });
  process.on('disconnect', () => {
    closeSandbox();
    process.exit(0);
  });
  prewarmSandbox();
  // Build the libraries' code cache now, not on the first execution that needs it.
  void libraryCodeCache();
  send({ v: PROTOCOL_VERSION, type: 'ready' });
}

main();
