/**
 * The runs list, live (`GET /api/runs/live`): one page of the list, with the list's filters and page token, as
 * Server-Sent Events — a `page` event with the page as it is on open and each time it changes (a run started, a
 * listed run's status changed). Temporal's visibility store tells nobody of changes, so each list followed is read
 * once a second; every client following the same list (workspace, filters, page) shares that one read, and at most
 * MAX_LIVE_LISTS different lists are followed at once: a client costs at most one visibility read a second, and one
 * write when its page changes.
 */
import type { Response } from 'express';
import { HttpError } from './errors';
import type { RunListAnswer } from './runAnswers';
import type { RunList } from './runList';
import { HEARTBEAT_MS, openEventStream } from './runStream';
import type { RunListQuery } from './schemas';

const POLL_MS = 1_000;
export const MAX_LIVE_LISTS = 64;

type Listener = (page: RunListAnswer, text: string) => void;

/** One list followed: read every `pollMs` while anyone follows it, its listeners told when it changed. */
class FollowedList {
  readonly listeners = new Set<Listener>();
  private last: { page: RunListAnswer; text: string } | undefined;
  private running = false;

  constructor(
    private readonly read: () => Promise<RunListAnswer>,
    private readonly pollMs: number,
    private readonly idle: () => void,
  ) {}

  add(listener: Listener, seen: RunListAnswer): void {
    this.listeners.add(listener);
    this.last ??= { page: seen, text: JSON.stringify(seen) };
    if (!this.running) void this.poll();
  }

  private async poll(): Promise<void> {
    this.running = true;
    while (this.listeners.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      if (this.listeners.size === 0) break;
      try {
        const page = await this.read();
        const text = JSON.stringify(page);
        if (text === this.last?.text) continue;
        this.last = { page, text };
        for (const listener of this.listeners) listener(page, text);
      } catch {
        // Visibility did not answer: the clients keep the page they have, and the next second asks again.
      }
    }
    this.running = false;
    this.idle();
  }
}

/** The lists followed by this gateway's clients, one read a second each, shared by the clients of the same list. */
export class LiveRunLists {
  private readonly lists = new Map<string, FollowedList>();

  constructor(
    private readonly runList: Pick<RunList, 'list'>,
    private readonly pollMs = POLL_MS,
  ) {}

  /** 503 when this many different lists are followed already (before the stream opens, so it is a plain answer). */
  assertRoom(workspace: string, query: RunListQuery): void {
    if (this.lists.size >= MAX_LIVE_LISTS && !this.lists.has(keyOf(workspace, query)))
      throw new HttpError(
        503,
        'too_many_live_lists',
        `this gateway follows ${MAX_LIVE_LISTS} different run lists already: read GET /api/runs instead`,
      );
  }

  /** Tells `listener` of each change of the list after `seen` (the page the client has); returns how to stop. */
  follow(workspace: string, query: RunListQuery, seen: RunListAnswer, listener: Listener): () => void {
    const key = keyOf(workspace, query);
    let list = this.lists.get(key);
    if (!list) {
      const created: FollowedList = new FollowedList(
        () => this.runList.list(workspace, query),
        this.pollMs,
        () => {
          if (this.lists.get(key) === created && created.listeners.size === 0) this.lists.delete(key);
        },
      );
      this.lists.set(key, created);
      list = created;
    }
    list.add(listener, seen);
    const followed = list;
    return () => void followed.listeners.delete(listener);
  }

  /** How many different lists are followed now. */
  get size(): number {
    return this.lists.size;
  }
}

function keyOf(workspace: string, query: RunListQuery): string {
  const { flowId, status, trigger, startedAfter, startedBefore, pageSize, pageToken } = query;
  return JSON.stringify([workspace, flowId, status, trigger, startedAfter, startedBefore, pageSize, pageToken]);
}

function send(response: Response, event: string, text: string): void {
  response.write(`event: ${event}\ndata: ${text}\n\n`);
}

/**
 * Streams one list to one client: its page now, then each change, until the client leaves or the gateway stops
 * (`closed`). A bad query or an unknown page token fails before the stream opens, as `GET /api/runs` would.
 */
export async function streamRunList(
  lists: LiveRunLists,
  runList: Pick<RunList, 'list'>,
  options: { workspace: string; query: RunListQuery; response: Response; closed: () => boolean },
): Promise<void> {
  const { workspace, query, response, closed } = options;
  lists.assertRoom(workspace, query);
  const first = await runList.list(workspace, query);
  openEventStream(response);
  let sent = JSON.stringify(first);
  let lastWrite = Date.now();
  send(response, 'page', sent);
  const stop = lists.follow(workspace, query, first, (_page, text) => {
    if (text === sent) return;
    sent = text;
    lastWrite = Date.now();
    send(response, 'page', text);
  });
  try {
    while (!closed()) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (Date.now() - lastWrite > HEARTBEAT_MS) {
        response.write(': heartbeat\n\n');
        lastWrite = Date.now();
      }
    }
  } finally {
    stop();
    response.end();
  }
}
