import { z } from 'zod';

/**
 * The event trigger kinds of a flow's `triggers`: database changes, S3 object events, Salesforce outbound messages,
 * signed third-party webhooks and the product's own event bus. Each one names its source; credentials are never part
 * of a definition (definitions are read back through the API and live in histories): a trigger names the workspace
 * variable that holds them. Exported one by one so the studio can render a form per kind.
 */

export const TriggerId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/,
    'must be 1-32 letters, digits, "-" or "_", starting with a letter or digit',
  );

/** A workspace variable (PUT /api/variables/:name) holding a connection string, secret or token. */
export const VariableRef = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    'must name a workspace variable: letters, digits and "_", not starting with a digit',
  );

/** Names the URL pushed events arrive at: `POST /triggers/<kind>/<workspace>/<source>`. */
export const SourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, "-" or "_"');

/** An event type on the bus or from a third party: `order.created`, `contact.updated`. */
export const EventType = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}$/, 'must be 1-200 letters, digits, ".", ":", "/", "-" or "_"');

const SqlName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'must be a PostgreSQL identifier (letters, digits, "_", "$"; at most 63)');

const paused = z.boolean().default(false);

function unique<T>(items: T[]): boolean {
  return new Set(items).size === items.length;
}

/**
 * Row changes of one PostgreSQL table, through an outbox the trigger installs in that database (schema `nectar`): a row
 * trigger writes each change in the same transaction, NOTIFY wakes the listener, the listener starts one run per change
 * and deletes the outbox row after. Changes made while the product is down wait in the outbox.
 */
export const PostgresTrigger = z
  .object({
    type: z.literal('postgres'),
    id: TriggerId.default('postgres'),
    /** Workspace variable holding the connection string (`postgres://user:password@host:5432/db`). */
    urlVariable: VariableRef,
    schema: SqlName.default('public'),
    table: SqlName,
    operations: z
      .array(z.enum(['insert', 'update', 'delete']))
      .min(1)
      .refine(unique, 'lists an operation twice')
      .default(['insert', 'update', 'delete']),
    /** Updates start a run only when one of these columns changed; inserts and deletes always do. */
    columns: z.array(SqlName).min(1).max(100).refine(unique, 'lists a column twice').optional(),
    /** Changes taken from the outbox per transaction. */
    batchSize: z.number().int().min(1).max(500).default(100),
    paused,
  })
  .strict();
export type PostgresTrigger = z.infer<typeof PostgresTrigger>;

/**
 * Changes of one MongoDB collection, each run receiving a change event (`operationType`, `documentKey`, `fullDocument`,
 * `updateDescription`, `ns`, `clusterTime`) whichever mode reads them, so a flow runs unchanged on either:
 * `changeStream` (replica sets, Atlas; the resume token stored after each run starts) or `poll` (servers without change
 * streams, such as FerretDB: documents whose `watermarkField` moved past the last poll, less `overlapMs`).
 */
export const MongoTrigger = z
  .object({
    type: z.literal('mongodb'),
    id: TriggerId.default('mongodb'),
    /** Workspace variable holding the connection string (`mongodb://…`, `mongodb+srv://…`). */
    urlVariable: VariableRef,
    database: z.string().regex(/^[^/\\. "$*<>:|?]{1,63}$/, 'must be a MongoDB database name'),
    collection: z.string().regex(/^(?!system\.)[^$\0]{1,120}$/, 'must be a MongoDB collection name'),
    mode: z.enum(['poll', 'changeStream']).default('poll'),
    operations: z
      .array(z.enum(['insert', 'update', 'replace', 'delete']))
      .min(1)
      .refine(unique, 'lists an operation twice')
      .default(['insert', 'update', 'replace', 'delete']),
    /** poll: the field every write sets to the time (a Date) or a growing number, indexed. */
    watermarkField: z.string().min(1).max(200).default('updatedAt'),
    /** poll: a document whose `createdField` equals its watermark is reported as an insert, otherwise as an update. */
    createdField: z.string().min(1).max(200).default('createdAt'),
    pollIntervalMs: z.number().int().min(1_000).max(3_600_000).default(5_000),
    /** poll: how far behind the last watermark each poll looks again (clocks and commit order are not the same). */
    overlapMs: z.number().int().min(0).max(3_600_000).default(60_000),
    batchSize: z.number().int().min(1).max(1_000).default(100),
    paused,
  })
  .strict();
export type MongoTrigger = z.infer<typeof MongoTrigger>;

/** Runs of flows subscribed to an event type, from `POST /api/events` or `context.emit` in a code node. */
export const EventTrigger = z
  .object({
    type: z.literal('event'),
    id: TriggerId.default('event'),
    event: EventType,
    paused,
  })
  .strict();
export type EventTrigger = z.infer<typeof EventTrigger>;

/**
 * Third-party webhooks signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature`) or the
 * Stripe way (`Stripe-Signature: t=…,v1=…`), at `POST /triggers/signed/<workspace>/<source>`. The event id is the
 * de-duplication key; the event's type (at `typeField` of the JSON body) routes it to the flows that list it.
 */
export const SignedTrigger = z
  .object({
    type: z.literal('signed'),
    id: TriggerId.default('signed'),
    source: SourceName,
    scheme: z.enum(['standard', 'stripe']).default('standard'),
    /** Workspace variable holding the signing secret; several, separated by spaces, while a secret is rotated. */
    secretVariable: VariableRef,
    /** Event types that start this flow; `*` for all. */
    events: z
      .array(z.union([EventType, z.literal('*')]))
      .min(1)
      .max(100)
      .default(['*']),
    /** Where the event type is in the JSON body (a dotted path). */
    typeField: z.string().min(1).max(200).default('type'),
    toleranceSeconds: z.number().int().min(1).max(3_600).default(300),
    paused,
  })
  .strict();
export type SignedTrigger = z.infer<typeof SignedTrigger>;

/** Salesforce outbound messages (SOAP) at `POST /triggers/salesforce/<workspace>/<source>`; one run per notification. */
export const SalesforceTrigger = z
  .object({
    type: z.literal('salesforce'),
    id: TriggerId.default('salesforce'),
    source: SourceName,
    /** Messages from any other organization are refused (401). */
    organizationId: z
      .string()
      .regex(
        /^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/,
        'must be a Salesforce organization id (00D…, 15 or 18 characters)',
      ),
    /** Workspace variable holding a token the endpoint URL must carry as `?token=` (Salesforce cannot sign). */
    tokenVariable: VariableRef.optional(),
    /** sObject types that start this flow (`Account`, `Opportunity`); all when absent. */
    objects: z
      .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'must be an sObject API name'))
      .min(1)
      .max(50)
      .optional(),
    paused,
  })
  .strict();
export type SalesforceTrigger = z.infer<typeof SalesforceTrigger>;

/** S3 object events (AWS records, SNS, EventBridge, MinIO) at `POST /triggers/s3/<workspace>/<source>`. */
export const S3Trigger = z
  .object({
    type: z.literal('s3'),
    id: TriggerId.default('s3'),
    source: SourceName,
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    events: z
      .array(z.enum(['created', 'removed']))
      .min(1)
      .refine(unique, 'lists an event twice')
      .default(['created']),
    prefix: z.string().max(1_024).optional(),
    suffix: z.string().max(1_024).optional(),
    /** Workspace variable holding a bearer token deliveries must carry (`Authorization: Bearer …` or `?token=`). */
    tokenVariable: VariableRef.optional(),
    /**
     * Every this often, list the bucket (ListObjectsV2, with the uploads store's settings) and start runs for objects
     * created since the last scan whose events never arrived; only for the uploads bucket, under `<workspace>/`.
     */
    scanIntervalMs: z.number().int().min(5_000).max(86_400_000).optional(),
    paused,
  })
  .strict();
export type S3Trigger = z.infer<typeof S3Trigger>;

/** The kinds whose events are pushed to the gateway, each at `/triggers/<kind>/<workspace>/<source>`. */
export const PUSHED_KINDS = ['signed', 'salesforce', 's3'] as const;
export type PushedKind = (typeof PUSHED_KINDS)[number];

/** The kinds whose listener installs something in the source, to remove when the trigger goes. */
export const INSTALLING_KINDS = ['postgres'] as const;

export const SourceTrigger = z.discriminatedUnion('type', [
  PostgresTrigger,
  MongoTrigger,
  EventTrigger,
  SignedTrigger,
  SalesforceTrigger,
  S3Trigger,
]);
export type SourceTrigger = z.infer<typeof SourceTrigger>;
export type SourceKind = SourceTrigger['type'];

/** What a trigger of that kind subscribes to, among the triggers of a workspace: its source, or its event type. */
export function routeOf(trigger: SourceTrigger): string {
  switch (trigger.type) {
    case 'event':
      return trigger.event;
    case 'postgres':
      return `${trigger.schema}.${trigger.table}`;
    case 'mongodb':
      return `${trigger.database}.${trigger.collection}`;
    default:
      return trigger.source;
  }
}

/** Whether the trigger has a listener (a long-running Temporal workflow) reading its source from a position. */
export function isListened(trigger: SourceTrigger): boolean {
  return (
    trigger.type === 'postgres' ||
    trigger.type === 'mongodb' ||
    (trigger.type === 's3' && trigger.scanIntervalMs !== undefined)
  );
}
