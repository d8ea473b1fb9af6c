import type { FlowDefinition, FlowVersion } from '../flow/schema';
import type { FlowStore } from '../store/flows';
import type { FlowSchedules } from '../temporal/schedules';
import { HttpError } from './errors';

const DEFAULT_WORKSPACE = 'default';

/** Saving and deleting flows, with what follows from it: the cron triggers' schedules in Temporal match the newest version. */
export class FlowService {
  constructor(
    private readonly flows: FlowStore,
    private readonly schedules: FlowSchedules,
  ) {}

  async create(definition: FlowDefinition, workspace = DEFAULT_WORKSPACE): Promise<FlowVersion> {
    const saved = await this.flows.create(definition);
    await this.reconcile(saved, undefined, workspace);
    return saved;
  }

  async saveVersion(definition: FlowDefinition, workspace = DEFAULT_WORKSPACE): Promise<FlowVersion> {
    const previous = await this.flows.latest(definition.id);
    const saved = await this.flows.saveVersion(definition);
    await this.reconcile(saved, previous?.definition, workspace);
    return saved;
  }

  /** Deletes the flow and its schedules; false when there was no such flow. */
  async delete(flowId: string, workspace = DEFAULT_WORKSPACE): Promise<boolean> {
    const latest = await this.flows.latest(flowId);
    if (!(await this.flows.delete(flowId))) return false;
    await this.schedules.removeAll(workspace, flowId, latest?.definition);
    return true;
  }

  private async reconcile(saved: FlowVersion, previous: FlowDefinition | undefined, workspace: string): Promise<void> {
    try {
      await this.schedules.reconcile({ workspace, flowId: saved.flowId, version: saved.version, definition: saved.definition }, previous);
    } catch (error) {
      throw new HttpError(
        502,
        'schedule_failed',
        `version ${saved.version} of flow "${saved.flowId}" was saved, but Temporal refused its schedules: ${(error as Error).message}`,
      );
    }
  }
}
