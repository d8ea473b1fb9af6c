import type { Client } from '@temporalio/client';
import { INSTALLING_KINDS, isListened, PUSHED_KINDS, SourceKind } from '../flow/eventTriggers';
import { LISTENER_WAKE_SIGNAL, listenerWorkflowId, ListenerInput, TRIGGER_LISTENER_WORKFLOW } from '../flow/listener';
import type { FlowDefinition } from '../flow/schema';
import { sourceTriggersOf } from '../flow/triggers';
import type { FlowStore } from '../store/flows';
import { triggerKey, TriggerRecord, TriggerRegistry } from '../store/triggerRegistry';
import { HttpError, notFound } from './errors';

/** A trigger as `GET /api/flows/:id/triggers` shows it. */
export interface TriggerView {
  triggerId: string;
  type: SourceKind;
  /** What it subscribes to: a source name, an event type, a table. */
  route: string;
  flowVersion: number;
  status: 'active' | 'paused' | 'failing';
  /** Where the source is read up to (listened kinds): an outbox id, a watermark, a resume token. */
  position?: string;
  lagMs?: number;
  lastEventAt?: string;
  lastError?: string;
  lastErrorAt?: string;
  runsStarted: number;
  /** Events refused for passing the payload limits (read past, no run), and the last one's reason. */
  eventsRejected: number;
  lastRejection?: string;
  lastRejectedAt?: string;
  /** What resuming does: read on from the position, or rely on the sender redelivering what was refused while paused. */
  resume: string;
  /** Pushed kinds: where the sender posts, relative to the gateway. */
  url?: string;
}

/** Where a pushed trigger's events arrive (no API key: each kind checks its own signature, organization or token). */
export function pushedUrl(kind: SourceKind, workspace: string, source: string): string {
  return `/triggers/${kind}/${workspace}/${source}`;
}

export function viewOf(record: TriggerRecord): TriggerView {
  const { state } = record;
  const listened = isListened(record.trigger);
  const pushed = (PUSHED_KINDS as readonly string[]).includes(record.kind);
  return {
    triggerId: record.triggerId,
    type: record.kind,
    route: record.route,
    flowVersion: record.flowVersion,
    status: record.paused ? 'paused' : state.failing ? 'failing' : 'active',
    position: state.position,
    lagMs: state.lagMs,
    lastEventAt: state.lastEventAt?.toISOString(),
    lastError: state.lastError,
    lastErrorAt: state.lastErrorAt?.toISOString(),
    runsStarted: state.runsStarted ?? 0,
    eventsRejected: state.eventsRejected ?? 0,
    lastRejection: state.lastRejection,
    lastRejectedAt: state.lastRejectedAt?.toISOString(),
    resume: listened
      ? record.kind === 's3'
        ? 'catches up from its position: the next scan starts runs for objects created while paused; events refused while paused arrive again only if the sender retries them'
        : 'catches up from its position'
      : 'events refused while paused arrive again only if the sender retries them',
    ...(pushed ? { url: pushedUrl(record.kind, record.workspace, record.route) } : {}),
  };
}

/**
 * The event triggers of flows: kept in the registry to match each flow's newest version, with one listener workflow
 * per trigger that reads a source (started here, stopped by itself once its trigger is removed); paused and resumed.
 */
export class TriggerService {
  constructor(
    private readonly flows: FlowStore,
    readonly registry: TriggerRegistry,
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /** Makes the registry and the listeners match a newly saved version. */
  async reconcile(
    flow: { workspace: string; flowId: string; version: number; definition: FlowDefinition },
    previous: FlowDefinition | undefined,
  ): Promise<void> {
    const wanted = sourceTriggersOf(flow.definition);
    const before = sourceTriggersOf(previous);
    await this.registry.reconcile(flow, wanted, before);
    await this.registry.purgeRemoved(flow.workspace, flow.flowId, INSTALLING_KINDS);
    // Wake every listener that exists or existed: a new one starts, a changed one reads its configuration again, one
    // whose trigger is gone (or no longer listened) cleans up and ends.
    const listened = new Set([...wanted, ...before].filter(isListened).map((trigger) => trigger.id));
    for (const triggerId of listened) await this.wakeListener(triggerKey(flow.workspace, flow.flowId, triggerId));
  }

  /** The flow was deleted: its listeners uninstall and end, its other triggers go at once. */
  async removeFlow(workspace: string, flowId: string): Promise<void> {
    const records = await this.registry.removeFlow(workspace, flowId);
    await this.registry.purgeRemoved(workspace, flowId, INSTALLING_KINDS);
    for (const record of records) if (isListened(record.trigger)) await this.wakeListener(record._id);
  }

  async list(flowId: string, workspace: string): Promise<TriggerView[]> {
    await this.assertFlow(flowId, workspace);
    return (await this.registry.ofFlow(workspace, flowId)).map(viewOf);
  }

  async setPaused(flowId: string, triggerId: string, workspace: string, paused: boolean): Promise<TriggerView> {
    await this.assertFlow(flowId, workspace);
    const key = triggerKey(workspace, flowId, triggerId);
    if (!(await this.registry.setPaused(key, paused)))
      throw notFound(`event trigger "${triggerId}" of flow "${flowId}"`);
    const record = (await this.registry.get(key))!;
    if (isListened(record.trigger)) await this.wakeListener(key);
    return viewOf(record);
  }

  /** Starts the trigger's listener, or wakes the running one so it reads its configuration again now. */
  private async wakeListener(key: string): Promise<void> {
    const input: ListenerInput = { v: 1, key };
    try {
      await this.client.workflow.signalWithStart(TRIGGER_LISTENER_WORKFLOW, {
        workflowId: listenerWorkflowId(key),
        taskQueue: this.taskQueue,
        args: [input],
        signal: LISTENER_WAKE_SIGNAL,
        signalArgs: [],
      });
    } catch (error) {
      throw new HttpError(
        502,
        'listener_failed',
        `the trigger was saved, but Temporal refused its listener: ${(error as Error).message}`,
      );
    }
  }

  private async assertFlow(flowId: string, workspace: string): Promise<void> {
    if (!(await this.flows.latest(flowId, workspace))) throw notFound(`flow "${flowId}"`);
  }
}
