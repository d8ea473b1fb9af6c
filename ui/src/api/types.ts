/**
 * What the API answers, built from the project's own types (the zod answer schemas of gateway/answers.ts and
 * gateway/runAnswers.ts, the zod-derived flow definition, the plan limits) so a change there is a type error here.
 */
import type {
  CronPreviewAnswer,
  FlowListItem,
  ProblemsAnswer,
  StepTestAnswer,
  WorkspaceAnswer,
} from '../../../gateway/answers';
import type {
  AttemptAnswer,
  EdgeStatusAnswer,
  LogEntryAnswer,
  NodeDataAnswer,
  NodeDetailAnswer,
  NodeViewAnswer,
  RerunAnswer,
  RunAttemptsAnswer,
  RunInputsAnswer,
  RunListAnswer,
  RunStatusAnswer,
  RunStreamEnd,
  RunStreamLog,
  RunStreamStatus,
  RunSummaryAnswer,
  RunViewAnswer,
} from '../../../gateway/runAnswers';
import type { UpdateCurrentWorkspaceBody } from '../../../gateway/schemas';
import type { FlowDefinition } from '../domain/model';

export type {
  CronPreviewAnswer,
  FlowListItem,
  ProblemsAnswer,
  RerunAnswer,
  StepTestAnswer,
  UpdateCurrentWorkspaceBody,
  WorkspaceAnswer,
};

export type RunStatus = RunStatusAnswer;
export type RunView = RunViewAnswer;
export type NodeView = NodeViewAnswer;
export type EdgeStatus = EdgeStatusAnswer;
export type LogEntry = LogEntryAnswer;
export type Attempt = AttemptAnswer;
export type NodeDetail = NodeDetailAnswer;
export type RunAttempts = RunAttemptsAnswer;
export type NodeData = NodeDataAnswer;
export type RunInputs = RunInputsAnswer;
export type RunSummary = RunSummaryAnswer;
export type RunList = RunListAnswer;

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
  | { type: 'status'; data: RunStreamStatus }
  | { type: 'node'; data: NodeView }
  | { type: 'edges'; data: EdgeStatus[] }
  | { type: 'log'; data: RunStreamLog }
  | { type: 'end'; data: RunStreamEnd };
