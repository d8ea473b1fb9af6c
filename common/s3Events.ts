/**
 * S3 object events in the shapes S3-compatible servers send them, reduced to one: AWS notification records
 * (`Records[].s3.object`, keys URL-encoded with "+" for space; versitygw and MinIO send the same records, MinIO inside its
 * own envelope, versitygw with an "s3:" prefix on event names) and EventBridge's "Object Created"/"Object Deleted"
 * events (keys as they are). Pure: no I/O; shared by the gateway (pushed events) and the worker (reconciliation scans).
 */

/** The body is not an S3 notification; the message says why (the gateway answers 400 with it). */
export class S3NotificationError extends Error {
  override name = 'S3NotificationError';
}

/** An object event as a run receives it (`context.trigger.payload`), in S3's own field names. */
export interface S3ObjectEvent {
  /** `ObjectCreated:Put`, `ObjectRemoved:Delete`, … (without an "s3:" prefix). */
  eventName: string;
  eventTime: string | null;
  bucket: string;
  /** Decoded. */
  key: string;
  size: number | null;
  /** Without the quotes some servers put around it. */
  eTag: string | null;
  versionId: string | null;
  sequencer: string | null;
}

export type S3EventKind = 'created' | 'removed';

export function kindOf(event: S3ObjectEvent): S3EventKind | undefined {
  if (event.eventName.startsWith('ObjectCreated:')) return 'created';
  if (event.eventName.startsWith('ObjectRemoved:')) return 'removed';
  return undefined;
}

/** `a+b%2Fc` → `a b/c`; a key that is not valid URL encoding is kept as it came. */
export function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

const stripQuotes = (eTag: unknown) => (typeof eTag === 'string' && eTag !== '' ? eTag.replace(/^"|"$/g, '') : null);
const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function invalid(message: string): S3NotificationError {
  return new S3NotificationError(message);
}

function fromRecord(record: unknown, index: number): S3ObjectEvent {
  const r = record as {
    eventName?: unknown;
    eventTime?: unknown;
    s3?: { bucket?: { name?: unknown }; object?: Record<string, unknown> };
  };
  const object = r?.s3?.object;
  if (typeof r?.eventName !== 'string' || typeof r.s3?.bucket?.name !== 'string' || typeof object?.key !== 'string') {
    throw invalid(`Records[${index}] needs eventName, s3.bucket.name and s3.object.key`);
  }
  return {
    eventName: r.eventName.replace(/^s3:/, ''),
    eventTime: text(r.eventTime),
    bucket: r.s3.bucket.name,
    key: decodeKey(object.key),
    size: number(object.size),
    eTag: stripQuotes(object.eTag ?? object.etag),
    versionId: text(object.versionId),
    sequencer: text(object.sequencer),
  };
}

function fromEventBridge(event: Record<string, unknown>): S3ObjectEvent {
  const detail = event.detail as { bucket?: { name?: unknown }; object?: Record<string, unknown> } | undefined;
  const type = event['detail-type'];
  if (typeof detail?.bucket?.name !== 'string' || typeof detail.object?.key !== 'string')
    throw invalid('an EventBridge event needs detail.bucket.name and detail.object.key');
  return {
    eventName:
      type === 'Object Deleted'
        ? 'ObjectRemoved:Delete'
        : `ObjectCreated:${typeof detail.object.reason === 'string' ? detail.object.reason : 'Put'}`,
    eventTime: text(event.time),
    bucket: detail.bucket.name,
    key: detail.object.key,
    size: number(detail.object.size),
    eTag: stripQuotes(detail.object.etag),
    versionId: text(detail.object['version-id']),
    sequencer: text(detail.object.sequencer),
  };
}

/**
 * The object events a notification holds: none for S3's `s3:TestEvent` (sent when notifications are configured) and for
 * EventBridge events about anything but objects; 400 for anything that is not an S3 notification.
 */
export function parseS3Notification(body: unknown): S3ObjectEvent[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('an S3 notification is a JSON object');
  const value = body as Record<string, unknown>;
  if (value.Event === 's3:TestEvent') return [];
  if (typeof value['detail-type'] === 'string' && value.source === 'aws.s3') {
    return value['detail-type'] === 'Object Created' || value['detail-type'] === 'Object Deleted'
      ? [fromEventBridge(value)]
      : [];
  }
  if (Array.isArray(value.Records)) return value.Records.map(fromRecord);
  throw invalid('not an S3 notification: no Records, and not an EventBridge "aws.s3" event');
}

/**
 * The identity a run of a created object is named after. Created objects are named by bucket, key, version and ETag
 * rather than the sequencer, so that an event and the reconciliation scan (which sees no sequencer) name the same run;
 * a removal, which has no ETag, by its sequencer.
 */
export function objectEventKey(
  event: Pick<S3ObjectEvent, 'eventName' | 'bucket' | 'key' | 'versionId' | 'eTag' | 'sequencer'>,
): string {
  const kind = kindOf(event as S3ObjectEvent);
  if (kind === 'created' && event.eTag)
    return `object:${event.bucket}\0${event.key}\0${event.versionId ?? ''}\0${event.eTag}`;
  return `${kind ?? event.eventName}:${event.bucket}\0${event.key}\0${event.versionId ?? ''}\0${event.sequencer ?? ''}`;
}

/** Whether a trigger with these filters wants the event. */
export function wanted(
  filter: { bucket: string; events: S3EventKind[]; prefix?: string; suffix?: string },
  event: S3ObjectEvent,
): boolean {
  const kind = kindOf(event);
  return (
    kind !== undefined &&
    filter.events.includes(kind) &&
    event.bucket === filter.bucket &&
    event.key.startsWith(filter.prefix ?? '') &&
    event.key.endsWith(filter.suffix ?? '')
  );
}
