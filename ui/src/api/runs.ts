/** The run debugger's calls: a run, its nodes' attempts and data, the runs list, run actions. */
import { call } from './client';
import type { DebugRunSummary, DebugRunView, NodeData, NodeDetail, RerunOf, RunInputs } from './debuggerTypes';

const runPath = (runId: string) => `/api/runs/${encodeURIComponent(runId)}`;
const nodePath = (runId: string, nodeId: string) => `${runPath(runId)}/nodes/${encodeURIComponent(nodeId)}`;

export interface RerunAnswer {
  runId: string;
  rerunOf: RerunOf | string;
  flowVersion?: number;
  draft?: number;
  reused?: string[];
}

export const runsApi = {
  read: (runId: string) => call<DebugRunView>('GET', runPath(runId)),
  /** `query`: the list's query string (runListParams). */
  list: (query: string) => call<{ runs: DebugRunSummary[]; nextPageToken?: string }>('GET', `/api/runs?${query}`),
  node: (runId: string, nodeId: string) => call<NodeDetail>('GET', nodePath(runId, nodeId)),
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
