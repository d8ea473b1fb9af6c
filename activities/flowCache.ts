import type { FlowDefinition } from '../flow/schema';
import type { FlowStore } from '../store/flows';

/** Flow versions are immutable, so a worker keeps the ones it has read. Bounded, oldest dropped first. */
export class FlowVersionCache {
  private readonly entries = new Map<string, FlowDefinition>();

  constructor(
    private readonly flows: FlowStore,
    private readonly capacity = 500,
  ) {}

  async get(flowId: string, version: number): Promise<FlowDefinition | undefined> {
    const key = `${flowId}@${version}`;
    const cached = this.entries.get(key);
    if (cached) return cached;
    const found = await this.flows.version(flowId, version);
    if (!found) return undefined;
    this.entries.set(key, found.definition);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return found.definition;
  }
}
