import { Client } from 'pg';
import type { PostgresTrigger } from '../../flow/eventTriggers';
import type { ListenerOutcome } from '../../flow/listener';
import type { TriggerRecord } from '../../store/triggerRegistry';
import { ListenerDependencies, pause, SliceContext, SourceConfigError, startEventRun, variableOf } from './slice';
import {
  consumeOutbox,
  installOutbox,
  NOTIFY_CHANNEL,
  OutboxEntry,
  tracksCommitTime,
  uninstallOutbox,
} from './postgresOutbox';

const IDLE_POLL_MS = 1_000;

/** Connects to the trigger's database once its address passes the egress policy. */
async function connect(record: TriggerRecord, trigger: PostgresTrigger, deps: ListenerDependencies): Promise<Client> {
  const url = await variableOf(deps, record.workspace, trigger.urlVariable);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SourceConfigError(`the workspace variable "${trigger.urlVariable}" is not a postgres:// URL`);
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol) || !parsed.hostname) {
    throw new SourceConfigError(
      `the workspace variable "${trigger.urlVariable}" must be a postgres://user:password@host:port/database URL`,
    );
  }
  if (parsed.searchParams.has('host'))
    throw new SourceConfigError(`the connection URL must name its host in the URL, not as ?host=`);
  await deps.egress.resolve(parsed.hostname, Number(parsed.port || 5432));
  const db = new Client({ connectionString: url, application_name: 'nectar-trigger', connectionTimeoutMillis: 10_000 });
  db.on('error', () => undefined);
  await db.connect();
  return db;
}

/** One slice of the outbox: install (or update) it, then start runs for its changes as they commit, until the slice ends. */
export async function listenPostgres(context: SliceContext, trigger: PostgresTrigger): Promise<ListenerOutcome> {
  const { record, deps } = context;
  const key = record._id;
  const db = await connect(record, trigger, deps);
  const listener = await connect(record, trigger, deps).catch(async (error) => {
    await db.end();
    throw error;
  });
  const wake: { next?: () => void } = {};
  try {
    await installOutbox(db, key, trigger);
    const commitTime = await tracksCommitTime(db);
    listener.on('notification', (message) => {
      if (message.channel === NOTIFY_CHANNEL && message.payload === key.slice(0, 7000)) wake.next?.();
    });
    await listener.query(`LISTEN ${NOTIFY_CHANNEL}`);
    const start = async (entries: OutboxEntry[]) => {
      const outcomes = await Promise.all(
        entries.map((entry) =>
          startEventRun(context, {
            key: entry.eventId,
            source: `postgres ${entry.change.schema}.${entry.change.table}`,
            payload: entry.change,
          }).then((outcome) => {
            // A batch of starts can take a while on a busy server: each one shows the slice is alive (the SDK throttles).
            context.heartbeat({ position: entry.id });
            return outcome;
          }),
        ),
      );
      return outcomes.filter((outcome) => outcome.started).length;
    };
    let idleReported = false;
    while (Date.now() < context.deadline && !context.signal.aborted) {
      const stop = await context.stillWanted();
      if (stop) return stop;
      let started = 0;
      const entries = await consumeOutbox(
        db,
        { key, limit: trigger.batchSize, commitTime },
        async (batch) => void (started = await start(batch)),
      );
      const last = entries[entries.length - 1];
      if (last) {
        idleReported = false;
        await deps.registry.reportProgress(key, {
          position: `outbox id ${last.id}`,
          lagMs: entries.length < trigger.batchSize ? 0 : Math.max(0, Date.now() - Date.parse(last.change.committedAt)),
          runsStarted: started,
          lastEventAt: new Date(),
        });
        context.heartbeat({ position: last.id });
      } else {
        // Idle: say so once a slice (it also clears a failure the slice's start got past), not on every look.
        if (!idleReported) await deps.registry.reportProgress(key, { lagMs: 0, checkedAt: new Date() });
        idleReported = true;
        context.heartbeat();
      }
      if (entries.length < trigger.batchSize) await pause(IDLE_POLL_MS, wake, context.signal);
    }
    return { state: 'listening' };
  } finally {
    wake.next?.();
    await Promise.allSettled([db.end(), listener.end()]);
  }
}

export async function uninstallPostgres(
  record: TriggerRecord,
  trigger: PostgresTrigger,
  deps: ListenerDependencies,
): Promise<void> {
  const db = await connect(record, trigger, deps);
  try {
    await uninstallOutbox(db, record._id);
  } finally {
    await db.end();
  }
}
