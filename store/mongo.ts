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

export async function connectStore(uri: string, dbName?: string): Promise<Store> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, appName: 'nectar-studio' });
  await client.connect();
  const db = client.db(databaseName(uri, dbName));
  return { client, db, close: () => client.close() };
}

export async function pingStore(store: Store): Promise<void> {
  await store.db.command({ ping: 1 });
}
