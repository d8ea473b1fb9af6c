/**
 * The graph checks off the main thread: flow/validate.ts (the API's own rules, with acorn parsing every code node)
 * evaluated and run here, so opening or editing a large flow never waits for them.
 */
import { checkDefinition } from '../../../flow/validate';
import type { Problem } from '../domain/faults';

export interface CheckRequest {
  id: number;
  definition: unknown;
}

export interface CheckAnswer {
  id: number;
  problems: Problem[];
}

globalThis.addEventListener('message', (event: MessageEvent<CheckRequest>) => {
  const { id, definition } = event.data;
  const result = checkDefinition(definition);
  // Only the problems go back: the parsed definition is not needed and would be copied for nothing.
  const answer: CheckAnswer = { id, problems: result.ok ? [] : result.problems };
  globalThis.postMessage(answer);
});
