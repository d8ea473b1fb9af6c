/**
 * A sandbox process: runs executions for the worker that forked it, in its own isolate pool, and answers each
 * outcome. It holds nothing else, so the worker can kill and replace it at any moment, losing only the executions
 * it held. It ends when the worker goes away.
 */
import { failedOutcome, FromSandbox, PROTOCOL_VERSION, ToSandbox } from './contract';
import { InProcessExecutor } from './inProcess';
import { libraryCodeCache } from './prepare';

function send(message: FromSandbox): void {
  process.send?.(message);
}

/** Executions in progress, by id, so the worker can cancel one. */
const cancellers = new Map<number, AbortController>();

function main(): void {
  if (!process.send) throw new Error('the sandbox process must be started by the worker (with an IPC channel)');
  // This process runs isolates itself: it never forks sandbox processes of its own.
  const executor = new InProcessExecutor({ prewarm: true });
  process.on('message', (raw: unknown) => {
    const parsed = ToSandbox.safeParse(raw);
    if (!parsed.success) return;
    if (parsed.data.type === 'cancel') {
      cancellers.get(parsed.data.id)?.abort();
      return;
    }
    if (parsed.data.type === 'endSeries') {
      executor.endSeries(parsed.data.series);
      return;
    }
    const { id, request } = parsed.data;
    const canceller = new AbortController();
    cancellers.set(id, canceller);
    executor
      .execute(request, canceller.signal, {
        onLogs: (entries) => send({ v: PROTOCOL_VERSION, type: 'logs', id, entries }),
      })
      .finally(() => cancellers.delete(id))
      .then(
        (outcome) => send({ v: PROTOCOL_VERSION, type: 'outcome', id, outcome }),
        (error: unknown) =>
          send({ v: PROTOCOL_VERSION, type: 'outcome', id, outcome: failedOutcome('InternalError', String(error)) }),
      );
  });
  process.on('disconnect', () => {
    executor.close();
    process.exit(0);
  });
  // Build the libraries' code cache now, not on the first execution that needs it.
  void libraryCodeCache();
  send({ v: PROTOCOL_VERSION, type: 'ready' });
}

main();
