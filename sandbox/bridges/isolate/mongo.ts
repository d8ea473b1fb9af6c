/**
 * In-isolate code (evaluated from its source text: self-contained, V8 built-ins only). The globals `MongoClient`
 * and `ObjectId`. A client holds only the number the host gave it; each collection method is one host call
 * (`mongo.call`). Values cross as Extended JSON: ObjectId ⇄ `{ $oid }`, Date ⇄ `{ $date }`, RegExp ⇄
 * `{ $regularExpression }`. Documents come back with `_id` as an ObjectId here, whose JSON form is its hex string.
 */
import type { HostCaller } from './hostCaller';

type Doc = Record<string, unknown>;

export function installMongoShim(callHost: HostCaller): void {
  const keys = Object.keys;
  const isArray = Array.isArray;
  const freeze = Object.freeze;
  const defineProperty = Object.defineProperty;
  const HEX = /^[0-9a-f]{24}$/i;
  let counter = Math.floor(Math.random() * 0xffffff);
  const processUnique = Array.from({ length: 5 }, () => Math.floor(Math.random() * 256));

  const hexByte = (byte: number) => (byte & 0xff).toString(16).padStart(2, '0');
  const newObjectIdHex = () => {
    const seconds = Math.floor(Date.now() / 1000);
    counter = (counter + 1) % 0x1000000;
    const bytes = [
      seconds >>> 24,
      seconds >>> 16,
      seconds >>> 8,
      seconds,
      ...processUnique,
      counter >>> 16,
      counter >>> 8,
      counter,
    ];
    return bytes.map(hexByte).join('');
  };

  class ObjectId {
    declare readonly $hex: string;
    constructor(id?: string | ObjectId) {
      const hex = id === undefined ? newObjectIdHex() : id instanceof ObjectId ? id.toHexString() : String(id);
      if (!HEX.test(hex)) throw new TypeError('ObjectId expects a 24-character hex string');
      defineProperty(this, '$hex', { value: hex.toLowerCase(), enumerable: false });
      freeze(this);
    }
    static isValid(id: unknown): boolean {
      return id instanceof ObjectId || (typeof id === 'string' && HEX.test(id));
    }
    static createFromHexString(hex: string): ObjectId {
      return new ObjectId(hex);
    }
    toHexString(): string {
      return this.$hex;
    }
    toString(): string {
      return this.$hex;
    }
    toJSON(): string {
      return this.$hex;
    }
    equals(other: unknown): boolean {
      return (other instanceof ObjectId || typeof other === 'string') && String(other).toLowerCase() === this.$hex;
    }
    getTimestamp(): Date {
      return new Date(parseInt(this.$hex.slice(0, 8), 16) * 1000);
    }
  }

  /** A value as Extended JSON, ready to cross to the host. */
  const toWire = (value: unknown, depth: number): unknown => {
    if (depth > 100) throw new RangeError('the document is nested too deeply');
    if (value instanceof ObjectId) return { $oid: value.toHexString() };
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw new TypeError('Invalid Date in a MongoDB document');
      return { $date: value.toISOString() };
    }
    if (value instanceof RegExp)
      return { $regularExpression: { pattern: value.source, options: value.flags.replace(/[^imsux]/g, '') } };
    if (typeof value === 'bigint') return { $numberLong: value.toString() };
    if (isArray(value)) return value.map((item) => toWire(item, depth + 1));
    if (value !== null && typeof value === 'object') {
      const wire: Doc = {};
      for (const key of keys(value)) {
        const item = (value as Doc)[key];
        if (item !== undefined && typeof item !== 'function') wire[key] = toWire(item, depth + 1);
      }
      return wire;
    }
    return value;
  };

  /** Extended JSON from the host, with ObjectIds and Dates turned back into objects. */
  const fromWire = (value: unknown): unknown => {
    if (isArray(value)) return value.map(fromWire);
    if (value === null || typeof value !== 'object') return value;
    const record = value as Doc;
    const fields = keys(record);
    if (fields.length === 1 && typeof record.$oid === 'string') return new ObjectId(record.$oid);
    if (fields.length === 1 && record.$date !== undefined) {
      const date = record.$date as string | { $numberLong: string };
      return new Date(typeof date === 'string' ? date : Number(date.$numberLong));
    }
    const plain: Doc = {};
    for (const key of fields) plain[key] = fromWire(record[key]);
    return plain;
  };

  const makeCursor = (run: (options: Doc) => Promise<unknown>, initial: Doc) => {
    const options: Doc = { ...initial };
    let buffered: unknown[] | undefined;
    let position = 0;
    const load = async () => {
      if (!buffered) buffered = (await run(options)) as unknown[];
      return buffered;
    };
    const cursor = {
      sort(sort: unknown, direction?: unknown) {
        options.sort = typeof sort === 'string' ? { [sort]: direction ?? 1 } : sort;
        return cursor;
      },
      limit(limit: number) {
        options.limit = limit;
        return cursor;
      },
      skip(skip: number) {
        options.skip = skip;
        return cursor;
      },
      project(projection: unknown) {
        options.projection = projection;
        return cursor;
      },
      async toArray() {
        const all = await load();
        const rest = all.slice(position);
        position = all.length;
        return rest;
      },
      async next() {
        const all = await load();
        return position < all.length ? all[position++] : null;
      },
      async hasNext() {
        return position < (await load()).length;
      },
      async forEach(each: (document: unknown) => unknown) {
        for (const document of await cursor.toArray()) {
          if ((await each(document)) === false) break;
        }
      },
      async close() {
        position = buffered ? buffered.length : 0;
      },
      [Symbol.asyncIterator]() {
        return {
          next: async () =>
            (await cursor.hasNext()) ? { value: await cursor.next(), done: false } : { value: undefined, done: true },
        };
      },
    };
    return cursor;
  };

  function MongoClient(this: unknown, uri: string, clientOptions?: Doc) {
    if (!new.target) throw new TypeError("Class constructor MongoClient cannot be invoked without 'new'");
    if (typeof uri !== 'string' || uri.length === 0)
      throw new TypeError('MongoClient needs a connection string (for example env.MONGODB_URI)');
    const defaultDb = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/.exec(uri)?.[1];
    const wireOptions = toWire(clientOptions ?? {}, 0);
    let connecting: Promise<number> | undefined;
    const connected = () => {
      // Like the real driver, the first operation connects when connect() was not awaited.
      if (!connecting) connecting = callHost('mongo.connect', { uri, options: wireOptions }) as Promise<number>;
      return connecting;
    };
    const call = async (db: string | undefined, collection: string, method: string, args: unknown[]) => {
      const id = await connected();
      const wireArgs = args.map((arg) => (arg === undefined ? null : toWire(arg, 0)));
      return fromWire(await callHost('mongo.call', { client: id, db, collection, method, args: wireArgs }));
    };
    const collectionOf = (db: string | undefined, name: string) => {
      if (typeof name !== 'string' || name.length === 0) throw new TypeError('collection() needs a name');
      const method =
        (methodName: string) =>
        (...args: unknown[]) =>
          call(db, name, methodName, args);
      return freeze({
        collectionName: name,
        find: (filter?: Doc, options?: Doc) =>
          makeCursor((cursorOptions) => call(db, name, 'find', [filter ?? {}, cursorOptions]), { ...(options ?? {}) }),
        aggregate: (pipeline: unknown[], options?: Doc) =>
          makeCursor(() => call(db, name, 'aggregate', [pipeline, options ?? {}]), {}),
        findOne: method('findOne'),
        insertOne: method('insertOne'),
        insertMany: method('insertMany'),
        updateOne: method('updateOne'),
        updateMany: method('updateMany'),
        replaceOne: method('replaceOne'),
        deleteOne: method('deleteOne'),
        deleteMany: method('deleteMany'),
        countDocuments: method('countDocuments'),
        estimatedDocumentCount: method('estimatedDocumentCount'),
        distinct: method('distinct'),
        findOneAndUpdate: method('findOneAndUpdate'),
        findOneAndReplace: method('findOneAndReplace'),
        findOneAndDelete: method('findOneAndDelete'),
        bulkWrite: method('bulkWrite'),
        createIndex: method('createIndex'),
      });
    };
    const client = {
      async connect() {
        await connected();
        return client;
      },
      db(name?: string) {
        const dbName = name ?? (defaultDb ? decodeURIComponent(defaultDb) : undefined);
        return freeze({
          databaseName: dbName ?? 'test',
          collection: (collectionName: string) => collectionOf(dbName, collectionName),
        });
      },
      async close() {
        if (!connecting) return;
        const pending = connecting;
        connecting = undefined;
        const id = await pending.catch(() => undefined);
        if (id !== undefined) await callHost('mongo.close', { client: id });
      },
    };
    return freeze(client);
  }

  /** The driver's shorthand: `await MongoClient.connect(uri)` answers a connected client. */
  type ClientConstructor = new (uri: string, clientOptions?: Doc) => { connect(): Promise<unknown> };
  const Client = MongoClient as unknown as ClientConstructor;
  defineProperty(MongoClient, 'connect', {
    value: (uri: string, clientOptions?: Doc) => new Client(uri, clientOptions).connect(),
  });
  defineProperty(globalThis, 'MongoClient', {
    value: MongoClient,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  defineProperty(globalThis, 'ObjectId', { value: ObjectId, writable: true, configurable: true, enumerable: false });
}
