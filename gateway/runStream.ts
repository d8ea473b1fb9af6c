import type { Response } from 'express';
import type { LiveLogBatch } from '../store/runJournal';
import type { RunStreamEnd, RunStreamLog, RunStreamStatus } from './runAnswers';
import type { RunDebugView, RunService } from './runService';

const POLL_MS = 500;
export const HEARTBEAT_MS = 15_000;
/** Live log batches are read back this far before the newest one seen: writers on other hosts may lag a little. */
const LIVE_LOG_OVERLAP_MS = 10_000;

/** Where the stream reads the live log lines workers publish (store/runJournal.ts). */
export interface LiveLogSource {
  logsSince(runId: string, since: Date): Promise<LiveLogBatch[]>;
}

/** Answers 200 as a stream of Server-Sent Events, with the headers that keep proxies from holding it back. */
export function openEventStream(response: Response): void {
  response.status(200).set({
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.flushHeaders();
}

function send(response: Response, event: string, data: unknown, id?: number): void {
  response.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

const LIVE_STATES = new Set(['queued', 'running', 'retrying']);

/** Hands out each live log batch once, only for nodes still running (an ended node's record holds its logs). */
class LiveLogs {
  private readonly sent = new Set<string>();
  private since = new Date(0);

  constructor(
    private readonly source: LiveLogSource,
    private readonly runId: string,
  ) {}

  async next(run: RunDebugView): Promise<LiveLogBatch[]> {
    // A node that ended inside a chain still running gets its logs with the chain's end: live lines go on till then.
    const running = new Set(
      run.nodes.filter((node) => LIVE_STATES.has(node.state) || node.pendingRecord).map((node) => node.id),
    );
    if (running.size === 0) return [];
    let batches: LiveLogBatch[];
    try {
      batches = await this.source.logsSince(this.runId, this.since);
    } catch {
      return []; // the store is away: the lines still arrive with the node's record
    }
    const fresh: LiveLogBatch[] = [];
    for (const batch of batches) {
      const key = `${batch.nodeId}:${batch.execution}:${batch.attempt}:${batch.seq}`;
      if (this.sent.has(key)) continue;
      this.sent.add(key);
      if (running.has(batch.nodeId)) fresh.push(batch);
      const at = new Date(batch.at).getTime() - LIVE_LOG_OVERLAP_MS;
      if (at > this.since.getTime()) this.since = new Date(at);
    }
    return fresh;
  }
}

/**
 * A run as Server-Sent Events for the UI: `node` when a node's record changes, `edges` when an edge's status does,
 * `log` with a running node's new log lines, `status` when the run's status changes, `end` with the outcome once it
 * closes. It polls the run (its query while running) and the live logs, and sends only the changes.
 */
export async function streamRun(
  runs: RunService,
  runId: string,
  workspace: string,
  response: Response,
  closed: () => boolean,
  liveLogSource?: LiveLogSource,
): Promise<void> {
  let run: RunDebugView = await runs.read(runId, workspace); // before the headers: an unknown run is still a 404
  openEventStream(response);
  const seen = new Map<string, string>();
  const liveLogs = liveLogSource && new LiveLogs(liveLogSource, runId);
  let status: string | undefined;
  let edges: string | undefined;
  let eventId = 0;
  let lastWrite = Date.now();
  const emit = (event: string, data: unknown) => {
    send(response, event, data, ++eventId);
    lastWrite = Date.now();
  };
  for (;;) {
    if (run.status !== status) {
      status = run.status;
      const { flowId, flowVersion, startedAt, rerunOf, temporalUrl } = run;
      const event: RunStreamStatus = {
        runId,
        status: run.status,
        flowId,
        flowVersion,
        startedAt,
        rerunOf,
        temporalUrl,
      };
      emit('status', event);
    }
    for (const node of run.nodes) {
      const text = JSON.stringify(node);
      if (seen.get(node.id) === text) continue;
      seen.set(node.id, text);
      emit('node', node);
    }
    if (run.edges && JSON.stringify(run.edges) !== edges) {
      edges = JSON.stringify(run.edges);
      emit('edges', run.edges);
    }
    for (const batch of (await liveLogs?.next(run)) ?? []) {
      const { nodeId, execution, attempt, entries, truncated } = batch;
      const event: RunStreamLog = { nodeId, execution, attempt, entries, ...(truncated ? { truncated } : {}) };
      emit('log', event);
    }
    if (run.status !== 'running' && run.status !== 'pending') {
      const end: RunStreamEnd = {
        runId,
        status: run.status,
        output: run.output,
        error: run.error,
        closedAt: run.closedAt,
      };
      send(response, 'end', end, eventId + 1);
      response.end();
      return;
    }
    if (Date.now() - lastWrite > HEARTBEAT_MS) {
      response.write(': heartbeat\n\n');
      lastWrite = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (closed()) {
      response.end(); // the client left, or the gateway is stopping: the UI reconnects
      return;
    }
    run = await runs.read(runId, workspace);
  }
}
