import type { FlowVersion } from '../flow/schema';
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
 * While the store is down or slow, the last version read is served, so async deliveries are still accepted.
 */
export class FlowLookup {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshing = new Map<string, Promise<Found>>();

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
    this.entries.delete(flowId);
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
    this.entries.set(flowId, { flow, until: Date.now() + this.ttlMs });
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value!);
    return flow;
  }
}
