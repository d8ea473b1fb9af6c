/** What the editor opens: the flow's draft if it has one, else its newest version, else a new empty flow. */
import { api } from '../api/client';
import type { FlowDefinition } from '../domain/model';
import { newFlowName } from './newFlow';

export interface OpenedFlow {
  definition: FlowDefinition;
  /** The draft revision the editor starts from; null when there is no draft. */
  revision: number | null;
  latestVersion: number | null;
}

/**
 * The flows list says what exists, so opening a flow asks for nothing that is not there (no 404 in the console); it is
 * asked without run figures, which would cost a visibility query per flow of the workspace.
 */
export async function openFlow(flowId: string): Promise<OpenedFlow> {
  const { flows } = await api.listFlows(false);
  const item = flows.find((flow) => flow.id === flowId);
  if (item?.hasDraft) {
    const draft = await api.readDraft(flowId);
    return { definition: draft.definition, revision: draft.revision, latestVersion: draft.latestVersion };
  }
  if (item?.latestVersion) {
    const saved = await api.readFlow(flowId);
    return { definition: saved.definition, revision: null, latestVersion: saved.version };
  }
  return {
    definition: { id: flowId, name: newFlowName(flowId) ?? flowId, nodes: [], edges: [] },
    revision: null,
    latestVersion: null,
  };
}
