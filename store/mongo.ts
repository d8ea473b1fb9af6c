import { Db, MongoClient } from 'mongodb';

export interface Store {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

const DEFAULT_DB_NAME = 'nectar';

/** The database named by the URI's path, unless one is given; `nectar` when neither says. */
function databaseName(uri: string, explicit?: string): string {
  if (explicit) return explicit;
  const match = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri);
  return match?.[1] ? decodeURIComponent(match[1]) : DEFAULT_DB_NAME;
}

/**
 * Connects to the store. With `deadlineMs`, no call waits longer than about that for a store that is down (refused
 * connections: server selection gives up) or hung (stopped, unreachable: the socket read gives up); the caller then
 * answers 503 instead of holding the request.
 */
export async function connectStore(uri: string, dbName?: string, deadlineMs?: number): Promise<Store> {
  const store = openStore(uri, dbName, deadlineMs);
  await store.client.connect();
  return store;
}

/** The store's client, not yet connected: the driver connects on the first operation (and again after an outage). */
export function openStore(uri: string, dbName?: string, deadlineMs?: number): Store {
  const bounded =
    deadlineMs === undefined
      ? {}
      : { connectTimeoutMS: deadlineMs, socketTimeoutMS: deadlineMs, waitQueueTimeoutMS: deadlineMs };
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: deadlineMs ?? 10_000,
    appName: 'nectar-studio',
    ...bounded,
  });
  const db = client.db(databaseName(uri, dbName));
  return { client, db, close: () => client.close() };
}

export async function pingStore(store: Store): Promise<void> {
  await store.db.command({ ping: 1 });
}
