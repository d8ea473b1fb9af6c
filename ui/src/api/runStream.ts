/**
 * The gateway's live streams over Server-Sent Events, read with fetch so the key stays in a header (EventSource
 * cannot send one): a run's events, and a page of the runs list. A dropped stream reconnects; a run's ends with its
 * `end` event.
 */
import { authHeaders } from './client';
import { parseEvents, parsePages } from './sse';
import type { RunEvent, RunList } from './types';

/** Reads the stream at `path` until `handle` says it ended or `signal` aborts; reconnects after a dropped connection. */
async function follow<T>(
  path: string,
  parse: (buffer: string) => { items: T[]; rest: string },
  handle: (item: T) => boolean,
  signal: AbortSignal,
): Promise<void> {
  let delay = 250;
  while (!signal.aborted) {
    let ended = false;
    try {
      const response = await fetch(path, { headers: authHeaders(), signal });
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parse(buffer + value);
        buffer = parsed.rest;
        for (const item of parsed.items) if (handle(item)) ended = true;
        delay = 250;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof Error && /answered 4\d\d/.test(error.message)) throw error;
    }
    if (ended) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 5_000);
  }
}

/** Follows a run until it ends or `signal` aborts. */
export function followRun(runId: string, onEvent: (event: RunEvent) => void, signal: AbortSignal): Promise<void> {
  return follow(
    `/api/runs/${encodeURIComponent(runId)}/stream`,
    (buffer) => {
      const { events, rest } = parseEvents(buffer);
      return { items: events, rest };
    },
    (event) => {
      onEvent(event);
      return event.type === 'end';
    },
    signal,
  );
}

/** Follows a page of the runs list (`query`: the list's query string) until `signal` aborts. */
export function followRunList(query: string, onPage: (page: RunList) => void, signal: AbortSignal): Promise<void> {
  return follow(
    `/api/runs/live?${query}`,
    (buffer) => {
      const { pages, rest } = parsePages(buffer);
      return { items: pages, rest };
    },
    (page) => {
      onPage(page);
      return false;
    },
    signal,
  );
}
