/**
 * Error handler flows (as n8n's error workflows): which failed runs start one, and what it receives. Pure, with no
 * Node imports: the interpreter workflow decides with it, the worker's activity builds the handler's input with it.
 */
import type { NodeError } from './contracts';
import type { RunRequest, TriggerInfo } from './run';
import type { ErrorHandlerSetting } from './schema';

/** The trigger type of a handler run (`context.trigger.type`, the runs list's trigger filter). */
export const ERROR_TRIGGER = 'error' satisfies TriggerInfo['type'];

/** The input of a handler run: `context.trigger.payload`, and what its entry nodes receive. */
export interface ErrorHandlerInput {
  /** The failed run's flow and the version it ran. */
  flowId: string;
  version: number;
  runId: string;
  /** The node whose failure failed the run. */
  node: string;
  error: { name: string; type: string; message: string; stack?: string };
  /** The failed run's trigger, as its nodes saw it. */
  trigger: TriggerInfo;
  /** The failed run in the studio. */
  link: string;
}

/** What a failed run's error handler came to, kept in the failed run's memo (ERROR_HANDLER_MEMO) for its view. */
export interface ErrorHandlerOutcome {
  /** The handler flow, when one was named (by the flow or the workspace). */
  flowId?: string;
  /** The handler run, when it started. */
  runId?: string;
  /** Why it did not start: the flow is gone, the quota is used, Temporal refused. */
  problem?: string;
}

/**
 * Whether a failed run may start an error handler. A handler run never does (so a failing handler, or a flow that is
 * its own handler, cannot loop); nor do runs of drafts and step tests (the editor shows their failure; n8n leaves out
 * manual executions likewise), nor subflow runs, whose failure fails the parent's subflow node, where an error edge
 * may handle it, or else fails the parent run, which starts its own handler.
 */
export function mayStartErrorHandler(request: RunRequest, setting: ErrorHandlerSetting | undefined): boolean {
  return (
    request.trigger.type !== ERROR_TRIGGER &&
    request.draft === undefined &&
    (request.depth ?? 0) === 0 &&
    setting !== false
  );
}

/** The studio's page of a run: absolute when the public address of the studio is known. */
export function runLink(runId: string, publicUrl?: string): string {
  const path = `/runs/${encodeURIComponent(runId)}`;
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}${path}` : path;
}

export function errorHandlerInput(
  failed: { runId: string; flowId: string; flowVersion: number; trigger: TriggerInfo; failure: NodeError },
  publicUrl?: string,
): ErrorHandlerInput {
  const { failure } = failed;
  return {
    flowId: failed.flowId,
    version: failed.flowVersion,
    runId: failed.runId,
    node: failure.nodeId,
    error: {
      name: failure.name,
      type: failure.type,
      message: failure.message,
      ...(failure.stack === undefined ? {} : { stack: failure.stack }),
    },
    trigger: failed.trigger,
    link: runLink(failed.runId, publicUrl),
  };
}
