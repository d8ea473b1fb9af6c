import type { Response } from 'express';
import { FlowStore } from '../../store/flows';
import { notFound } from '../errors';
import { RUN_PAYLOAD_TOO_LARGE, type RouteRegistry } from '../routeRegistry';
import { RunService } from '../runService';
import { workspaceOf } from '../auth';
import { RunViewAnswer } from '../runAnswers';
import { FlowIdParams, IdempotencyHeaders, RunEventBody, RunIdParams, StartRunBody, StartRunQuery } from '../schemas';

const DEFAULT_WAIT_MS = 60_000;

/** `POST /api/flows/:id/runs`: starts a run of the flow's newest version, pinned at start. */
export function registerStartRunRoute(routes: RouteRegistry, flows: FlowStore, runs: RunService): void {
  routes.add(
    {
      method: 'post',
      path: '/api/flows/{id}/runs',
      tag: 'runs',
      params: FlowIdParams,
      query: StartRunQuery,
      body: StartRunBody,
      headers: IdempotencyHeaders,
      summary: 'start a run of the newest version (`Idempotency-Key`: a retry answers the first run)',
      responses: {
        202: '{ runId } (or the run, still running, with wait=true)',
        200: 'the closed run (wait=true)',
        404: 'no such flow',
        413: RUN_PAYLOAD_TOO_LARGE,
      },
    },
    async (request, response, { params: { id }, query, body, headers }) => {
      const workspace = workspaceOf(request);
      const flow = await flows.latest(id, workspace);
      if (!flow) throw notFound(`flow "${id}"`);
      const started = await runs.startOnce(
        flow.flowId,
        flow.version,
        { type: 'api', source: 'api', payload: body.input ?? null },
        { workspace, idempotencyKey: scopedKey(headers, 'api'), awaited: query.wait, definition: flow.definition },
      );
      await answerStartedRun(response, runs, { ...started, workspace, ...query });
    },
  );
}

/**
 * A request's `Idempotency-Key` as the key its run id derives from, scoped by the kind of start (`api`, `draft`,
 * `rerun:<runId>`), so one key reused for another kind of start (or a rerun of another run) never answers this one.
 */
export function scopedKey(headers: { 'idempotency-key'?: string }, scope: string): string | undefined {
  const key = headers['idempotency-key'];
  return key === undefined ? undefined : `${scope}:${key}`;
}

/** Marks the answer to a start an Idempotency-Key had made already (`Idempotent-Replayed: true`); the run's id. */
export function markReplayed(response: Response, start: { runId: string; started?: boolean }): string {
  if (start.started === false) response.setHeader('idempotent-replayed', 'true');
  return start.runId;
}

/**
 * Answers a run just started: 202 `{ runId }`, or with `wait` the run once it closes (202 if still running then).
 */
export async function answerStartedRun(
  response: Response,
  runs: RunService,
  started: { runId: string; started?: boolean; workspace: string; wait: boolean; timeoutMs?: number },
): Promise<void> {
  const { workspace } = started;
  const runId = markReplayed(response, started);
  if (!started.wait) {
    response.status(202).location(`/api/runs/${runId}`).json({ runId });
    return;
  }
  await runs.waitForClose(runId, started.timeoutMs ?? DEFAULT_WAIT_MS);
  const run = await runs.read(runId, workspace);
  response.status(run.status === 'running' ? 202 : 200).json(run);
}

export function registerRunRoutes(routes: RouteRegistry, runs: RunService): void {
  routes.add(
    {
      method: 'get',
      path: '/api/runs/{runId}',
      tag: 'runs',
      params: RunIdParams,
      summary: 'a run with its nodes, live while running',
      responses: { 200: { description: 'the run', schema: RunViewAnswer }, 404: 'no such run' },
    },
    async (request, response, { params: { runId } }) => {
      const run = await runs.read(runId, workspaceOf(request));
      if (!run) throw notFound(`run "${runId}"`);
      response.json(run);
    },
  );
  routes.add(
    {
      method: 'post',
      path: '/api/runs/{runId}/cancel',
      tag: 'runs',
      params: RunIdParams,
      summary: 'cancel a running run',
      responses: { 202: 'cancelling', 404: 'no such run', 409: 'not running' },
    },
    async (request, response, { params: { runId } }) => {
      await runs.assertInWorkspace(runId, workspaceOf(request));
      await runs.cancel(runId);
      response.status(202).json({ runId, status: 'cancelling' });
    },
  );
  routes.add(
    {
      method: 'post',
      path: '/api/runs/{runId}/events',
      tag: 'runs',
      params: RunIdParams,
      body: RunEventBody,
      summary: 'deliver `{ event, payload }` to the run’s wait nodes',
      responses: { 202: 'delivered', 404: 'no such run', 409: 'not running' },
    },
    async (request, response, { params: { runId }, body }) => {
      await runs.assertInWorkspace(runId, workspaceOf(request));
      await runs.sendEvent(runId, body.event, body.payload);
      response.status(202).json({ runId, event: body.event });
    },
  );
}
