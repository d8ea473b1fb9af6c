/** The outbox a postgres trigger installs, against a real PostgreSQL: what it captures, in what order, and what it removes. */
import { Client } from 'pg';
import { PostgresTrigger } from '../../flow/eventTriggers';
import {
  consumeOutbox,
  installOutbox,
  OutboxEntry,
  rowTriggerName,
  uninstallOutbox,
} from '../../activities/triggers/postgresOutbox';
import { LocalPostgres, startLocalPostgres } from '../support/postgres';

jest.setTimeout(60_000);

let pg: LocalPostgres;
let db: Client;

beforeAll(async () => {
  pg = await startLocalPostgres();
  db = pg.client;
  await db.query('CREATE TABLE orders (id serial PRIMARY KEY, status text, total numeric, note text)');
  await db.query('CREATE TABLE invoices (id serial PRIMARY KEY, amount int)');
});

afterAll(async () => {
  await pg?.stop();
});

const trigger = (fields: Record<string, unknown>) =>
  PostgresTrigger.parse({ type: 'postgres', urlVariable: 'PG', table: 'orders', ...fields });

async function takeAll(key: string): Promise<OutboxEntry[]> {
  const taken: OutboxEntry[] = [];
  for (;;) {
    const batch = await consumeOutbox(
      db,
      { key, limit: 2, commitTime: true },
      async (entries) => void taken.push(...entries),
    );
    if (batch.length === 0) return taken;
  }
}

test('insert, update and delete each become one change, in commit order, with old and new rows and a commit time', async () => {
  await installOutbox(db, 'w/f/all', trigger({}));
  await db.query(`INSERT INTO orders (status, total) VALUES ('new', 10)`);
  await db.query('BEGIN');
  await db.query(`UPDATE orders SET status = 'paid' WHERE status = 'new'`);
  await db.query(`INSERT INTO orders (status, total) VALUES ('new', 20)`);
  await db.query('COMMIT');
  await db.query(`DELETE FROM orders WHERE total = 20`);
  const taken = await takeAll('w/f/all');
  expect(taken.map((entry) => entry.change.operation)).toEqual(['insert', 'update', 'insert', 'delete']);
  expect(taken[1].change).toMatchObject({
    schema: 'public',
    table: 'orders',
    old: { status: 'new', total: 10 },
    new: { status: 'paid', total: 10 },
  });
  expect(taken[3].change.new).toBeNull();
  expect(new Set(taken.map((entry) => entry.eventId)).size).toBe(4);
  expect(Date.parse(taken[0].change.committedAt)).toBeGreaterThan(Date.now() - 60_000);
  expect(await takeAll('w/f/all')).toEqual([]);
  await uninstallOutbox(db, 'w/f/all');
});

test('operations and the column filter choose what is captured', async () => {
  await installOutbox(db, 'w/f/status', trigger({ operations: ['update'], columns: ['status'] }));
  await db.query(`INSERT INTO orders (status, total) VALUES ('new', 5)`);
  await db.query(`UPDATE orders SET note = 'only a note' WHERE total = 5`);
  await db.query(`UPDATE orders SET status = 'shipped' WHERE total = 5`);
  const taken = await takeAll('w/f/status');
  expect(taken.map((entry) => [entry.change.operation, entry.change.new?.status])).toEqual([['update', 'shipped']]);
  await uninstallOutbox(db, 'w/f/status');
});

test('a change rolled back is never captured; a reader that fails before commit leaves its changes for the next', async () => {
  await installOutbox(db, 'w/f/tx', trigger({ operations: ['insert'] }));
  await db.query('BEGIN');
  await db.query(`INSERT INTO orders (status) VALUES ('rolled back')`);
  await db.query('ROLLBACK');
  await db.query(`INSERT INTO orders (status) VALUES ('kept')`);
  await expect(
    consumeOutbox(db, { key: 'w/f/tx', limit: 10, commitTime: false }, async () =>
      Promise.reject(new Error('Temporal is down')),
    ),
  ).rejects.toThrow('Temporal is down');
  const taken = await takeAll('w/f/tx');
  expect(taken.map((entry) => entry.change.new?.status)).toEqual(['kept']);
  await uninstallOutbox(db, 'w/f/tx');
});

test('moving the trigger to another table drops its row trigger from the first; uninstalling removes it and its pending changes', async () => {
  const name = rowTriggerName('w/f/move');
  const installedOn = async () =>
    (await db.query(`SELECT tgrelid::regclass::text AS t FROM pg_trigger WHERE tgname = $1`, [name])).rows.map(
      (row) => row.t,
    );
  await installOutbox(db, 'w/f/move', trigger({}));
  await installOutbox(db, 'w/f/move', trigger({}));
  expect(await installedOn()).toEqual(['orders']);
  await installOutbox(db, 'w/f/move', trigger({ table: 'invoices' }));
  expect(await installedOn()).toEqual(['invoices']);
  await db.query('INSERT INTO invoices (amount) VALUES (1)');
  await uninstallOutbox(db, 'w/f/move');
  expect(await installedOn()).toEqual([]);
  expect(
    (await db.query(`SELECT count(*)::int AS n FROM nectar.outbox WHERE trigger_key = 'w/f/move'`)).rows[0].n,
  ).toBe(0);
});

test('a missing table is a clear error', async () => {
  await expect(installOutbox(db, 'w/f/missing', trigger({ table: 'nothing_here' }))).rejects.toThrow(
    'table public.nothing_here does not exist',
  );
});
