/** Signed third-party webhooks (`signed` triggers): a subscriber whose secret verifies the signature gets the event if it lists its type. */
import { valueAt } from '../../flow/correlation';
import type { SignedTrigger } from '../../flow/eventTriggers';
import type { TriggerRecord } from '../../store/triggerRegistry';
import { HttpError } from '../errors';
import type { Accepted, PushedDelivery, Secrets, SourceAdapter } from './pushed';
import { secretsOf, Verdict, verifyStandardWebhook, verifyStripeSignature } from './signatures';

async function verify(trigger: SignedTrigger, delivery: PushedDelivery, secrets: Secrets): Promise<Verdict> {
  const value = await secrets(trigger.secretVariable);
  if (!value)
    return {
      ok: false,
      message: `the workspace variable "${trigger.secretVariable}" holding the signing secret is not set`,
    };
  const options = { secrets: secretsOf(value), toleranceSeconds: trigger.toleranceSeconds };
  return trigger.scheme === 'standard'
    ? verifyStandardWebhook(delivery.headers, delivery.raw, options)
    : verifyStripeSignature(delivery.headers, delivery.raw, options);
}

export const signedSource: SourceAdapter = {
  async accept(delivery, subscribers, secrets): Promise<Accepted> {
    const verified: Array<{ record: TriggerRecord; trigger: SignedTrigger; eventId?: string }> = [];
    let refusal = 'no subscriber';
    for (const record of subscribers) {
      const trigger = record.trigger as SignedTrigger;
      const verdict = await verify(trigger, delivery, secrets);
      if (verdict.ok) verified.push({ record, trigger, eventId: verdict.eventId });
      else refusal = verdict.message;
    }
    if (verified.length === 0) throw new HttpError(401, 'unauthorized', `signature refused: ${refusal}`);
    let body: unknown;
    try {
      body = JSON.parse(delivery.raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_body', 'the event is not JSON');
    }
    const matched = verified.map(({ record, trigger, eventId }) => {
      const type = valueAt(body, trigger.typeField);
      if (typeof type !== 'string')
        throw new HttpError(400, 'invalid_body', `the event has no string type at "${trigger.typeField}"`);
      // Standard Webhooks name the event in a header; Stripe in the body's `id`.
      const id = eventId ?? valueAt(body, 'id');
      if (typeof id !== 'string' || id === '') throw new HttpError(400, 'invalid_body', 'the event has no string "id"');
      const wanted = trigger.events.includes('*') || trigger.events.includes(type);
      return {
        record,
        events: wanted
          ? [{ key: `${trigger.scheme}:${id}`, source: `signed ${delivery.source} ${type}`, payload: body }]
          : [],
      };
    });
    return { matched };
  },
};
