/**
 * Events pushed to the gateway by their senders (signed webhooks, Salesforce, S3 notifications), at
 * `POST /triggers/<kind>/<workspace>/<source>`. Each kind's adapter checks the sender (401), parses the delivery (400)
 * and says which subscribing triggers get which events; then one run per event and trigger starts, named after the
 * event's own identity, so a redelivery answers the runs it started the first time.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { PushedKind } from '../../flow/eventTriggers';
import type { TriggerRecord, TriggerRegistry } from '../../store/triggerRegistry';
import { eventPayloadProblem, type TriggerEvent } from '../../temporal/triggerRuns';
import { assertPayloadShape, HttpError, notFound } from '../errors';
import type { RunService } from '../runService';

export interface PushedDelivery {
  workspace: string;
  source: string;
  method: string;
  headers: IncomingHttpHeaders;
  query: Record<string, unknown>;
  raw: Buffer;
}

export interface StartedRun {
  flowId: string;
  triggerId: string;
  runId: string;
  /** A redelivery: the run was started by an earlier delivery of the same event. */
  duplicate: boolean;
}

/** What the sender is answered. */
export interface PushedAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface Accepted {
  /** Events per subscribing trigger (a trigger with none is left out). */
  matched: Array<{ record: TriggerRecord; events: TriggerEvent[] }>;
  /** The answer the sender expects (Salesforce's SOAP Ack); JSON `{ runs }` when absent. */
  answer?: (runs: StartedRun[]) => PushedAnswer;
}

export interface SourceAdapter {
  /** Checks the sender against the subscribers (401 when none accepts it), parses the delivery (400), routes its events. */
  accept(delivery: PushedDelivery, subscribers: TriggerRecord[], secrets: Secrets): Promise<Accepted>;
}

/** A workspace variable's value (triggers keep secrets and tokens there), or undefined. */
export type Secrets = (name: string) => Promise<string | undefined>;

export const json = (status: number, value: unknown): PushedAnswer => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(value),
});

/** A delivery's token (`Authorization: Bearer …` or `?token=`) checked against the trigger's token variable, if it names one. */
export async function tokenAccepted(
  delivery: PushedDelivery,
  variable: string | undefined,
  secrets: Secrets,
): Promise<boolean> {
  if (!variable) return true;
  const expected = await secrets(variable);
  if (!expected) return false;
  const bearer = /^Bearer\s+(.+)$/i.exec(String(delivery.headers.authorization ?? ''))?.[1];
  const given = bearer ?? (typeof delivery.query.token === 'string' ? delivery.query.token : undefined);
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

export class PushedSources {
  constructor(
    private readonly registry: TriggerRegistry,
    private readonly runs: RunService,
    private readonly adapters: Record<PushedKind, SourceAdapter>,
    private readonly variables: (workspace: string) => Promise<Record<string, string>>,
  ) {}

  async deliver(kind: PushedKind, delivery: PushedDelivery): Promise<PushedAnswer> {
    const subscribers = await this.registry.subscribers(delivery.workspace, kind, delivery.source);
    if (subscribers.length === 0) throw notFound(`${kind} source "${delivery.source}"`);
    let values: Record<string, string> | undefined;
    const secrets: Secrets = async (name) => (values ??= await this.variables(delivery.workspace))[name];
    const accepted = await this.adapters[kind].accept(delivery, subscribers, secrets);
    for (const { events } of accepted.matched)
      for (const event of events) {
        assertPayloadShape(event.payload, 'event');
        // Within the shape limits: what is left is the size, which the sender can do nothing about but send less.
        const problem = eventPayloadProblem(event.payload);
        if (problem) throw new HttpError(413, 'event_too_large', problem);
      }
    const live = accepted.matched.filter(({ record, events }) => !record.paused && events.length > 0);
    if (live.length > 0) await this.runs.assertQuota(delivery.workspace);
    const started: StartedRun[] = [];
    for (const { record, events } of live) {
      const outcomes = await Promise.all(events.map((event) => this.runs.startEvent(record, event)));
      outcomes.forEach(({ runId, started: fresh }) =>
        started.push({ flowId: record.flowId, triggerId: record.triggerId, runId, duplicate: !fresh }),
      );
      const fresh = outcomes.filter((outcome) => outcome.started).length;
      await this.registry.reportProgress(record._id, { runsStarted: fresh, lastEventAt: new Date() });
    }
    // A paused subscriber refuses the delivery, so a sender that retries brings it again after resume; the runs
    // started for the others are found again then, not started twice.
    const paused = accepted.matched.filter(({ record, events }) => record.paused && events.length > 0);
    if (paused.length > 0) {
      throw new HttpError(
        503,
        'trigger_paused',
        `paused: ${paused.map(({ record }) => `${record.flowId}/${record.triggerId}`).join(', ')}; deliver again after it is resumed`,
      );
    }
    return accepted.answer ? accepted.answer(started) : json(200, { runs: started });
  }
}
