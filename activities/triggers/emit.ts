/** `context.emit` made durable: the events a code node emitted, published on its workspace's bus by an activity of their own. */
import type { EventBus } from '../../temporal/eventBus';

export interface EmitRequest {
  v: 1;
  flowId: string;
  /** Each with an id derived from the run, the node's execution and its place, so a retried publish repeats nothing. */
  events: Array<{ type: string; id: string; payload: unknown }>;
}

export interface EmitActivities {
  emitEvents(request: EmitRequest): Promise<{ runs: number; delivered: number }>;
}

export function createEmitActivities(deps: {
  bus: EventBus;
  workspaceOf: (flowId: string) => Promise<string | undefined>;
}): EmitActivities {
  return {
    async emitEvents({ flowId, events }) {
      const workspace = await deps.workspaceOf(flowId);
      if (!workspace) throw new Error(`flow "${flowId}" has no workspace (deleted?): its events cannot be published`);
      let runs = 0;
      let delivered = 0;
      for (const event of events) {
        const published = await deps.bus.publish(workspace, event);
        runs += published.runs.length;
        delivered += published.delivered.length;
      }
      return { runs, delivered };
    },
  };
}
