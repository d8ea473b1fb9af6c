import type { Response } from 'express';
import type { RunService, RunView } from './runService';

const POLL_MS = 500;
const HEARTBEAT_MS = 15_000;

function send(response: Response, event: string, data: unknown, id?: number): void {
  response.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * A run as Server-Sent Events for the UI: `node` when a node's record changes, `status` when the run's does, `end`
 * with the outcome once it closes. It polls the run (its query while running) and sends only the changes.
 */
export async function streamRun(
  runs: RunService,
  runId: string,
  workspace: string,
  response: Response,
  closed: () => boolean,
): Promise<void> {
  let run: RunView = await runs.read(runId, workspace); // before the headers: an unknown run is still a 404
  response.status(200).set({
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.flushHeaders();
  const seen = new Map<string, string>();
  let status: string | undefined;
  let eventId = 0;
  let lastWrite = Date.now();
  for (;;) {
    if (run.status !== status) {
      status = run.status;
      send(
        response,
        'status',
        { runId, status, flowId: run.flowId, flowVersion: run.flowVersion, startedAt: run.startedAt },
        ++eventId,
      );
      lastWrite = Date.now();
    }
    for (const node of run.nodes) {
      const text = JSON.stringify(node);
      if (seen.get(node.id) === text) continue;
      seen.set(node.id, text);
      send(response, 'node', node, ++eventId);
      lastWrite = Date.now();
    }
    if (run.status !== 'running' && run.status !== 'pending') {
      send(
        response,
        'end',
        { runId, status: run.status, output: run.output, error: run.error, closedAt: run.closedAt },
        eventId + 1,
      );
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
