/**
 * What the API answers, built from the project's own types (the zod-derived flow definition, the run records the
 * interpreter keeps, the plan limits) so a change there is a type error here.
 */
import type { RunStatus, RunView } from '../../../flow/contracts';
import type { EdgeStatus, LogEntry, NodeView, RerunOf } from './debuggerTypes';
import type {
  CronPreviewAnswer,
  FlowListItem,
  ProblemsAnswer,
  StepTestAnswer,
  WorkspaceAnswer,
} from '../../../gateway/answers';
import type { UpdateCurrentWorkspaceBody } from '../../../gateway/schemas';
import type { FlowDefinition } from '../domain/model';

export type {
  CronPreviewAnswer,
  FlowListItem,
  ProblemsAnswer,
  RunStatus,
  RunView,
  StepTestAnswer,
  UpdateCurrentWorkspaceBody,
  WorkspaceAnswer,
};

export interface FlowRead {
  id: string;
  name: string;
  version: number;
  latestVersion: number;
  createdAt: string;
  definition: FlowDefinition;
}

export interface DraftRead {
  id: string;
  revision: number;
  savedAt: string;
  latestVersion: number | null;
  definition: FlowDefinition;
}

export interface DraftSaved {
  id: string;
  revision: number;
  savedAt: string;
}

export interface VersionSaved {
  id: string;
  version: number;
}

export interface VersionInfo {
  version: number;
  createdAt: string;
}

export interface RunListItem {
  runId: string;
  flowId?: string;
  status: RunStatus;
  startedAt: string;
  closedAt?: string;
}

export interface ScheduleView {
  triggerId: string;
  cron: string;
  timezone?: string;
  overlap: string;
  paused: boolean;
  nextRunTimes: string[];
}

/** The live run stream's events (`GET /api/runs/:runId/stream`). */
export type RunEvent =
  | {
      type: 'status';
      data: {
        runId: string;
        status: RunStatus;
        flowId?: string;
        flowVersion?: number;
        startedAt: string;
        rerunOf?: RerunOf | string;
        temporalUrl?: string;
      };
    }
  | { type: 'node'; data: NodeView }
  | { type: 'edges'; data: EdgeStatus[] }
  | {
      type: 'log';
      data: { nodeId: string; execution: number; attempt: number; entries?: LogEntry[]; truncated?: boolean };
    }
  | {
      type: 'end';
      data: { runId: string; status: RunStatus; output: unknown; error?: RunView['error']; closedAt?: string };
    };
