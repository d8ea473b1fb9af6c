/** Server-Sent Events parsing, kept free of the DOM so it is unit-tested as it is. */
import type { RunEvent } from './types';

const EVENT_TYPES = new Set(['status', 'node', 'edges', 'log', 'end']);

/** Parses complete SSE blocks out of `buffer`; returns the events and what remains incomplete. */
export function parseEvents(buffer: string): { events: RunEvent[]; rest: string } {
  const blocks = buffer.split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: RunEvent[] = [];
  for (const block of blocks) {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (EVENT_TYPES.has(type) && data.length > 0)
      events.push({ type, data: JSON.parse(data.join('\n')) as unknown } as RunEvent);
  }
  return { events, rest };
}
