import { versionRef } from '../flow/ids';
import type { FlowDefinition } from '../flow/schema';
import type { FlowStore } from '../store/flows';

/**
 * Flow versions and draft revisions are immutable (a revision number is never reused for a flow id), so a worker
 * keeps the ones it has read. A draft revision has a key of its own: it can never be served from a version's entry.
 * Bounded, oldest dropped first.
 */
export class FlowVersionCache {
  private readonly entries = new Map<string, FlowDefinition>();

  constructor(
    private readonly flows: FlowStore,
    private readonly capacity = 500,
  ) {}

  /** A saved version, or with `draft` that draft revision (the version is then ignored). */
  async get(flowId: string, version: number, draft?: number): Promise<FlowDefinition | undefined> {
    const key = versionRef(flowId, { flowVersion: version, draft });
    const cached = this.entries.get(key);
    if (cached) return cached;
    const found =
      draft === undefined ? await this.flows.version(flowId, version) : await this.flows.drafts.revision(flowId, draft);
    if (!found) return undefined;
    this.entries.set(key, found.definition);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return found.definition;
  }
}
