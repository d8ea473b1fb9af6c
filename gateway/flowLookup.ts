import type { FlowVersion } from '../flow/schema';
import { webhookTriggerOf } from '../flow/triggers';
import type { FlowStore } from '../store/flows';
import { freshOrLastKnown } from './unavailable';

type Found = { version: FlowVersion; workspace: string } | undefined;

interface Entry {
  flow: Found;
  until: number;
}

/**
 * The newest version of a flow and its workspace, for the webhook path, where two store queries per delivery would
 * cost more than the delivery. Saves and deletes through this gateway invalidate at once; a save through another
 * gateway process shows within `ttlMs` (a short TTL rather than a version check, which would cost the query it saves).
 * While the store is down or slow, the last version read is served, so async deliveries are still accepted; the
 * webhook flows' last versions are also kept on disk (gateway/lastKnownSettings.ts) for a gateway started meanwhile.
 */
export class FlowLookup {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshing = new Map<string, Promise<Found>>();
  /** Called when what a restart would need changed: a flow's version or workspace as read, or an invalidation. */
  onChange?: () => void;

  constructor(
    private readonly flows: FlowStore,
    private readonly ttlMs = 1_000,
  ) {}

  async latest(flowId: string): Promise<Found> {
    const cached = this.entries.get(flowId);
    if (cached && cached.until > Date.now()) return cached.flow;
    return freshOrLastKnown(this.refresh(flowId), cached && { value: cached.flow });
  }

  invalidate(flowId: string): void {
    if (this.entries.delete(flowId)) this.onChange?.();
  }

  /** Versions known before a restart: already stale, so served only while the store does not answer. */
  restore(known: Record<string, NonNullable<Found>>): void {
    for (const [flowId, flow] of Object.entries(known)) this.entries.set(flowId, { flow, until: 0 });
  }

  /** The flows with a webhook trigger, as last read: what a restart needs to accept their deliveries. */
  webhookFlows(): Record<string, NonNullable<Found>> {
    const known: Record<string, NonNullable<Found>> = {};
    for (const [flowId, { flow }] of this.entries)
      if (flow && webhookTriggerOf(flow.version.definition)) known[flowId] = flow;
    return known;
  }

  /** One read at a time per flow: while the store hangs, deliveries do not pile up queries behind it. */
  private refresh(flowId: string): Promise<Found> {
    let running = this.refreshing.get(flowId);
    if (!running) {
      running = this.read(flowId).finally(() => this.refreshing.delete(flowId));
      this.refreshing.set(flowId, running);
    }
    return running;
  }

  private async read(flowId: string): Promise<Found> {
    const version = await this.flows.latest(flowId);
    const workspace = version ? await this.flows.workspaceOf(flowId) : undefined;
    const flow = version && workspace ? { version, workspace } : undefined;
    const before = this.entries.get(flowId)?.flow;
    this.entries.set(flowId, { flow, until: Date.now() + this.ttlMs });
    if (before?.version.version !== flow?.version.version || before?.workspace !== flow?.workspace) this.onChange?.();
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value!);
    return flow;
  }
}
