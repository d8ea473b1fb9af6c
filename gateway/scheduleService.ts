import type { CronTrigger } from '../flow/triggers';
import type { FlowStore } from '../store/flows';
import { cronTriggersOf, FlowSchedules, ScheduleMissingError, scheduleIdOf, ScheduleView } from '../temporal/schedules';
import { notFound } from './errors';

export type ScheduleCommand =
  | { kind: 'pause'; note?: string }
  | { kind: 'resume'; note?: string }
  | { kind: 'trigger'; overlap?: Parameters<FlowSchedules['trigger']>[1] }
  | { kind: 'backfill'; start: Date; end: Date; overlap?: Parameters<FlowSchedules['trigger']>[1] };

/** The schedules of a flow's cron triggers, addressed by flow id and trigger id. */
export class ScheduleService {
  constructor(
    private readonly flows: FlowStore,
    private readonly schedules: FlowSchedules,
  ) {}

  async list(flowId: string, workspace: string): Promise<ScheduleView[]> {
    const flow = await this.flows.latest(flowId, workspace);
    if (!flow) throw notFound(`flow "${flowId}"`);
    const views: ScheduleView[] = [];
    for (const trigger of cronTriggersOf(flow.definition)) views.push(await this.read(flowId, trigger.id, workspace));
    return views;
  }

  async read(flowId: string, triggerId: string, workspace: string): Promise<ScheduleView> {
    const { scheduleId, trigger } = await this.find(flowId, triggerId, workspace);
    return this.missingAsNotFound(() => this.schedules.describe(scheduleId, trigger));
  }

  async command(flowId: string, triggerId: string, command: ScheduleCommand, workspace: string): Promise<ScheduleView> {
    const { scheduleId, trigger } = await this.find(flowId, triggerId, workspace);
    await this.missingAsNotFound(async () => {
      switch (command.kind) {
        case 'pause':
          return this.schedules.pause(scheduleId, command.note);
        case 'resume':
          return this.schedules.resume(scheduleId, command.note);
        case 'trigger':
          return this.schedules.trigger(scheduleId, command.overlap);
        case 'backfill':
          return this.schedules.backfill(scheduleId, command);
      }
    });
    return this.schedules.describe(scheduleId, trigger);
  }

  private async find(
    flowId: string,
    triggerId: string,
    workspace: string,
  ): Promise<{ scheduleId: string; trigger: CronTrigger }> {
    const flow = await this.flows.latest(flowId, workspace);
    if (!flow) throw notFound(`flow "${flowId}"`);
    const trigger = cronTriggersOf(flow.definition).find((candidate) => candidate.id === triggerId);
    if (!trigger) throw notFound(`cron trigger "${triggerId}" of flow "${flowId}"`);
    return { scheduleId: scheduleIdOf(workspace, flowId, triggerId), trigger };
  }

  private async missingAsNotFound<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof ScheduleMissingError) throw notFound(`schedule (${error.message})`);
      throw error;
    }
  }
}
