import {
  defineSearchAttributeKey,
  SearchAttributePair,
  SearchAttributeType,
  TypedSearchAttributes,
} from '@temporalio/common';
import { DEFAULT_WORKSPACE, parseVersionKey, VersionPin, versionKey } from '../flow/ids';

/** Let the Temporal Web UI filter runs by flow, version, trigger and workspace. */
export const FLOW_ID = defineSearchAttributeKey('NectarFlowId', SearchAttributeType.KEYWORD);
export const FLOW_VERSION = defineSearchAttributeKey('NectarFlowVersion', SearchAttributeType.KEYWORD);
export const TRIGGER = defineSearchAttributeKey('NectarTrigger', SearchAttributeType.KEYWORD);
export const WORKSPACE = defineSearchAttributeKey('NectarWorkspace', SearchAttributeType.KEYWORD);

/**
 * The events a running run's `wait` nodes with a correlation `match` wait for, so the event bus finds the runs to
 * deliver an event to without asking every run; set while such a node waits, removed after.
 */
export const WAITING_FOR = defineSearchAttributeKey('NectarWaitingFor', SearchAttributeType.KEYWORD_LIST);

export const NECTAR_SEARCH_ATTRIBUTES = [FLOW_ID, FLOW_VERSION, TRIGGER, WORKSPACE, WAITING_FOR];

/** How the dev server's `--search-attribute Name=Type` flag names an attribute's type. */
export function devServerTypeName(key: { type: string }): string {
  return key.type === SearchAttributeType.KEYWORD_LIST ? 'KeywordList' : 'Keyword';
}

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
