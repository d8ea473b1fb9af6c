/**
 * The PostgreSQL outbox a `postgres` trigger installs in the watched database, and reading it. A row trigger on the
 * watched table writes each change to `nectar.outbox` in the changing transaction, so a change exists exactly when it
 * committed, whether or not anything listens; NOTIFY only wakes the listener. The listener takes rows in id order with
 * FOR UPDATE SKIP LOCKED, starts their runs, and deletes them in the same transaction: a listener that dies before the
 * commit leaves them for the next one, whose starts find the runs already there (run ids derive from `event_id`).
 */
import crypto from 'node:crypto';
import type { Client } from 'pg';
import type { PostgresTrigger } from '../../flow/eventTriggers';

export const NOTIFY_CHANNEL = 'nectar_outbox';

const SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS nectar;
CREATE TABLE IF NOT EXISTS nectar.outbox (
  id bigserial PRIMARY KEY,
  trigger_key text NOT NULL,
  event_id uuid NOT NULL DEFAULT gen_random_uuid(),
  operation text NOT NULL,
  schema_name text NOT NULL,
  table_name text NOT NULL,
  old jsonb,
  new jsonb,
  changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS outbox_trigger_key_id ON nectar.outbox (trigger_key, id);
CREATE OR REPLACE FUNCTION nectar.capture_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  key text := TG_ARGV[0];
  watched text[] := TG_ARGV[1:];
  old_row jsonb;
  new_row jsonb;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;
  IF TG_OP = 'UPDATE' AND cardinality(watched) > 0
     AND NOT EXISTS (SELECT 1 FROM unnest(watched) AS c WHERE old_row -> c IS DISTINCT FROM new_row -> c) THEN
    RETURN NULL;
  END IF;
  INSERT INTO nectar.outbox (trigger_key, operation, schema_name, table_name, old, new)
    VALUES (key, lower(TG_OP), TG_TABLE_SCHEMA, TG_TABLE_NAME, old_row, new_row);
  PERFORM pg_notify('${NOTIFY_CHANNEL}', left(key, 7000));
  RETURN NULL;
END
$fn$;
`;

/** The row trigger's name on the watched table: one per Nectar trigger, whatever table it watches now. */
export function rowTriggerName(key: string): string {
  return `nectar_${crypto.createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** What the installed row trigger does, kept as its comment so an unchanged one is not recreated (that takes a lock on the table). */
function fingerprint(key: string, trigger: PostgresTrigger): string {
  const spec = {
    key,
    schema: trigger.schema,
    table: trigger.table,
    operations: [...trigger.operations].sort(),
    columns: trigger.columns ?? [],
  };
  return `nectar trigger ${crypto.createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 32)}`;
}

async function inTransaction<T>(db: Client, work: () => Promise<T>): Promise<T> {
  await db.query('BEGIN');
  try {
    const result = await work();
    await db.query('COMMIT');
    return result;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Creates the outbox and the row trigger on the watched table, or updates them to the trigger's configuration; drops
 * this trigger's row trigger from any table it no longer watches. Idempotent; does nothing when nothing changed.
 */
export async function installOutbox(db: Client, key: string, trigger: PostgresTrigger): Promise<void> {
  const name = rowTriggerName(key);
  const wanted = fingerprint(key, trigger);
  const table = `${db.escapeIdentifier(trigger.schema)}.${db.escapeIdentifier(trigger.table)}`;
  const installed = await db.query<{ relation: string; comment: string | null }>(
    `SELECT t.tgrelid::regclass::text AS relation, obj_description(t.oid, 'pg_trigger') AS comment FROM pg_trigger t WHERE t.tgname = $1`,
    [name],
  );
  const current = await db.query<{ relation: string | null }>(`SELECT to_regclass($1)::text AS relation`, [table]);
  if (!current.rows[0]?.relation) throw new Error(`table ${trigger.schema}.${trigger.table} does not exist`);
  const here = installed.rows.find((row) => row.relation === current.rows[0].relation);
  if (here?.comment === wanted && installed.rows.length === 1) return;
  const events = trigger.operations.map((operation) => operation.toUpperCase()).join(' OR ');
  const args = [key, ...(trigger.columns ?? [])].map((value) => db.escapeLiteral(value)).join(', ');
  await inTransaction(db, async () => {
    // Serialises installers (two versions saved at once) without blocking the watched table for long.
    await db.query(`SELECT pg_advisory_xact_lock(hashtext('nectar.outbox install'))`);
    await db.query(SCHEMA_SQL);
    for (const row of installed.rows)
      await db.query(`DROP TRIGGER IF EXISTS ${db.escapeIdentifier(name)} ON ${row.relation}`);
    await db.query(
      `CREATE TRIGGER ${db.escapeIdentifier(name)} AFTER ${events} ON ${table} FOR EACH ROW EXECUTE FUNCTION nectar.capture_change(${args})`,
    );
    await db.query(`COMMENT ON TRIGGER ${db.escapeIdentifier(name)} ON ${table} IS ${db.escapeLiteral(wanted)}`);
  });
}

/** Removes what `installOutbox` put in for this trigger: its row trigger and its pending changes (the outbox itself stays for others). */
export async function uninstallOutbox(db: Client, key: string): Promise<void> {
  const name = rowTriggerName(key);
  await inTransaction(db, async () => {
    const installed = await db.query<{ relation: string }>(
      `SELECT tgrelid::regclass::text AS relation FROM pg_trigger WHERE tgname = $1`,
      [name],
    );
    for (const row of installed.rows)
      await db.query(`DROP TRIGGER IF EXISTS ${db.escapeIdentifier(name)} ON ${row.relation}`);
    const outbox = await db.query<{ relation: string | null }>(`SELECT to_regclass('nectar.outbox')::text AS relation`);
    if (outbox.rows[0]?.relation) await db.query(`DELETE FROM nectar.outbox WHERE trigger_key = $1`, [key]);
  });
}

/** A change as the run receives it (`context.trigger.payload`). */
export interface PostgresChange {
  operation: 'insert' | 'update' | 'delete';
  schema: string;
  table: string;
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
  /** The commit time when the server tracks commit timestamps (`track_commit_timestamp`), else when the row changed. */
  committedAt: string;
}

export interface OutboxEntry {
  id: string;
  eventId: string;
  change: PostgresChange;
}

interface OutboxRow {
  id: string;
  event_id: string;
  operation: PostgresChange['operation'];
  schema_name: string;
  table_name: string;
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
  committed_at: Date;
}

/** Whether the server records commit times, so `committedAt` can be the commit's rather than the change's. */
export async function tracksCommitTime(db: Client): Promise<boolean> {
  const result = await db.query<{ track_commit_timestamp: string }>('SHOW track_commit_timestamp');
  return result.rows[0]?.track_commit_timestamp === 'on';
}

/**
 * Takes up to `limit` of the trigger's changes in id order, hands them to `start` (which must have started every run
 * when it resolves), and deletes them, all in one transaction; rows another reader holds are skipped, not waited for.
 * Answers the entries handled (none when the outbox is empty).
 */
export async function consumeOutbox(
  db: Client,
  options: { key: string; limit: number; commitTime: boolean },
  start: (entries: OutboxEntry[]) => Promise<void>,
): Promise<OutboxEntry[]> {
  const committedAt = options.commitTime ? 'coalesce(pg_xact_commit_timestamp(xmin), changed_at)' : 'changed_at';
  return inTransaction(db, async () => {
    const { rows } = await db.query<OutboxRow>(
      `SELECT id::text AS id, event_id::text AS event_id, operation, schema_name, table_name, old, new, ${committedAt} AS committed_at
         FROM nectar.outbox WHERE trigger_key = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [options.key, options.limit],
    );
    if (rows.length === 0) return [];
    const entries = rows.map((row): OutboxEntry => ({
      id: row.id,
      eventId: row.event_id,
      change: {
        operation: row.operation,
        schema: row.schema_name,
        table: row.table_name,
        old: row.old,
        new: row.new,
        committedAt: row.committed_at.toISOString(),
      },
    }));
    await start(entries);
    await db.query('DELETE FROM nectar.outbox WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
    return entries;
  });
}
