/** The run debugger's calls: a run, its nodes' attempts and data, the runs list, run actions. */
import { call } from './client';
import type { Attempt, NodeData, NodeDetail, RerunAnswer, RunAttempts, RunInputs, RunView } from './types';

const ATTEMPT_PAGE_SIZE = 1_000;
/** The timeline draws at most this many pages of attempts (a run of loops can have many). */
const MAX_ATTEMPT_PAGES = 10;

const runPath = (runId: string) => `/api/runs/${encodeURIComponent(runId)}`;
const nodePath = (runId: string, nodeId: string) => `${runPath(runId)}/nodes/${encodeURIComponent(nodeId)}`;

export const runsApi = {
  read: (runId: string) => call<RunView>('GET', runPath(runId)),
  node: (runId: string, nodeId: string) => call<NodeDetail>('GET', nodePath(runId, nodeId)),
  /** Every node's attempts of the run: one request, more only for a run of more attempts than a page holds. */
  attempts: async (runId: string): Promise<Attempt[]> => {
    const attempts: Attempt[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_ATTEMPT_PAGES; page++) {
      const params = new URLSearchParams({ pageSize: String(ATTEMPT_PAGE_SIZE) });
      if (pageToken) params.set('pageToken', pageToken);
      const answer = await call<RunAttempts>('GET', `${runPath(runId)}/attempts?${params.toString()}`);
      attempts.push(...answer.attempts);
      pageToken = answer.nextPageToken;
      if (!pageToken) break;
    }
    return attempts;
  },
  /** One node's input or output (a stored reference resolved), or a page of the array at `path`. */
  data: (
    runId: string,
    nodeId: string,
    which: 'input' | 'output',
    options: { path?: string; offset?: number } = {},
  ) => {
    const params = new URLSearchParams({ which });
    if (options.path) params.set('path', options.path);
    if (options.offset) params.set('offset', String(options.offset));
    return call<NodeData>('GET', `${nodePath(runId, nodeId)}/data?${params.toString()}`);
  },
  inputs: (runId: string) => call<RunInputs>('GET', `${runPath(runId)}/inputs`),
  cancel: (runId: string) => call<{ runId: string; status: string }>('POST', `${runPath(runId)}/cancel`, {}),
  rerun: (runId: string, version: 'same' | 'latest', fromNode?: string) =>
    call<RerunAnswer>('POST', `${runPath(runId)}/rerun`, { version, ...(fromNode ? { fromNode } : {}) }),
  sendEvent: (runId: string, event: string, payload: unknown) =>
    call<{ runId: string; event: string }>('POST', `${runPath(runId)}/events`, { event, payload }),
};
