/** The MongoDB trigger's readers: the change-stream resume logic against a test double of the driver's interface, and the polling rules. */
import { ObjectId } from 'mongodb';
import { MongoTrigger } from '../../flow/eventTriggers';
import {
  ChangeEvent,
  consumeChangeStream,
  parseWatermark,
  pollFilter,
  polledChange,
  ResumeTokenLostError,
  WatchableCollection,
} from '../../activities/triggers/mongoChanges';

const trigger = MongoTrigger.parse({
  type: 'mongodb',
  urlVariable: 'DB',
  database: 'crm',
  collection: 'contacts',
  mode: 'changeStream',
});

function change(n: number) {
  return {
    _id: { _data: `token-${n}` },
    operationType: 'insert',
    documentKey: { _id: n },
    fullDocument: { _id: n, name: `c${n}` },
    ns: { db: 'crm', coll: 'contacts' },
  };
}

/** A collection whose change stream yields `events` (null for "nothing yet"), recording how it was opened. */
function fakeCollection(events: Array<Record<string, unknown> | null | Error>) {
  const opened: Array<Record<string, unknown>> = [];
  let closed = 0;
  const collection: WatchableCollection = {
    watch: (_pipeline, options) => {
      opened.push(options);
      const queue = [...events];
      return {
        tryNext: async () => {
          const next = queue.shift();
          if (next instanceof Error) throw next;
          return next ?? null;
        },
        close: async () => void closed++,
      };
    },
  };
  return { collection, opened, closed: () => closed };
}

function untilCalls(limit: number): () => Promise<boolean> {
  let calls = 0;
  return async () => ++calls <= limit;
}

test('each event starts its run before its resume token is stored, in order', async () => {
  const { collection, opened, closed } = fakeCollection([change(1), null, change(2)]);
  const log: string[] = [];
  await consumeChangeStream(collection, trigger, {
    token: undefined,
    start: async (key, event: ChangeEvent) =>
      void log.push(`start ${key} ${event.operationType} ${JSON.stringify(event.documentKey)}`),
    store: async (token) => void log.push(`store ${token}`),
    keepGoing: untilCalls(3),
  });
  expect(log).toEqual([
    'start stream:{"_data":"token-1"} insert {"_id":1}',
    'store {"_data":"token-1"}',
    'start stream:{"_data":"token-2"} insert {"_id":2}',
    'store {"_data":"token-2"}',
  ]);
  expect(opened[0]).toMatchObject({ fullDocument: 'updateLookup' });
  expect(opened[0].startAfter).toBeUndefined();
  expect(closed()).toBe(1);
});

test('a run that fails to start leaves the token where it was, so the next listener reads that event again', async () => {
  const { collection } = fakeCollection([change(1), change(2)]);
  const stored: string[] = [];
  const failing = consumeChangeStream(collection, trigger, {
    token: undefined,
    start: async (key) => {
      if (key.includes('token-2')) throw new Error('Temporal is down');
    },
    store: async (token) => void stored.push(token),
    keepGoing: untilCalls(5),
  });
  await expect(failing).rejects.toThrow('Temporal is down');
  expect(stored).toEqual(['{"_data":"token-1"}']);
  const next = fakeCollection([change(2)]);
  await consumeChangeStream(next.collection, trigger, {
    token: stored[0],
    start: async () => undefined,
    store: async () => undefined,
    keepGoing: untilCalls(1),
  });
  expect(next.opened[0].startAfter).toEqual({ _data: 'token-1' });
});

test('a token past the oplog is a visible failure, not a silent skip; a server without change streams says to poll', async () => {
  const lost = fakeCollection([Object.assign(new Error('resume point lost'), { code: 286 })]);
  await expect(
    consumeChangeStream(lost.collection, trigger, {
      token: '{"_data":"old"}',
      start: async () => undefined,
      store: async () => undefined,
      keepGoing: untilCalls(2),
    }),
  ).rejects.toBeInstanceOf(ResumeTokenLostError);
  const ferret = fakeCollection([Object.assign(new Error('watch is not implemented'), { code: 238 })]);
  await expect(
    consumeChangeStream(ferret.collection, trigger, {
      token: undefined,
      start: async () => undefined,
      store: async () => undefined,
      keepGoing: untilCalls(2),
    }),
  ).rejects.toThrow(/use mode "poll"/);
});

describe('polling', () => {
  const polling = MongoTrigger.parse({
    type: 'mongodb',
    urlVariable: 'DB',
    database: 'crm',
    collection: 'contacts',
    overlapMs: 60_000,
  });

  test('a document is an insert when its created field equals its watermark, an update otherwise; its key changes with the watermark', () => {
    const id = new ObjectId();
    const at = new Date('2026-12-02T00:00:00Z');
    const inserted = polledChange(polling, { _id: id, createdAt: at, updatedAt: at, name: 'Ada' })!;
    expect(inserted.event).toEqual({
      _id: { poll: `"${id.toHexString()}"@${at.getTime()}` },
      operationType: 'insert',
      documentKey: { _id: id.toHexString() },
      fullDocument: { _id: id.toHexString(), createdAt: at.toISOString(), updatedAt: at.toISOString(), name: 'Ada' },
      updateDescription: null,
      ns: { db: 'crm', coll: 'contacts' },
      clusterTime: at.toISOString(),
    });
    const updated = polledChange(polling, {
      _id: id,
      createdAt: at,
      updatedAt: new Date(at.getTime() + 1),
      name: 'Ada L.',
    })!;
    expect(updated.event.operationType).toBe('update');
    expect(updated.key).not.toBe(inserted.key);
    expect(polledChange(polling, { _id: id, name: 'no watermark' })).toBeUndefined();
  });

  test('each poll looks back by the overlap from the last watermark', () => {
    expect(pollFilter(polling, { kind: 'date', value: 1_000_000 })).toEqual({ updatedAt: { $gte: new Date(940_000) } });
    expect(pollFilter(polling, { kind: 'number', value: 42 })).toEqual({ updatedAt: { $gte: 42 } });
    expect(pollFilter(polling, undefined)).toEqual({ updatedAt: { $exists: true } });
    expect(parseWatermark('{"kind":"empty"}')).toBeUndefined();
    expect(parseWatermark('{"kind":"date","value":5,"floor":5}')).toEqual({ kind: 'date', value: 5, floor: 5 });
  });
});
