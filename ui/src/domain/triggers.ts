/** New triggers of each kind the API knows (flow/triggers.ts, flow/eventTriggers.ts), valid as they are. */
import type { FlowTrigger } from '../../../flow/triggers';
import { freeId } from './ids';

export type TriggerKind = FlowTrigger['type'];

export const TRIGGER_KINDS: { kind: TriggerKind; label: string; description: string }[] = [
  { kind: 'webhook', label: 'Webhook', description: 'Runs the flow when an HTTP request arrives at its URL' },
  { kind: 'cron', label: 'Schedule (cron)', description: 'Runs the flow on a cron schedule in a time zone' },
  {
    kind: 'event',
    label: 'Event',
    description: 'Runs the flow for an event type posted to /api/events or emitted by a node',
  },
  {
    kind: 'mongodb',
    label: 'MongoDB changes',
    description: 'Runs the flow for each document inserted, updated, replaced or deleted in a collection',
  },
  {
    kind: 'postgres',
    label: 'PostgreSQL changes',
    description: 'Runs the flow for each row inserted, updated or deleted in a table',
  },
  {
    kind: 'signed',
    label: 'Signed webhook',
    description: 'Standard Webhooks or Stripe-signed deliveries from a third party',
  },
  { kind: 'salesforce', label: 'Salesforce', description: 'Salesforce outbound messages, one run per notification' },
  {
    kind: 's3',
    label: 'S3 object events',
    description: 'Runs the flow for each object created or removed in a bucket',
  },
];

export function triggerLabel(trigger: FlowTrigger): string {
  const label = TRIGGER_KINDS.find((kind) => kind.kind === trigger.type)?.label ?? trigger.type;
  return 'id' in trigger ? `${label} · ${trigger.id}` : label;
}

/** The browser's time zone when the API would accept it (headless browsers may answer "Etc/Unknown"), else UTC. */
export function localTimeZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return Intl.supportedValuesOf('timeZone').includes(zone) ? zone : 'UTC';
}

/**
 * A trigger of `kind` with an id no other trigger of the flow has, and placeholder sources to be edited. A kind added
 * to the API later is edited like the others once a flow has one, and offered in the palette once it is listed here;
 * the default branch keeps the studio building meanwhile.
 */
export function newTrigger(kind: TriggerKind, existing: readonly FlowTrigger[], timezone: string): FlowTrigger {
  const id = freeId(kind, new Set(existing.flatMap((trigger) => ('id' in trigger ? [trigger.id] : []))));
  switch (kind) {
    case 'webhook':
      return { type: 'webhook', auth: { type: 'none' }, respond: 'async', timeoutMs: 30_000 };
    case 'cron':
      return {
        type: 'cron',
        id,
        cron: '0 9 * * 1-5',
        timezone,
        overlap: 'skip',
        catchupWindowMs: 86_400_000,
        paused: false,
      };
    case 'event':
      return { type: 'event', id, event: 'order.created', paused: false };
    case 'postgres':
      return {
        type: 'postgres',
        id,
        urlVariable: 'DATABASE_URL',
        schema: 'public',
        table: 'orders',
        operations: ['insert', 'update', 'delete'],
        batchSize: 100,
        paused: false,
      };
    case 'signed':
      return {
        type: 'signed',
        id,
        source: 'stripe',
        scheme: 'standard',
        secretVariable: 'WEBHOOK_SECRET',
        events: ['*'],
        typeField: 'type',
        toleranceSeconds: 300,
        paused: false,
      };
    case 'salesforce':
      return { type: 'salesforce', id, source: 'salesforce', organizationId: '00D000000000000', paused: false };
    case 'mongodb':
      return {
        type: 'mongodb',
        id,
        urlVariable: 'MONGODB_URI',
        database: 'app',
        collection: 'orders',
        mode: 'poll',
        operations: ['insert', 'update', 'replace', 'delete'],
        watermarkField: 'updatedAt',
        createdField: 'createdAt',
        pollIntervalMs: 5_000,
        overlapMs: 60_000,
        batchSize: 100,
        paused: false,
      };
    case 's3':
      return { type: 's3', id, source: 's3', bucket: 'uploads', events: ['created'], paused: false };
    default:
      throw new Error(`the studio cannot create a ${String(kind)} trigger yet`);
  }
}
