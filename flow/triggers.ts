import { z } from 'zod';
import { SourceTrigger, TriggerId } from './eventTriggers';
import { cronProblem } from './cron';
import { INLINE_PAYLOAD_MAX_BYTES } from './limits';

/**
 * How runs of a flow start besides the API: webhooks, cron schedules and the event kinds of flow/eventTriggers.ts.
 * Part of the flow definition.
 */

const HeaderName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,100}$/, 'must be an HTTP header name')
  .transform((name) => name.toLowerCase());

export const WebhookAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('header'),
      header: HeaderName.default('x-api-key'),
      value: z.string().min(8, 'a header key needs at least 8 characters').max(500),
    })
    .strict(),
  z
    .object({
      type: z.literal('basic'),
      username: z
        .string()
        .min(1)
        .max(200)
        .regex(/^[^:]*$/, 'must not contain ":"'),
      password: z.string().min(8, 'a password needs at least 8 characters').max(500),
    })
    .strict(),
  z
    .object({
      type: z.literal('hmac'),
      secret: z.string().min(16, 'an HMAC secret needs at least 16 characters').max(500),
      /** Carries `sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
      header: HeaderName.default('x-nectar-signature'),
      /** Unix seconds; requests further than the tolerance from now are refused, so a captured request cannot be replayed later. */
      timestampHeader: HeaderName.default('x-nectar-timestamp'),
      toleranceSeconds: z.number().int().min(1).max(3_600).default(300),
    })
    .strict(),
]);
export type WebhookAuth = z.infer<typeof WebhookAuth>;

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

export const WebhookTrigger = z
  .object({
    type: z.literal('webhook'),
    auth: WebhookAuth.default({ type: 'none' }),
    /** async: 202 with the run id at once; sync: the flow's result (or the `response` it sets), 202 past the timeout. */
    respond: z.enum(['async', 'sync']).default('async'),
    timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
    methods: z.array(z.enum(HTTP_METHODS)).min(1).optional(),
  })
  .strict();
export type WebhookTrigger = z.infer<typeof WebhookTrigger>;

export const OVERLAP_POLICIES = [
  'skip',
  'buffer_one',
  'buffer_all',
  'cancel_other',
  'terminate_other',
  'allow_all',
] as const;

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const CronTrigger = z
  .object({
    type: z.literal('cron'),
    /** Names the schedule; stable across versions so a new version updates it rather than replacing it. */
    id: TriggerId.default('cron'),
    cron: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .superRefine((expression, context) => {
        const problem = cronProblem(expression);
        if (problem) context.addIssue({ code: 'custom', message: `not a cron expression Temporal reads: ${problem}` });
      }),
    timezone: z.string().default('UTC').refine(isTimeZone, 'must be an IANA time zone like "America/New_York"'),
    overlap: z.enum(OVERLAP_POLICIES).default('skip'),
    /** Runs missed while everything was down are made up when within this window (Temporal's minimum is 10 s). */
    catchupWindowMs: z
      .number()
      .int()
      .min(10_000)
      .max(366 * 86_400_000)
      .default(86_400_000),
    paused: z.boolean().default(false),
    /** The payload each scheduled run receives as its entry nodes' input: carried inline by each run it starts. */
    input: z
      .unknown()
      .optional()
      .refine(
        // The definition's shape was checked when it entered, so JSON.stringify cannot recurse too deep.
        (input) => (JSON.stringify(input) ?? '').length <= INLINE_PAYLOAD_MAX_BYTES,
        `a schedule's input is at most ${INLINE_PAYLOAD_MAX_BYTES} characters of JSON (INLINE_PAYLOAD_MAX_BYTES): the schedule hands it to each run inline; keep larger data elsewhere and fetch it in the flow`,
      ),
  })
  .strict();
export type CronTrigger = z.infer<typeof CronTrigger>;

export const FlowTrigger = z.discriminatedUnion('type', [WebhookTrigger, CronTrigger, ...SourceTrigger.options]);
export type FlowTrigger = z.infer<typeof FlowTrigger>;

/** The flow's webhook trigger (a flow has at most one), if it has one. */
export function webhookTriggerOf(definition: { triggers?: FlowTrigger[] } | undefined): WebhookTrigger | undefined {
  return definition?.triggers?.find((trigger): trigger is WebhookTrigger => trigger.type === 'webhook');
}

export const FlowTriggers = z
  .array(FlowTrigger)
  .max(20)
  .superRefine((triggers, context) => {
    if (triggers.filter((trigger) => trigger.type === 'webhook').length > 1) {
      context.addIssue({ code: 'custom', message: 'a flow has at most one webhook trigger' });
    }
    // Triggers are addressed by id (schedules, pause and resume, run ids of events): one id, one trigger.
    const seen = new Set<string>();
    triggers.forEach((trigger, index) => {
      if (trigger.type === 'webhook') return;
      if (seen.has(trigger.id))
        context.addIssue({
          code: 'custom',
          path: [index, 'id'],
          message: `duplicate trigger id "${trigger.id}": give each trigger its own "id"`,
        });
      seen.add(trigger.id);
    });
  });

/** The flow's event triggers (every kind but webhook and cron). */
export function sourceTriggersOf(definition: { triggers?: FlowTrigger[] } | undefined): SourceTrigger[] {
  return (definition?.triggers ?? []).filter(
    (trigger): trigger is SourceTrigger => trigger.type !== 'webhook' && trigger.type !== 'cron',
  );
}
