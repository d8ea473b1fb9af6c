/** Server-Sent Events parsing, kept free of the DOM so it is unit-tested as it is. */
import type { RunEvent, RunList } from './types';

const RUN_EVENT_TYPES = new Set(['status', 'node', 'edges', 'log', 'end']);

/** Parses complete SSE blocks out of `buffer`: each event's name and JSON data, and what remains incomplete. */
export function parseBlocks(buffer: string): { events: Array<{ type: string; data: unknown }>; rest: string } {
  const blocks = buffer.split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: Array<{ type: string; data: unknown }> = [];
  for (const block of blocks) {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0) events.push({ type, data: JSON.parse(data.join('\n')) as unknown });
  }
  return { events, rest };
}

/** The run stream's events in `buffer` (`GET /api/runs/:runId/stream`), and what remains incomplete. */
export function parseEvents(buffer: string): { events: RunEvent[]; rest: string } {
  const { events, rest } = parseBlocks(buffer);
  return { events: events.filter((event) => RUN_EVENT_TYPES.has(event.type)) as RunEvent[], rest };
}

/** The live runs list's pages in `buffer` (`GET /api/runs/live`), and what remains incomplete. */
export function parsePages(buffer: string): { pages: RunList[]; rest: string } {
  const { events, rest } = parseBlocks(buffer);
  return { pages: events.filter((event) => event.type === 'page').map((event) => event.data as RunList), rest };
}
