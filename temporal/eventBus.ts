/**
 * The product's event bus: an event `{ type, id, payload }` of a workspace starts one run of every flow subscribed to
 * its type (a trigger `{ "type": "event", "event": type }`; the run named after the event id) and is delivered to the
 * running runs whose `wait` nodes wait for it with a matching correlation key. Used by `POST /api/events` (gateway) and
 * by `context.emit` in code nodes (a worker activity), so one definition of what publishing means.
 */
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { eventFits, WaitingSpec, WAITS_MEMO } from '../flow/correlation';
import { RUN_EVENT_SIGNAL, RunEvent } from '../flow/run';
import type { TriggerRegistry } from '../store/triggerRegistry';
import { runPayloadJson } from '../common/payloadShape';
import type { TriggerPayloadKeeper } from './runStart';
import { startTriggerRun } from './triggerRuns';

export interface BusEvent {
  type: string;
  /** The event's identity: publishing an id again starts and delivers nothing new. Generated when absent. */
  id?: string;
  payload: unknown;
}

export interface Published {
  id: string;
  runs: Array<{ flowId: string; triggerId: string; runId: string; duplicate: boolean }>;
  /** Runs it was delivered to, waiting for it. */
  delivered: string[];
  /** Subscribed flows whose trigger is paused: not started (the bus keeps no backlog). */
  paused: string[];
}

/** Where payloads too large for Temporal go (store/outputs.ts): a signalled event's, a started run's. */
export interface BusPayloads extends TriggerPayloadKeeper {
  /** Stores a payload too large for a signal and answers its reference (or the value itself, when small). */
  offload(value: unknown, owner: { workflowId: string; nodeId: string }): Promise<unknown>;
}

export class EventBus {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly registry: TriggerRegistry,
    private readonly payloads: BusPayloads,
  ) {}

  /** Publishes the event; one whose runs' payload would pass RUN_PAYLOAD_MAX_BYTES starts nothing (PayloadTooLargeError). */
  async publish(workspace: string, event: BusEvent): Promise<Published> {
    const id = event.id ?? crypto.randomUUID();
    const payload = event.payload ?? null;
    const runPayload = { type: event.type, id, payload };
    // Refused before a first subscriber's run starts: all of them or none. Its shape was checked where it entered.
    runPayloadJson(runPayload, 'the event (as its runs receive it)');
    const published: Published = { id, runs: [], delivered: [], paused: [] };
    for (const record of await this.registry.subscribers(workspace, 'event', event.type)) {
      if (record.paused) {
        published.paused.push(record.flowId);
        continue;
      }
      const { runId, started } = await startTriggerRun(
        this.client,
        this.taskQueue,
        record,
        { key: `bus:${id}`, source: `event ${event.type}`, payload: runPayload },
        this.payloads,
      );
      published.runs.push({ flowId: record.flowId, triggerId: record.triggerId, runId, duplicate: !started });
      if (started) await this.registry.reportProgress(record._id, { runsStarted: 1, lastEventAt: new Date() });
    }
    // Types and workspaces are validated identifiers (no quotes): safe inside the visibility query.
    const query = `NectarWaitingFor = '${event.type}' AND NectarWorkspace = '${workspace}' AND ExecutionStatus = 'Running'`;
    for await (const run of this.client.workflow.list({ query })) {
      const specs = (run.memo?.[WAITS_MEMO] ?? []) as WaitingSpec[];
      if (!eventFits(specs, event.type, payload)) continue;
      const message: RunEvent = {
        v: 1,
        event: event.type,
        id,
        payload: await this.payloads.offload(payload, { workflowId: run.workflowId, nodeId: `event:${event.type}` }),
      };
      try {
        await this.client.workflow.getHandle(run.workflowId).signal(RUN_EVENT_SIGNAL, message);
        published.delivered.push(run.workflowId);
      } catch {
        // It closed meanwhile: nothing waits for the event there any more.
      }
    }
    return published;
  }
}
