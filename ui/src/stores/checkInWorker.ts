/** The API's rules (flow/validate.ts) run in a Web Worker (stores/checks.worker.ts): one worker, started on first use. */
import type { Problem } from '../domain/faults';
import type { CheckAnswer, CheckRequest } from './checks.worker';

let worker: Worker | undefined;
let lastRequest = 0;
const waiting = new Map<number, (problems: Problem[]) => void>();

function checker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./checks.worker.ts', import.meta.url), { type: 'module', name: 'graph checks' });
  worker.addEventListener('message', (event: MessageEvent<CheckAnswer>) => {
    waiting.get(event.data.id)?.(event.data.problems);
    waiting.delete(event.data.id);
  });
  return worker;
}

/** The problems the API would report for this definition (none: it would be accepted). */
export function checkInWorker(definition: unknown): Promise<Problem[]> {
  const id = ++lastRequest;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    checker().postMessage({ id, definition } satisfies CheckRequest);
  });
}
