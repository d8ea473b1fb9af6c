/**
 * S3 object events (`s3` triggers) at `/triggers/s3/<workspace>/<source>`: AWS records (as S3, versitygw and MinIO post
 * them), EventBridge events, or either inside an SNS HTTP notification (signature verified, subscription confirmed).
 */
import type { S3Trigger } from '../../flow/eventTriggers';
import { objectEventKey, parseS3Notification, S3NotificationError, S3ObjectEvent, wanted } from '../../common/s3Events';
import type { TriggerRecord } from '../../store/triggerRegistry';
import { HttpError } from '../errors';
import { Accepted, json, PushedDelivery, Secrets, SourceAdapter, tokenAccepted } from './pushed';
import { parseSnsMessage, SnsError, SnsVerifier } from './sns';

export interface S3SourceOptions {
  sns: SnsVerifier;
  /** Where a run can read the object through the API, when the product can read it; undefined otherwise. */
  objectUrl: (workspace: string, event: S3ObjectEvent) => string | undefined;
}

function parseJson(raw: Buffer, what: string): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_body', `${what} is not JSON`);
  }
}

function notification(body: unknown): S3ObjectEvent[] {
  try {
    return parseS3Notification(body);
  } catch (error) {
    if (error instanceof S3NotificationError) throw new HttpError(400, 'invalid_body', error.message);
    throw error;
  }
}

/** SnsError as the HTTP error it is answered with. */
function asHttpError<T>(status: 400 | 401, action: () => T): T {
  const rethrow = (error: unknown): never => {
    if (error instanceof SnsError)
      throw new HttpError(status, status === 400 ? 'invalid_body' : 'unauthorized', error.message);
    throw error;
  };
  try {
    const result = action();
    return (result instanceof Promise ? result.catch(rethrow) : result) as T;
  } catch (error) {
    return rethrow(error);
  }
}

async function tokenHolders(
  delivery: PushedDelivery,
  subscribers: TriggerRecord[],
  secrets: Secrets,
): Promise<TriggerRecord[]> {
  const holders: TriggerRecord[] = [];
  for (const record of subscribers)
    if (await tokenAccepted(delivery, (record.trigger as S3Trigger).tokenVariable, secrets)) holders.push(record);
  if (holders.length === 0) throw new HttpError(401, 'unauthorized', 'a missing or wrong token');
  return holders;
}

export function createS3Source(options: S3SourceOptions): SourceAdapter {
  return {
    async accept(delivery, subscribers, secrets): Promise<Accepted> {
      const snsType = delivery.headers['x-amz-sns-message-type'];
      let events: S3ObjectEvent[];
      if (snsType !== undefined) {
        const message = asHttpError(400, () => parseSnsMessage(parseJson(delivery.raw, 'the SNS message')));
        await asHttpError(401, () => options.sns.verify(message));
        const holders = await tokenHolders(delivery, subscribers, secrets);
        if (message.Type === 'SubscriptionConfirmation') {
          await options.sns.confirm(message).catch((error: Error) => {
            throw new HttpError(
              502,
              'confirmation_failed',
              `the subscription could not be confirmed: ${error.message}`,
            );
          });
          return { matched: [], answer: () => json(200, { confirmed: message.TopicArn }) };
        }
        if (message.Type === 'UnsubscribeConfirmation') return { matched: [], answer: () => json(200, { runs: [] }) };
        events = notification(parseJson(Buffer.from(message.Message), 'the SNS Message'));
        return route(holders, events);
      }
      const holders = await tokenHolders(delivery, subscribers, secrets);
      events = notification(parseJson(delivery.raw, 'the notification'));
      return route(holders, events);

      function route(records: TriggerRecord[], found: S3ObjectEvent[]): Accepted {
        return {
          matched: records.map((record) => ({
            record,
            events: found
              .filter((event) => wanted(record.trigger as S3Trigger, event))
              .map((event) => {
                const url = options.objectUrl(record.workspace, event);
                return {
                  key: objectEventKey(event),
                  source: `s3 ${event.bucket}`,
                  payload: { ...event, ...(url ? { object: { url } } : {}) },
                };
              }),
          })),
        };
      }
    },
  };
}
