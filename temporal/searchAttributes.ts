import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Let the Temporal Web UI filter runs by flow, version, trigger and workspace. */
export const FLOW_ID = defineSearchAttributeKey('NectarFlowId', SearchAttributeType.KEYWORD);
export const FLOW_VERSION = defineSearchAttributeKey('NectarFlowVersion', SearchAttributeType.KEYWORD);
export const TRIGGER = defineSearchAttributeKey('NectarTrigger', SearchAttributeType.KEYWORD);
export const WORKSPACE = defineSearchAttributeKey('NectarWorkspace', SearchAttributeType.KEYWORD);

export const NECTAR_SEARCH_ATTRIBUTES = [FLOW_ID, FLOW_VERSION, TRIGGER, WORKSPACE];
