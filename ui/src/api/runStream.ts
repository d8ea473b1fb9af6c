/**
 * A run's live events over Server-Sent Events, read with fetch so the key stays in a header (EventSource cannot send
 * one). The gateway ends a stream when it stops or the run ends; until the `end` event, a dropped stream reconnects.
 */
import { authHeaders } from './client';
import { parseEvents } from './sse';
import type { RunEvent } from './types';

/** Follows a run until it ends or `signal` aborts; reconnects after a dropped connection. */
export async function followRun(runId: string, onEvent: (event: RunEvent) => void, signal: AbortSignal): Promise<void> {
  let delay = 250;
  while (!signal.aborted) {
    let ended = false;
    try {
      const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/stream`, { headers: authHeaders(), signal });
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseEvents(buffer + value);
        buffer = parsed.rest;
        for (const event of parsed.events) {
          onEvent(event);
          if (event.type === 'end') ended = true;
        }
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
