import type { FlowVersion } from '../flow/schema';
import type { FlowStore } from '../store/flows';

interface Entry {
  flow: { version: FlowVersion; workspace: string } | undefined;
  until: number;
}

/**
 * The newest version of a flow and its workspace, for the webhook path, where two store queries per delivery would
 * cost more than the delivery. Saves and deletes through this gateway invalidate at once; a save through another
 * gateway process shows within `ttlMs`.
 */
export class FlowLookup {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly flows: FlowStore,
    private readonly ttlMs = 1_000,
  ) {}

  async latest(flowId: string): Promise<{ version: FlowVersion; workspace: string } | undefined> {
    const cached = this.entries.get(flowId);
    if (cached && cached.until > Date.now()) return cached.flow;
    const version = await this.flows.latest(flowId);
    const workspace = version ? await this.flows.workspaceOf(flowId) : undefined;
    const flow = version && workspace ? { version, workspace } : undefined;
    this.entries.set(flowId, { flow, until: Date.now() + this.ttlMs });
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value!);
    return flow;
  }

  invalidate(flowId: string): void {
    this.entries.delete(flowId);
  }
}
