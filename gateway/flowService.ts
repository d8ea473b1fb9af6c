import type { FlowDefinition, FlowVersion } from '../flow/schema';
import { NODE_LIMITS } from '../flow/limits';
import { checkDefinition } from '../flow/validate';
import { DraftConflictError, FlowDraft } from '../store/drafts';
import type { FlowStore } from '../store/flows';
import type { PlanLimits } from '../store/plans';
import type { FlowSchedules } from '../temporal/schedules';
import type { DraftConflictError as DraftConflictAnswer } from './answers';
import { HttpError, placedProblems, Problem } from './errors';
import { restoreSecrets } from './redact';
import type { TriggerService } from './triggerService';

/** Node limits above the workspace's plan, each with its place in the definition. */
export function limitProblems(definition: FlowDefinition, limits: PlanLimits): Problem[] {
  const problems: Problem[] = [];
  definition.nodes.forEach((node, index) => {
    if (node.type !== 'code') return;
    const timeoutMs = node.timeoutMs ?? NODE_LIMITS.timeoutMs.default;
    const memoryMb = node.memoryMb ?? NODE_LIMITS.memoryMb.default;
    if (timeoutMs > limits.timeoutMs)
      problems.push({
        path: `nodes[${index}].timeoutMs`,
        message: `${timeoutMs} ms is above the plan's ${limits.timeoutMs} ms`,
      });
    if (memoryMb > limits.memoryMb)
      problems.push({
        path: `nodes[${index}].memoryMb`,
        message: `${memoryMb} MB is above the plan's ${limits.memoryMb} MB`,
      });
  });
  return problems;
}

/**
 * Saving and deleting flows, with what follows from it: node limits fit the workspace's plan, and the cron triggers'
 * schedules in Temporal match the newest version.
 */
export class FlowService {
  constructor(
    private readonly flows: FlowStore,
    private readonly schedules: FlowSchedules,
    private readonly limitsOf: (workspace: string) => Promise<PlanLimits>,
    /** Told of every save and delete, so cached lookups see them at once. */
    private readonly changed: (flowId: string) => void = () => undefined,
    /** The flows' event triggers (registry and listeners), reconciled like the schedules. */
    private readonly triggers?: TriggerService,
  ) {}

  /**
   * Every problem a save of `candidate` would be refused for (shape, graph, code, plan limits, error handler), saving
   * nothing.
   */
  async problemsOf(candidate: unknown, workspace: string): Promise<Problem[]> {
    const check = checkDefinition(candidate);
    if (!check.ok) return placedProblems(check.problems);
    return this.workspaceProblems(check.definition, workspace);
  }

  /** An error handler must be a saved flow of the workspace: a flow may name itself (its handler run starts none). */
  async errorHandlerProblem(flowId: string, workspace: string, path: string): Promise<Problem | undefined> {
    if (await this.flows.latest(flowId, workspace)) return undefined;
    return { path, message: `flow "${flowId}" has no saved version in this workspace` };
  }

  /** The node limits of the workspace's plan. */
  planLimits(workspace: string): Promise<PlanLimits> {
    return this.limitsOf(workspace);
  }

  async create(definition: FlowDefinition, workspace: string): Promise<FlowVersion> {
    await this.checkWorkspaceFit(definition, workspace);
    // A flow drafted before its first version keeps the draft's credentials when they come back redacted.
    const drafted = await this.flows.drafts.current(definition.id, workspace);
    const saved = await this.flows.create(restoreSecrets(definition, drafted?.definition), workspace);
    this.changed(definition.id);
    await this.reconcile(saved, undefined, workspace);
    return saved;
  }

  /** Saves a new version; a webhook credential sent redacted keeps the previous version's (see gateway/redact.ts). */
  async saveVersion(definition: FlowDefinition, workspace: string): Promise<FlowVersion> {
    await this.checkWorkspaceFit(definition, workspace);
    const previous = await this.flows.latest(definition.id, workspace);
    const kept = previous ?? (await this.flows.drafts.current(definition.id, workspace));
    const saved = await this.flows.saveVersion(restoreSecrets(definition, kept?.definition), workspace);
    this.changed(definition.id);
    await this.reconcile(saved, previous?.definition, workspace);
    return saved;
  }

  /**
   * Saves the flow's draft: checked against the plan like a version, but no version, no schedules, and the production
   * URL keeps running the newest version. A credential sent redacted keeps the draft's, or the newest version's.
   */
  async saveDraft(definition: FlowDefinition, workspace: string, baseRevision?: number): Promise<FlowDraft> {
    await this.checkWorkspaceFit(definition, workspace);
    const previous =
      (await this.flows.drafts.current(definition.id, workspace)) ??
      (await this.flows.latest(definition.id, workspace));
    try {
      return await this.flows.drafts.save(restoreSecrets(definition, previous?.definition), workspace, baseRevision);
    } catch (error) {
      if (!(error instanceof DraftConflictError)) throw error;
      const details: Omit<DraftConflictAnswer, 'code' | 'message'> = {
        currentRevision: error.current?.revision ?? null,
        savedAt: error.current?.savedAt ?? null,
      };
      throw new HttpError(409, 'draft_conflict', error.message, undefined, details);
    }
  }

  /** Deletes the flow (and its draft) and its schedules; false when there was no such flow. */
  async delete(flowId: string, workspace: string): Promise<boolean> {
    const latest = await this.flows.latest(flowId, workspace);
    if (!(await this.flows.delete(flowId, workspace))) return false;
    this.changed(flowId);
    await this.schedules.removeAll(workspace, flowId, latest?.definition);
    await this.triggers?.removeFlow(workspace, flowId);
    return true;
  }

  /** What the definition asks of its workspace that the workspace does not have: plan limits, a handler flow. */
  private async workspaceProblems(definition: FlowDefinition, workspace: string): Promise<Problem[]> {
    const handler = await this.handlerProblem(definition, workspace);
    return [...limitProblems(definition, await this.limitsOf(workspace)), ...(handler ? [handler] : [])];
  }

  private async handlerProblem(definition: FlowDefinition, workspace: string): Promise<Problem | undefined> {
    const handler = definition.errorHandler;
    if (!handler || handler.flowId === definition.id) return undefined;
    return this.errorHandlerProblem(handler.flowId, workspace, 'errorHandler.flowId');
  }

  private async checkWorkspaceFit(definition: FlowDefinition, workspace: string): Promise<void> {
    const problems = limitProblems(definition, await this.limitsOf(workspace));
    if (problems.length > 0) {
      throw new HttpError(
        400,
        'above_plan_limits',
        `the flow asks for more than the workspace's plan allows`,
        problems,
      );
    }
    const handler = await this.handlerProblem(definition, workspace);
    if (handler) throw new HttpError(400, 'invalid_flow', 'the flow names an error handler it cannot have', [handler]);
  }

  private async reconcile(saved: FlowVersion, previous: FlowDefinition | undefined, workspace: string): Promise<void> {
    try {
      await this.schedules.reconcile(
        { workspace, flowId: saved.flowId, version: saved.version, definition: saved.definition },
        previous,
      );
    } catch (error) {
      throw new HttpError(
        502,
        'schedule_failed',
        `version ${saved.version} of flow "${saved.flowId}" was saved, but Temporal refused its schedules: ${(error as Error).message}`,
      );
    }
    await this.triggers?.reconcile(
      { workspace, flowId: saved.flowId, version: saved.version, definition: saved.definition },
      previous,
    );
  }
}
