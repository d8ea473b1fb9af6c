import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { temporal } from '@temporalio/proto';
import { FAILED_NODE_MEMO, INTERPRETER_WORKFLOW, RERUN_OF_MEMO, RunRequest } from '../flow/run';
import type { RerunOrigin } from '../flow/rerun';
import { DRAFT_KEY_PREFIX } from '../flow/ids';
import { FLOW_ID, FLOW_VERSION, readRunSearchAttributes, TRIGGER, WORKSPACE } from '../temporal/searchAttributes';
import { HttpError, notFound } from './errors';
import type { RunSummaryAnswer } from './runAnswers';
import type { RunListQuery } from './schemas';

/** One run of the list (gateway/runAnswers.ts). */
export type RunSummary = RunSummaryAnswer;

/** One memo field of a listed run, or undefined when it is absent or unreadable. */
function memoField<T>(memo: temporal.api.common.v1.IMemo | null | undefined, key: string): T | undefined {
  const payload = memo?.fields?.[key];
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<T>(payload);
  } catch {
    return undefined;
  }
}

const STATUS_NAMES: Record<string, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
  continued_as_new: 'ContinuedAsNew',
};

function timestamp(value: temporal.api.workflow.v1.IWorkflowExecutionInfo['startTime']): string | undefined {
  if (!value?.seconds) return undefined;
  return new Date(Number(value.seconds) * 1000 + Math.floor((value.nanos ?? 0) / 1e6)).toISOString();
}

function statusName(status: temporal.api.enums.v1.WorkflowExecutionStatus | null | undefined): string {
  const name = temporal.api.enums.v1.WorkflowExecutionStatus[status ?? 0] ?? 'UNSPECIFIED';
  return name.replace('WORKFLOW_EXECUTION_STATUS_', '').toLowerCase().replace('canceled', 'cancelled');
}

/** Which runs besides the filter: `savedVersionsOnly` leaves out runs of drafts (and step tests, which run as drafts). */
export interface RunScope {
  savedVersionsOnly?: boolean;
}

/**
 * The visibility query for a filter. Every value comes from a zod-validated identifier, enum or ISO time, so none can
 * break out of its quotes.
 */
export function visibilityQuery(
  workspace: string,
  filter: Omit<RunListQuery, 'pageSize' | 'pageToken'>,
  scope: RunScope = {},
): string {
  const clauses = [`WorkflowType = '${INTERPRETER_WORKFLOW}'`, `${WORKSPACE.name} = '${workspace}'`];
  if (scope.savedVersionsOnly) clauses.push(`${FLOW_VERSION.name} NOT STARTS_WITH '${DRAFT_KEY_PREFIX}'`);
  if (filter.flowId) clauses.push(`${FLOW_ID.name} = '${filter.flowId}'`);
  if (filter.status) clauses.push(`ExecutionStatus = '${STATUS_NAMES[filter.status]}'`);
  if (filter.trigger) clauses.push(`${TRIGGER.name} = '${filter.trigger}'`);
  if (filter.startedAfter) clauses.push(`StartTime >= '${filter.startedAfter}'`);
  if (filter.startedBefore) clauses.push(`StartTime < '${filter.startedBefore}'`);
  return clauses.join(' AND ');
}

/** Lists runs from Temporal's visibility store, one page at a time, and reads back what started a run. */
export class RunList {
  constructor(private readonly client: Client) {}

  async list(
    workspace: string,
    query: Omit<RunListQuery, 'pageToken'> & { pageToken?: string },
    scope: RunScope = {},
  ): Promise<{ runs: RunSummary[]; nextPageToken?: string }> {
    let nextPageToken: Uint8Array | undefined;
    if (query.pageToken) nextPageToken = Buffer.from(query.pageToken, 'base64url');
    const response = await this.client.workflowService.listWorkflowExecutions({
      namespace: this.client.options.namespace,
      pageSize: query.pageSize,
      nextPageToken,
      query: visibilityQuery(workspace, query, scope),
    });
    const runs = response.executions.map((raw): RunSummary => {
      const { workspace: _workspace, ...labels } = readRunSearchAttributes(
        decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields),
      );
      const startedAt = timestamp(raw.startTime);
      const closedAt = timestamp(raw.closeTime);
      const failedNode = memoField<string>(raw.memo, FAILED_NODE_MEMO);
      const rerunOf = memoField<RerunOrigin>(raw.memo, RERUN_OF_MEMO);
      return {
        runId: raw.execution?.workflowId ?? '',
        status: statusName(raw.status),
        ...labels,
        startedAt,
        closedAt,
        ...(startedAt && closedAt ? { durationMs: Date.parse(closedAt) - Date.parse(startedAt) } : {}),
        ...(failedNode ? { failedNode } : {}),
        ...(rerunOf ? { rerunOf } : {}),
      };
    });
    const token = response.nextPageToken?.length
      ? Buffer.from(response.nextPageToken).toString('base64url')
      : undefined;
    return { runs, nextPageToken: token };
  }

  /** The request a run started with (its first history event), so it can be started again. */
  async startRequest(runId: string): Promise<RunRequest> {
    let response: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse;
    try {
      response = await this.client.workflowService.getWorkflowExecutionHistory({
        namespace: this.client.options.namespace,
        execution: { workflowId: runId },
        maximumPageSize: 1,
      });
    } catch (error) {
      if ((error as { code?: number }).code === 5) throw notFound(`run "${runId}"`);
      throw error;
    }
    const payload = response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!payload) throw new HttpError(409, 'no_input', `run "${runId}" has no recorded start request`);
    return defaultPayloadConverter.fromPayload<RunRequest>(payload);
  }
}
