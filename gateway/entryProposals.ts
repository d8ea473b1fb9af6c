import { proposeEntryChain } from '../flow/entryChain';
import { versionRef } from '../flow/ids';
import type { EntryProposal, RunRequest } from '../flow/run';
import type { FlowDefinition } from '../flow/schema';

const CAPACITY = 1_000;

/**
 * The entry chain proposed to each run (flow/entryChain.ts), worked out once per version or draft revision: both are
 * immutable (activities/flowCache.ts relies on it too), and the proposal parses the nodes' code.
 */
export class EntryProposals {
  private readonly known = new Map<string, EntryProposal | undefined>();

  of(run: Pick<RunRequest, 'flowId' | 'flowVersion' | 'draft'>, definition: FlowDefinition): EntryProposal | undefined {
    const key = versionRef(run.flowId, run);
    if (this.known.has(key)) return this.known.get(key);
    const proposal = proposeEntryChain(definition);
    this.known.set(key, proposal);
    if (this.known.size > CAPACITY) this.known.delete(this.known.keys().next().value!);
    return proposal;
  }
}
