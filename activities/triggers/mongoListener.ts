import { MongoClient } from 'mongodb';
import ConnectionString from 'mongodb-connection-string-url';
import type { MongoTrigger } from '../../flow/eventTriggers';
import type { ListenerOutcome } from '../../flow/listener';
import { pause, SliceContext, SourceConfigError, startEventRun, variableOf } from './slice';
import { consumeChangeStream, ChangeEvent, initialWatermark, parseWatermark, pollOnce } from './mongoChanges';

/** Connects once every host of the URL passes the egress policy (the platform's own store never does). */
async function connect(context: SliceContext, trigger: MongoTrigger): Promise<MongoClient> {
  const url = await variableOf(context.deps, context.record.workspace, trigger.urlVariable);
  let parsed: ConnectionString;
  try {
    parsed = new ConnectionString(url);
  } catch {
    throw new SourceConfigError(`the workspace variable "${trigger.urlVariable}" is not a mongodb:// URL`);
  }
  if (parsed.isSRV)
    throw new SourceConfigError(
      'mongodb+srv:// URLs are not supported by triggers yet: list the hosts in a mongodb:// URL',
    );
  for (const host of parsed.hosts) {
    const at = host.lastIndexOf(':');
    const name = at > 0 && !host.endsWith(']') ? host.slice(0, at) : host;
    await context.deps.egress.resolve(name, at > 0 ? Number(host.slice(at + 1)) : 27017);
  }
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000, appName: 'nectar-trigger' });
  await client.connect();
  return client;
}

export async function listenMongo(context: SliceContext, trigger: MongoTrigger): Promise<ListenerOutcome> {
  const { record, deps } = context;
  const client = await connect(context, trigger);
  const collection = client.db(trigger.database).collection(trigger.collection);
  // Within a slice, a document the overlap shows again is not started again (its run id would refuse it anyway).
  const seen = new Set<string>();
  const start = async (key: string, event: ChangeEvent) => {
    if (seen.has(key)) return false;
    if (seen.size >= 10_000) seen.clear();
    seen.add(key);
    const { started } = await startEventRun(context, {
      key,
      source: `mongodb ${trigger.database}.${trigger.collection}`,
      payload: event,
    });
    if (started) await deps.registry.reportProgress(record._id, { runsStarted: 1, lastEventAt: new Date() });
    context.heartbeat();
    return started;
  };
  let stopped: ListenerOutcome | undefined;
  const keepGoing = async () => {
    stopped = await context.stillWanted();
    return !stopped && Date.now() < context.deadline && !context.signal.aborted;
  };
  try {
    if (trigger.mode === 'changeStream') {
      await consumeChangeStream(collection, trigger, {
        token: record.state.position,
        start: async (key, event) => void (await start(key, event)),
        store: (token) => deps.registry.reportProgress(record._id, { position: token, lagMs: 0 }),
        keepGoing,
      });
      return stopped ?? { state: 'listening' };
    }
    let watermark = parseWatermark(record.state.position);
    if (!record.state.position) {
      // A new trigger starts after the documents already there.
      watermark = await initialWatermark(collection, trigger);
      // An empty collection: every document to come is the trigger's (the marker reads back as no watermark).
      await deps.registry.reportProgress(record._id, {
        position: JSON.stringify(watermark ?? { kind: 'empty' }),
        lagMs: 0,
      });
    }
    const wake: { next?: () => void } = {};
    while (await keepGoing()) {
      const polled = await pollOnce(collection, trigger, watermark, start);
      watermark = polled.watermark;
      const lagMs = watermark?.kind === 'date' && polled.started > 0 ? Math.max(0, Date.now() - watermark.value) : 0;
      await deps.registry.reportProgress(record._id, {
        position: watermark ? JSON.stringify(watermark) : undefined,
        lagMs,
        checkedAt: new Date(),
      });
      context.heartbeat();
      await pause(Math.min(trigger.pollIntervalMs, Math.max(0, context.deadline - Date.now())), wake, context.signal);
    }
    return stopped ?? { state: 'listening' };
  } finally {
    await client.close().catch(() => undefined);
  }
}
