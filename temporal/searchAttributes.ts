import { defineSearchAttributeKey, SearchAttributePair, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import { DEFAULT_WORKSPACE, parseVersionKey, VersionPin, versionKey } from '../flow/ids';

/** Let the Temporal Web UI filter runs by flow, version, trigger and workspace. */
export const FLOW_ID = defineSearchAttributeKey('NectarFlowId', SearchAttributeType.KEYWORD);
export const FLOW_VERSION = defineSearchAttributeKey('NectarFlowVersion', SearchAttributeType.KEYWORD);
export const TRIGGER = defineSearchAttributeKey('NectarTrigger', SearchAttributeType.KEYWORD);
export const WORKSPACE = defineSearchAttributeKey('NectarWorkspace', SearchAttributeType.KEYWORD);

export const NECTAR_SEARCH_ATTRIBUTES = [FLOW_ID, FLOW_VERSION, TRIGGER, WORKSPACE];

/** What every run is labelled with, whoever starts it (the gateway, a schedule, a subflow node). */
export interface RunLabels extends VersionPin {
  flowId: string;
  trigger: string;
  workspace: string;
}

/** The search attributes a run starts with. */
export function runSearchAttributes(run: RunLabels): SearchAttributePair[] {
  return [
    { key: FLOW_ID, value: run.flowId },
    { key: FLOW_VERSION, value: versionKey(run) },
    { key: TRIGGER, value: run.trigger },
    { key: WORKSPACE, value: run.workspace },
  ];
}

/** Reads a run's labels back; a run from before workspaces existed belongs to the default workspace. */
export function readRunSearchAttributes(attributes: TypedSearchAttributes): Partial<RunLabels> & { workspace: string } {
  return {
    flowId: attributes.get(FLOW_ID),
    ...parseVersionKey(attributes.get(FLOW_VERSION)),
    trigger: attributes.get(TRIGGER),
    workspace: attributes.get(WORKSPACE) ?? DEFAULT_WORKSPACE,
  };
}
