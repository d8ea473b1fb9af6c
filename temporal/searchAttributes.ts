import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Let the Temporal Web UI filter runs by flow, version, trigger and workspace. */
export const FLOW_ID = defineSearchAttributeKey('NectarFlowId', SearchAttributeType.KEYWORD);
export const FLOW_VERSION = defineSearchAttributeKey('NectarFlowVersion', SearchAttributeType.KEYWORD);
export const TRIGGER = defineSearchAttributeKey('NectarTrigger', SearchAttributeType.KEYWORD);
export const WORKSPACE = defineSearchAttributeKey('NectarWorkspace', SearchAttributeType.KEYWORD);

export const NECTAR_SEARCH_ATTRIBUTES = [FLOW_ID, FLOW_VERSION, TRIGGER, WORKSPACE];

/** `NectarFlowVersion` of a run: the version number, or `draft-<revision>` for a run of a flow's draft. */
export function flowVersionValue(flowVersion: number, draft?: number): string {
  return draft === undefined ? String(flowVersion) : `draft-${draft}`;
}

/** Reads `NectarFlowVersion` back: `{ flowVersion }` for a saved version, `{ draft }` for a draft run. */
export function parseFlowVersionValue(value: string | undefined): { flowVersion?: number; draft?: number } {
  if (value === undefined) return {};
  const draft = /^draft-(\d+)$/.exec(value);
  if (draft) return { draft: Number(draft[1]) };
  const version = Number(value);
  return Number.isInteger(version) ? { flowVersion: version } : {};
}
