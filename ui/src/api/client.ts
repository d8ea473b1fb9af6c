/** The HTTP API, typed; the key lives in localStorage and goes in the Authorization header only, never in a URL. */
import type { Problem } from '../domain/faults';
import type { FlowDefinition, FlowNode } from '../domain/model';
import type * as T from './types';

const KEY_ITEM = 'nectar.apiKey';

export function storedKey(): string | null {
  return localStorage.getItem(KEY_ITEM);
}

export function storeKey(key: string | null): void {
  if (key === null) localStorage.removeItem(KEY_ITEM);
  else localStorage.setItem(KEY_ITEM, key);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; problems?: Problem[] };
}

export function authHeaders(): Record<string, string> {
  const key = storedKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

export async function call<R>(method: string, path: string, body?: unknown): Promise<R> {
  const response = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as R;
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = (parsed as ErrorBody | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `${method} ${path}: ${response.status}`,
      error?.problems,
    );
  }
  return parsed as R;
}

const flowPath = (id: string) => `/api/flows/${encodeURIComponent(id)}`;

export const api = {
  /** `runFigures: false`: what exists, without each flow's last run and success rate (which Temporal is asked for). */
  listFlows: (runFigures = true) =>
    call<{ flows: T.FlowListItem[] }>('GET', runFigures ? '/api/flows' : '/api/flows?runFigures=false'),
  readFlow: (id: string, version?: number) =>
    call<T.FlowRead>('GET', `${flowPath(id)}${version ? `?version=${version}` : ''}`),
  versions: (id: string) => call<{ id: string; versions: T.VersionInfo[] }>('GET', `${flowPath(id)}/versions`),
  publish: (definition: FlowDefinition) => call<T.VersionSaved>('PUT', flowPath(definition.id), definition),
  deleteFlow: (id: string) => call<void>('DELETE', flowPath(id)),
  readDraft: (id: string) => call<T.DraftRead>('GET', `${flowPath(id)}/draft`),
  /** `baseRevision`: the draft revision the edit started from (null: there was none); a stale one is refused with 409. */
  saveDraft: (definition: FlowDefinition, baseRevision: number | null) =>
    call<T.DraftSaved>('PUT', `${flowPath(definition.id)}/draft?baseRevision=${baseRevision ?? 0}`, definition),
  discardDraft: (id: string) => call<void>('DELETE', `${flowPath(id)}/draft`),
  runDraft: (id: string, input: unknown) => call<{ runId: string }>('POST', `${flowPath(id)}/draft/runs`, { input }),
  startRun: (id: string, input: unknown) => call<{ runId: string }>('POST', `${flowPath(id)}/runs`, { input }),
  readRun: (runId: string) => call<T.RunView>('GET', `/api/runs/${encodeURIComponent(runId)}`),
  listRuns: (flowId: string, pageSize = 20) =>
    call<{ runs: T.RunSummary[] }>('GET', `/api/runs?flowId=${encodeURIComponent(flowId)}&pageSize=${pageSize}`),
  validateCode: (code: string) => call<T.ProblemsAnswer>('POST', '/api/validate/code', { code }),
  validateFlow: (definition: FlowDefinition) => call<T.ProblemsAnswer>('POST', '/api/validate/flow', definition),
  cronPreview: (cron: string, timezone: string) =>
    call<T.CronPreviewAnswer>('POST', '/api/cron/preview', { cron, timezone }),
  testStep: (flowId: string, node: FlowNode, input: unknown) =>
    call<T.StepTestAnswer>('POST', `${flowPath(flowId)}/steps/test`, { node, input }),
  workspace: () => call<T.WorkspaceAnswer>('GET', '/api/workspace'),
  setWorkspaceErrorHandler: (errorHandler: T.UpdateCurrentWorkspaceBody['errorHandler']) =>
    call<T.WorkspaceAnswer>('PATCH', '/api/workspace', { errorHandler } satisfies T.UpdateCurrentWorkspaceBody),
  schedules: (flowId: string) => call<{ schedules: T.ScheduleView[] }>('GET', `${flowPath(flowId)}/schedules`),
  scheduleCommand: (flowId: string, triggerId: string, command: 'pause' | 'resume') =>
    call<T.ScheduleView>('POST', `${flowPath(flowId)}/schedules/${encodeURIComponent(triggerId)}/${command}`, {}),
};
