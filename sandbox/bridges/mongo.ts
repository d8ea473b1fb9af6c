/**
 * The host side of `MongoClient`: real driver clients, held here and known to the isolate only by a number. Values
 * cross as Extended JSON (relaxed): the isolate turns `{ $oid }` into its own ObjectId objects and `{ $date }` into
 * Dates, and sends them back the same way. Every connection the driver opens goes through the egress lookup hook;
 * every client is closed when the execution ends.
 */
import { AnyBulkWriteOperation, BSON, Document, MongoClient, MongoClientOptions } from 'mongodb';
import { z } from 'zod';
import { EgressDeniedError, EgressGuard } from '../egress';
import { checkMongoTarget, splitHostAndPort } from './mongoUri';
import { BridgeError, BridgeSession, CallScope, tooLarge } from './session';

const MAX_CLIENTS_PER_EXECUTION = 4;
const MAX_POOL_SIZE = 5;

const ConnectRequest = z.object({
  uri: z.string().min(1, 'MongoClient needs a connection string'),
  options: z.record(z.string(), z.unknown()).default({}),
});
const CallRequest = z.object({
  client: z.number().int(),
  db: z.string().optional(),
  collection: z.string().min(1),
  method: z.string(),
  args: z.array(z.unknown()).max(4),
});
const CloseRequest = z.object({ client: z.number().int() });

/** Per-call option names passed to the driver; the rest (sessions, explain, …) make no sense across the bridge. */
const CALL_OPTIONS = [
  'projection',
  'sort',
  'limit',
  'skip',
  'upsert',
  'returnDocument',
  'arrayFilters',
  'hint',
  'collation',
  'maxTimeMS',
  'ordered',
  'allowDiskUse',
  'comment',
];

type Collection = ReturnType<ReturnType<MongoClient['db']>['collection']>;
type MethodHandler = (collection: Collection, args: Document[], scope: CallScope) => Promise<unknown>;

const METHODS: Record<string, MethodHandler> = {
  find: (collection, [filter, options], scope) =>
    readAll(collection.find(filter ?? {}, readOptions(options, scope)), scope),
  aggregate: (collection, [pipeline, options], scope) =>
    readAll(collection.aggregate(asArray(pipeline), readOptions(options, scope)), scope),
  findOne: (collection, [filter, options], scope) => collection.findOne(filter ?? {}, readOptions(options, scope)),
  insertOne: (collection, [document]) => collection.insertOne(document ?? {}),
  insertMany: (collection, [documents, options]) => collection.insertMany(asArray(documents), callOptions(options)),
  updateOne: (collection, [filter, update, options]) =>
    collection.updateOne(filter ?? {}, update, callOptions(options)),
  updateMany: (collection, [filter, update, options]) =>
    collection.updateMany(filter ?? {}, update, callOptions(options)),
  replaceOne: (collection, [filter, replacement, options]) =>
    collection.replaceOne(filter ?? {}, replacement ?? {}, callOptions(options)),
  deleteOne: (collection, [filter, options]) => collection.deleteOne(filter ?? {}, callOptions(options)),
  deleteMany: (collection, [filter, options]) => collection.deleteMany(filter ?? {}, callOptions(options)),
  countDocuments: (collection, [filter, options], scope) =>
    collection.countDocuments(filter ?? {}, readOptions(options, scope)),
  estimatedDocumentCount: (collection) => collection.estimatedDocumentCount(),
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the key comes from user code; the driver reads a string
  distinct: (collection, [key, filter]) => collection.distinct(String(key), filter ?? {}),
  findOneAndUpdate: (collection, [filter, update, options]) =>
    collection.findOneAndUpdate(filter ?? {}, update, callOptions(options)),
  findOneAndReplace: (collection, [filter, replacement, options]) =>
    collection.findOneAndReplace(filter ?? {}, replacement ?? {}, callOptions(options)),
  findOneAndDelete: (collection, [filter, options]) => collection.findOneAndDelete(filter ?? {}, callOptions(options)),
  // The driver checks each operation's shape and answers a MongoInvalidArgumentError for anything else.
  bulkWrite: (collection, [operations, options]) =>
    collection.bulkWrite(asArray(operations) as unknown as AnyBulkWriteOperation[], callOptions(options)),
  createIndex: (collection, [keys, options]) => collection.createIndex(keys ?? {}, indexOptions(options)),
};

/** Index options that only describe the index. */
function indexOptions(options: Document | undefined): Document {
  const picked: Document = {};
  for (const name of ['name', 'unique', 'sparse', 'expireAfterSeconds', 'partialFilterExpression']) {
    if (options?.[name] !== undefined) picked[name] = options[name] as unknown;
  }
  return picked;
}

function callOptions(options: Document | undefined): Document {
  const picked: Document = {};
  for (const name of CALL_OPTIONS) if (options?.[name] !== undefined) picked[name] = options[name] as unknown;
  return picked;
}

/** Reads also stop on the server at the node's deadline, not only on our side of the connection. */
function readOptions(options: Document | undefined, scope: CallScope): Document {
  const picked = callOptions(options);
  picked.maxTimeMS = Math.min(Number(picked.maxTimeMS) || Infinity, scope.remainingMs());
  return picked;
}

function asArray(value: unknown): Document[] {
  if (!Array.isArray(value)) throw new BridgeError('MongoError', 'expected an array', { code: 'EINVALID' });
  return value as Document[];
}

/** Reads a cursor to the end, stopping as soon as the documents exceed the response limit. */
async function readAll(
  cursor: { [Symbol.asyncIterator](): AsyncIterator<Document>; close(): Promise<void> },
  scope: CallScope,
) {
  const documents: unknown[] = [];
  let bytes = 0;
  try {
    for await (const document of cursor) {
      const serialized = BSON.EJSON.serialize(document, { relaxed: true });
      bytes += Buffer.byteLength(JSON.stringify(serialized));
      if (bytes > scope.maxResponseBytes) throw tooLarge(scope.maxResponseBytes);
      documents.push(serialized);
      if (scope.signal.aborted) break;
    }
  } finally {
    await cursor.close();
  }
  return documents;
}

export function registerMongoBridge(session: BridgeSession, guard: EgressGuard): void {
  const clients = new Map<number, MongoClient>();
  const refusals = new Map<number, Error>();
  let nextId = 1;
  let opened = 0;
  session.onDispose(async () => {
    const open = [...clients.values()];
    clients.clear();
    await Promise.allSettled(open.map((client) => client.close(true)));
  });

  session.register('mongo.connect', async (args, scope) => {
    const request = ConnectRequest.parse(args);
    if (opened >= MAX_CLIENTS_PER_EXECUTION) {
      throw new BridgeError('MongoError', `at most ${MAX_CLIENTS_PER_EXECUTION} MongoClient connections per execution`);
    }
    let userOptions: Record<string, unknown>;
    try {
      userOptions = await checkMongoTarget(request.uri, request.options, guard);
    } catch (error) {
      throw mongoError(error);
    }
    const remaining = scope.remainingMs();
    const options: MongoClientOptions = {
      ...userOptions,
      lookup: guard.lookup,
      maxPoolSize: Math.min(Number(userOptions.maxPoolSize) || MAX_POOL_SIZE, MAX_POOL_SIZE),
      serverSelectionTimeoutMS: Math.min(Number(userOptions.serverSelectionTimeoutMS) || 30_000, remaining),
      connectTimeoutMS: Math.min(Number(userOptions.connectTimeoutMS) || 10_000, remaining),
    };
    const client = new MongoClient(request.uri, options);
    opened += 1;
    const id = nextId++;
    clients.set(id, client);
    // Members a replica set announces by IP address are connected to without a DNS lookup, so the lookup hook never
    // sees them: check each server as the driver adds it, and shut the client down on a refused one.
    client.on('serverOpening', (event) => {
      const { host, port } = splitHostAndPort(event.address);
      guard.resolve(host, port).catch((error: Error) => {
        refusals.set(id, error);
        clients.delete(id);
        void client.close(true).catch(() => undefined);
      });
    });
    try {
      await client.connect();
    } catch (error) {
      clients.delete(id);
      await client.close(true).catch(() => undefined);
      throw mongoError(refusals.get(id) ?? error);
    }
    const refusal = refusals.get(id);
    if (refusal) throw mongoError(refusal);
    return id;
  });

  session.register('mongo.call', async (args, scope) => {
    const request = CallRequest.parse(args);
    const refusal = refusals.get(request.client);
    if (refusal) throw mongoError(refusal);
    const client = clients.get(request.client);
    if (!client)
      throw new BridgeError('MongoError', 'the MongoClient is closed; call connect() first', { code: 'ENOTCONNECTED' });
    const handler = Object.hasOwn(METHODS, request.method) ? METHODS[request.method] : undefined;
    if (!handler) throw new BridgeError('MongoError', `collection.${request.method} is not available to function code`);
    const callArgs = request.args.map((arg) =>
      arg === null ? undefined : (BSON.EJSON.deserialize(arg as Document, { relaxed: true }) as Document),
    );
    try {
      const collection = client.db(request.db).collection(request.collection);
      const result = await handler(collection, callArgs as Document[], scope);
      return result === undefined || result === null ? null : BSON.EJSON.serialize(result, { relaxed: true });
    } catch (error) {
      throw mongoError(error);
    }
  });

  session.register('mongo.close', async (args) => {
    const { client: id } = CloseRequest.parse(args);
    const client = clients.get(id);
    clients.delete(id);
    await client?.close();
    return null;
  });
}

function mongoError(error: unknown): Error {
  if (error instanceof BridgeError) return error;
  const egress = findEgressRefusal(error);
  if (egress) return new BridgeError('EgressError', egress.message, { code: egress.code });
  const known = error as { name?: unknown; message?: unknown; code?: unknown; codeName?: unknown };
  const details: Record<string, unknown> = {};
  if (typeof known.code === 'number' || typeof known.code === 'string') details.code = known.code;
  if (typeof known.codeName === 'string') details.codeName = known.codeName;
  const name = typeof known.name === 'string' && known.name.startsWith('Mongo') ? known.name : 'MongoError';
  return new BridgeError(name, typeof known.message === 'string' ? known.message : String(error), details);
}

/** The driver wraps connection failures (server selection, pool errors); the refusal can sit a few causes down. */
function findEgressRefusal(error: unknown): EgressDeniedError | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof EgressDeniedError) return current;
    const record = current as { cause?: unknown; reason?: { servers?: Map<string, { error?: unknown }> } };
    queue.push(record.cause);
    for (const server of record.reason?.servers?.values() ?? []) queue.push(server.error);
  }
  return undefined;
}
