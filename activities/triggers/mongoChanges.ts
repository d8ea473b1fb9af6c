/**
 * MongoDB collection changes as change events, read two ways so a flow runs unchanged on either:
 *  - change streams (replica sets, Atlas): `watch()` from the stored resume token; each event's run is started before
 *    its token is stored, so a listener that dies re-reads at most the events whose runs it started (their run ids,
 *    derived from the token, find them);
 *  - polling on a watermark field (servers without change streams, such as FerretDB): documents whose watermark is at or
 *    past the last one less an overlap (writers' clocks and commit order differ), de-duplicated by run id (document id +
 *    watermark value), so a document written again runs again and one seen twice does not. Deletions leave no document
 *    to find: polling does not see them (use a soft-delete field that moves the watermark).
 */
import type { ChangeStreamDocument, Collection, Document } from 'mongodb';
import type { MongoTrigger } from '../../flow/eventTriggers';

/** A change as the run receives it (`context.trigger.payload`): MongoDB's change event, as JSON. */
export interface ChangeEvent {
  _id: unknown;
  operationType: string;
  documentKey: { _id: unknown } | null;
  fullDocument: Record<string, unknown> | null;
  updateDescription: unknown;
  ns: { db: string; coll: string };
  clusterTime: string | null;
}

/** Plain JSON: ObjectIds as hex strings, Dates as ISO strings (how a node's result shows them too). */
export function asJson<T = unknown>(value: unknown): T {
  return JSON.parse(JSON.stringify(value ?? null)) as T;
}

/** The watermark as stored in the trigger's position. */
export interface Watermark {
  kind: 'date' | 'number';
  value: number;
  /** The newest watermark when the trigger started: documents at or below it are from before the trigger, never run. */
  floor?: number;
}

export function parseWatermark(position: string | undefined): Watermark | undefined {
  if (!position) return undefined;
  try {
    const parsed = JSON.parse(position) as Watermark;
    return (parsed.kind === 'date' || parsed.kind === 'number') && typeof parsed.value === 'number'
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

function watermarkOf(document: Document, field: string): Watermark | undefined {
  const value: unknown = document[field];
  if (value instanceof Date) return { kind: 'date', value: value.getTime() };
  if (typeof value === 'number' && Number.isFinite(value)) return { kind: 'number', value };
  return undefined;
}

/** The query of a poll: watermarks from the last one less the overlap (dates) or from the last one (numbers). */
export function pollFilter(trigger: MongoTrigger, since: Watermark | undefined): Document {
  if (!since) return { [trigger.watermarkField]: { $exists: true } };
  const from = since.kind === 'date' ? new Date(since.value - trigger.overlapMs) : since.value;
  return { [trigger.watermarkField]: { $gte: from } };
}

/** A polled document as a change event, and the key its run is named after. */
export function polledChange(
  trigger: MongoTrigger,
  document: Document,
): { key: string; event: ChangeEvent; watermark: Watermark } | undefined {
  const watermark = watermarkOf(document, trigger.watermarkField);
  if (!watermark) return undefined;
  const created: unknown = document[trigger.createdField];
  const createdValue = created instanceof Date ? created.getTime() : created;
  const operationType = createdValue === watermark.value ? 'insert' : 'update';
  const id = asJson(document._id);
  return {
    key: `poll:${JSON.stringify(id)}\0${watermark.value}`,
    watermark,
    event: {
      _id: { poll: `${JSON.stringify(id)}@${watermark.value}` },
      operationType,
      documentKey: { _id: id },
      fullDocument: asJson(document),
      updateDescription: null,
      ns: { db: trigger.database, coll: trigger.collection },
      clusterTime: watermark.kind === 'date' ? new Date(watermark.value).toISOString() : null,
    },
  };
}

/** Where a new trigger starts: the collection's newest watermark (its documents are from before the trigger), or none yet. */
export async function initialWatermark(
  collection: Pick<Collection, 'find'>,
  trigger: MongoTrigger,
): Promise<Watermark | undefined> {
  const [newest] = await collection
    .find({ [trigger.watermarkField]: { $exists: true } })
    .sort({ [trigger.watermarkField]: -1 })
    .limit(1)
    .toArray();
  const watermark = newest ? watermarkOf(newest, trigger.watermarkField) : undefined;
  return watermark && { ...watermark, floor: watermark.value };
}

export interface PollOutcome {
  watermark: Watermark | undefined;
  started: number;
  seen: number;
}

/**
 * One poll: every document at or past the watermark (less the overlap), in watermark order, page by page; `start`
 * starts a change's run (true when new). Answers the new watermark: the highest seen.
 */
export async function pollOnce(
  collection: Pick<Collection, 'find'>,
  trigger: MongoTrigger,
  since: Watermark | undefined,
  start: (key: string, event: ChangeEvent) => Promise<boolean>,
): Promise<PollOutcome> {
  let watermark = since;
  let started = 0;
  let seen = 0;
  const cursor = collection
    .find(pollFilter(trigger, since))
    .sort({ [trigger.watermarkField]: 1, _id: 1 })
    .batchSize(trigger.batchSize);
  for await (const document of cursor) {
    const change = polledChange(trigger, document);
    if (!change) continue;
    if (since?.floor !== undefined && change.watermark.value <= since.floor) continue;
    if (!watermark || change.watermark.value > watermark.value)
      watermark = { ...change.watermark, floor: since?.floor };
    if (!trigger.operations.includes(change.event.operationType as 'insert')) continue;
    seen++;
    if (await start(change.key, change.event)) started++;
  }
  return { watermark, started, seen };
}

/** What the change-stream reader needs of a collection: the driver's `watch`, or a test double. */
export interface WatchableCollection {
  watch(pipeline: Document[], options: Document): ChangeStreamLike;
}

export interface ChangeStreamLike {
  tryNext(): Promise<ChangeStreamDocument | Document | null>;
  close(): Promise<void>;
}

export class ResumeTokenLostError extends Error {
  override name = 'ResumeTokenLostError';
}

const CHANGE_STREAM_HISTORY_LOST = 286;
const NOT_IMPLEMENTED = 238;

/** A change stream's event as JSON, the run key its resume token gives. */
export function streamedChange(change: Document): { key: string; event: ChangeEvent; token: string } {
  const token = JSON.stringify(asJson(change._id));
  const clusterTime = change.clusterTime as { getHighBits?: () => number; high?: number } | undefined;
  return {
    key: `stream:${token}`,
    token,
    event: {
      _id: asJson(change._id),
      operationType: change.operationType as string,
      documentKey: asJson(change.documentKey ?? null),
      fullDocument: asJson(change.fullDocument ?? null),
      updateDescription: asJson(change.updateDescription ?? null),
      ns: change.ns as ChangeEvent['ns'],
      clusterTime: clusterTime
        ? new Date(Number(clusterTime.getHighBits?.() ?? clusterTime.high ?? 0) * 1000).toISOString()
        : null,
    },
  };
}

/**
 * Reads a change stream from `token` until `until` says stop; for each event, starts its run, then stores its token.
 * A token past the oplog's history (the stream cannot resume) is a ResumeTokenLostError: events were missed, and the
 * trigger fails visibly instead of skipping them.
 */
export async function consumeChangeStream(
  collection: WatchableCollection,
  trigger: MongoTrigger,
  options: {
    token: string | undefined;
    start: (key: string, event: ChangeEvent) => Promise<void>;
    store: (token: string) => Promise<void>;
    keepGoing: () => Promise<boolean>;
  },
): Promise<void> {
  const pipeline = [{ $match: { operationType: { $in: trigger.operations } } }];
  const stream = collection.watch(pipeline, {
    fullDocument: 'updateLookup',
    maxAwaitTimeMS: 1_000,
    ...(options.token ? { startAfter: JSON.parse(options.token) as unknown } : {}),
  });
  try {
    while (await options.keepGoing()) {
      let change: Document | null;
      try {
        change = await stream.tryNext();
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === CHANGE_STREAM_HISTORY_LOST)
          throw new ResumeTokenLostError(
            'the stored resume token is past the oplog: changes since were lost; remove and re-add the trigger to start from now',
          );
        if (code === NOT_IMPLEMENTED)
          throw new Error('this server has no change streams (FerretDB, a standalone mongod): use mode "poll"', {
            cause: error,
          });
        throw error;
      }
      if (!change) continue;
      const { key, event, token } = streamedChange(change);
      await options.start(key, event);
      await options.store(token);
    }
  } finally {
    await stream.close().catch(() => undefined);
  }
}
