/**
 * Turning what comes out of an isolate into the execution's result: the runtime's JSON is untrusted (user code ran
 * in that realm), so it is parsed with a schema, and isolated-vm's own errors are told apart by their messages.
 */
import { z } from 'zod';
import { EmittedEvents } from './contract';

export const InvokeOutcomeData = z.union([
  z.object({ ok: z.literal(true), output: z.unknown(), emitted: EmittedEvents.optional() }),
  z.object({
    ok: z.literal(false),
    error: z.object({ name: z.string(), message: z.string(), stack: z.string().optional() }),
  }),
]);
export type InvokeOutcomeData = z.infer<typeof InvokeOutcomeData>;

/** What stopped an isolate, which isolated-vm reports only in its error messages. */
export type IsolateStop = 'timeout' | 'memory' | 'disposed';

export function isolateStopOf(error: unknown): IsolateStop | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('Script execution timed out')) return 'timeout';
  if (message.includes('memory limit')) return 'memory';
  if (message.includes('Isolate was disposed') || message.includes('Isolate is disposed')) return 'disposed';
  return undefined;
}

/**
 * Keeps the message line and the frames in the user's own script, so the stack shows the user's line numbers and
 * nothing of the runtime around it.
 */
export function userStack(stack: string | undefined, filename: string): string | undefined {
  if (!stack) return stack;
  const lines = stack.split('\n');
  const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
  if (firstFrame < 0) return stack;
  const frames = lines.slice(firstFrame).filter((line) => line.includes(filename));
  return [...lines.slice(0, firstFrame), ...frames].join('\n');
}
