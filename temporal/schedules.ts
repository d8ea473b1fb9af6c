/**
 * A flow's cron triggers as Temporal Schedules: one schedule per cron trigger, named after the workspace, the flow and
 * the trigger's id, so that saving a new version finds and updates the schedule the previous version made.
 */
import {
  Client,
  ScheduleAlreadyRunning,
  ScheduleDescription,
  ScheduleNotFoundError,
  ScheduleOptionsStartWorkflowAction,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { INTERPRETER_WORKFLOW, RunRequest } from '../flow/run';
import type { FlowDefinition } from '../flow/schema';
import type { CronTrigger } from '../flow/triggers';
import { scheduledRunIdPrefix } from '../flow/ids';
import { runSearchAttributes } from './searchAttributes';

export interface ScheduledFlow {
  workspace: string;
  flowId: string;
  version: number;
  definition: FlowDefinition;
}

export interface ScheduleView {
  scheduleId: string;
  triggerId: string;
  flowId: string;
  flowVersion?: number;
  cron: string;
  timezone?: string;
  overlap: string;
  catchupWindowMs?: number;
  paused: boolean;
  nextRunTimes: string[];
  recentRuns: { runId: string; scheduledAt: string; startedAt: string }[];
  actionsTaken: number;
  missedCatchupWindow: number;
}

export class ScheduleMissingError extends Error {
  override name = 'ScheduleMissingError';
}

export function scheduleIdOf(workspace: string, flowId: string, triggerId: string): string {
  return `nectar-${workspace}-${flowId}-${triggerId}`;
}

export function cronTriggersOf(definition: FlowDefinition | undefined): CronTrigger[] {
  return (definition?.triggers ?? []).filter((trigger): trigger is CronTrigger => trigger.type === 'cron');
}

const toOverlap = (overlap: CronTrigger['overlap']) => overlap.toUpperCase() as ScheduleOverlapPolicy;

function action(
  flow: ScheduledFlow,
  trigger: CronTrigger,
  taskQueue: string,
): ScheduleOptionsStartWorkflowAction<Workflow> {
  const scheduleId = scheduleIdOf(flow.workspace, flow.flowId, trigger.id);
  const request: RunRequest = {
    v: 1,
    flowId: flow.flowId,
    flowVersion: flow.version,
    trigger: { type: 'cron', source: scheduleId, payload: trigger.input ?? null },
  };
  return {
    type: 'startWorkflow',
    workflowType: INTERPRETER_WORKFLOW,
    taskQueue,
    workflowId: scheduledRunIdPrefix(flow.flowId, trigger.id),
    args: [request],
    typedSearchAttributes: runSearchAttributes({
      flowId: flow.flowId,
      flowVersion: flow.version,
      trigger: 'cron',
      workspace: flow.workspace,
    }),
  };
}

/** Temporal answers a cron expression as calendar specs, so the expression shown is the definition's. */
function view(scheduleId: string, trigger: CronTrigger, description: ScheduleDescription): ScheduleView {
  const memo = (description.memo ?? {}) as { flowId?: string };
  const workflowAction = description.action as { args?: RunRequest[] };
  return {
    scheduleId,
    triggerId: trigger.id,
    flowId: memo.flowId ?? workflowAction.args?.[0]?.flowId ?? '',
    flowVersion: workflowAction.args?.[0]?.flowVersion,
    cron: trigger.cron,
    timezone: description.spec.timezone ?? trigger.timezone,
    overlap: (description.policies.overlap ?? 'SKIP').toLowerCase(),
    catchupWindowMs: description.policies.catchupWindow,
    paused: description.state.paused,
    nextRunTimes: description.info.nextActionTimes.map((time) => time.toISOString()),
    recentRuns: description.info.recentActions.map((result) => ({
      runId: result.action.workflow.workflowId,
      scheduledAt: result.scheduledAt.toISOString(),
      startedAt: result.takenAt.toISOString(),
    })),
    actionsTaken: description.info.numActionsTaken,
    missedCatchupWindow: description.info.numActionsMissedCatchupWindow,
  };
}

/** Creates, updates, deletes, describes and drives the schedules of flows' cron triggers. */
export class FlowSchedules {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /** Makes Temporal hold exactly the schedules of `flow`'s cron triggers, given the ones `previous` had. */
  async reconcile(flow: ScheduledFlow, previous: FlowDefinition | undefined): Promise<void> {
    const wanted = cronTriggersOf(flow.definition);
    const before = new Map(cronTriggersOf(previous).map((trigger) => [trigger.id, trigger]));
    for (const trigger of wanted) {
      await this.upsert(flow, trigger, before.get(trigger.id));
      before.delete(trigger.id);
    }
    for (const gone of before.values()) await this.remove(scheduleIdOf(flow.workspace, flow.flowId, gone.id));
  }

  async removeAll(workspace: string, flowId: string, definition: FlowDefinition | undefined): Promise<void> {
    for (const trigger of cronTriggersOf(definition)) await this.remove(scheduleIdOf(workspace, flowId, trigger.id));
  }

  private async upsert(flow: ScheduledFlow, trigger: CronTrigger, previous: CronTrigger | undefined): Promise<void> {
    const scheduleId = scheduleIdOf(flow.workspace, flow.flowId, trigger.id);
    const options = {
      spec: { cronExpressions: [trigger.cron], timezone: trigger.timezone },
      action: action(flow, trigger, this.taskQueue),
      policies: { overlap: toOverlap(trigger.overlap), catchupWindow: trigger.catchupWindowMs },
    };
    try {
      await this.client.schedule.create({
        scheduleId,
        ...options,
        memo: { flowId: flow.flowId, triggerId: trigger.id, workspace: flow.workspace },
        state: { paused: trigger.paused, note: trigger.paused ? 'paused by the flow definition' : undefined },
      });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      // Keep a pause or resume made through the API unless the definition itself changed `paused`.
      const pausedChanged = previous === undefined || previous.paused !== trigger.paused;
      await this.client.schedule.getHandle(scheduleId).update((current) => ({
        ...options,
        state: pausedChanged
          ? { paused: trigger.paused, note: 'set by the flow definition' }
          : { paused: current.state.paused, note: current.state.note },
      }));
    }
  }

  private async remove(scheduleId: string): Promise<void> {
    try {
      await this.client.schedule.getHandle(scheduleId).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }

  async describe(scheduleId: string, trigger: CronTrigger): Promise<ScheduleView> {
    return view(scheduleId, trigger, await this.handle(scheduleId, (handle) => handle.describe()));
  }

  async pause(scheduleId: string, note?: string): Promise<void> {
    await this.handle(scheduleId, (handle) => handle.pause(note ?? 'paused through the API'));
  }

  async resume(scheduleId: string, note?: string): Promise<void> {
    await this.handle(scheduleId, (handle) => handle.unpause(note ?? 'resumed through the API'));
  }

  async trigger(scheduleId: string, overlap?: CronTrigger['overlap']): Promise<void> {
    await this.handle(scheduleId, (handle) =>
      handle.trigger(overlap ? toOverlap(overlap) : ScheduleOverlapPolicy.ALLOW_ALL),
    );
  }

  async backfill(
    scheduleId: string,
    range: { start: Date; end: Date; overlap?: CronTrigger['overlap'] },
  ): Promise<void> {
    await this.handle(scheduleId, (handle) =>
      handle.backfill({
        start: range.start,
        end: range.end,
        overlap: range.overlap ? toOverlap(range.overlap) : ScheduleOverlapPolicy.ALLOW_ALL,
      }),
    );
  }

  private async handle<T>(
    scheduleId: string,
    use: (handle: ReturnType<Client['schedule']['getHandle']>) => Promise<T>,
  ): Promise<T> {
    try {
      return await use(this.client.schedule.getHandle(scheduleId));
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) throw new ScheduleMissingError(`schedule "${scheduleId}" not found`);
      throw error;
    }
  }
}
