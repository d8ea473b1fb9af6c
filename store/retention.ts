/**
 * Retention: execution and run records, stored node outputs and logs, the run debugger's attempts and live log
 * lines, step tests' and old draft revisions, nodes' measured costs no worker refreshed expire
 * after `NECTAR_RETENTION_DAYS`; the dashboard's hourly and daily rollups after `NECTAR_ROLLUP_RETENTION_DAYS`, its
 * minute rollups after 2 days. FerretDB has no TTL indexes, so a job prunes: every worker process offers to run it
 * each hour, and a lease in the store lets one of them do so per hour for the whole deployment. Records and rollups
 * live in collections per period (store/metricsModel.ts), which are dropped whole once their period has expired.
 */
import type { Db } from 'mongodb';
import { periodStart, RESOLUTION_MS } from './metricsModel';
import { NodeCostStore } from './nodeCosts';
import { RunJournal } from './runJournal';

const DAY_MS = 86_400_000;
/** Minute rollups serve the 1-hour window only. */
const MINUTE_ROLLUP_RETENTION_MS = 2 * DAY_MS;
const LEASES = 'leases';
const RETENTION_LEASE = 'retention';
export const RETENTION_INTERVAL_MS = 3_600_000;

export interface RetentionPolicy {
  retentionDays: number;
  rollupRetentionDays: number;
}

export interface Pruned {
  droppedCollections: string[];
  nodeOutputs: number;
  draftRevisions: number;
  /** Node attempts and live log batches of the run debugger (store/runJournal.ts). */
  runJournal: number;
  /** Nodes' measured CPU times no worker refreshed in the period (store/nodeCosts.ts). */
  nodeCosts: number;
}

/** How long a period of each kind lasts: a collection may go once its whole period has expired. */
function periodLength(kind: 'rollup' | 'executions' | 'runs', resolution: string | undefined, start: number): number {
  if (kind !== 'rollup') return DAY_MS;
  if (resolution === 'm') return RESOLUTION_MS.h;
  if (resolution === 'h') return DAY_MS;
  const next = new Date(start);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return next.getTime() - start;
}

/** Removes everything older than the policy allows; returns what went. */
export async function pruneExpired(db: Db, policy: RetentionPolicy, now = Date.now()): Promise<Pruned> {
  const cutoff = now - policy.retentionDays * DAY_MS;
  const droppedCollections: string[] = [];
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    const period = periodStart(name);
    if (!period) continue;
    const keptFor =
      period.kind !== 'rollup'
        ? policy.retentionDays * DAY_MS
        : period.resolution === 'm'
          ? MINUTE_ROLLUP_RETENTION_MS
          : policy.rollupRetentionDays * DAY_MS;
    if (period.at + periodLength(period.kind, period.resolution, period.at) > now - keptFor) continue;
    await db.collection(name).drop();
    droppedCollections.push(name);
  }
  const nodeOutputs = (await db.collection('node_outputs').deleteMany({ createdAt: { $lt: new Date(cutoff) } }))
    .deletedCount;
  // Every revision but each flow's current draft: step tests' and those the draft has moved on from.
  const current = (await db
    .collection<{ _id: string; draft?: number }>('flows')
    .find({ draft: { $exists: true } }, { projection: { draft: 1 } })
    .toArray()) as Array<{ _id: string; draft: number }>;
  const draftRevisions = (
    await db.collection<{ _id: string }>('flow_draft_revisions').deleteMany({
      createdAt: { $lt: new Date(cutoff) },
      _id: { $nin: current.map((flow) => `${flow._id}@draft-${flow.draft}`) },
    })
  ).deletedCount;
  const runJournal = await new RunJournal(db).pruneBefore(new Date(cutoff));
  const nodeCosts = await new NodeCostStore(db).pruneBefore(new Date(cutoff));
  return { droppedCollections, nodeOutputs, draftRevisions, runJournal, nodeCosts };
}

/**
 * Takes the deployment's retention lease for the next interval when it is free; false when another process holds
 * it. (On FerretDB two processes racing may both win: pruning twice is harmless.)
 */
export async function takeRetentionLease(db: Db, holder: string, now = Date.now()): Promise<boolean> {
  const leases = db.collection<{ _id: string; until: Date; holder: string }>(LEASES);
  try {
    const taken = await leases.updateOne(
      { _id: RETENTION_LEASE, until: { $lte: new Date(now) } },
      { $set: { until: new Date(now + RETENTION_INTERVAL_MS), holder } },
      { upsert: true },
    );
    return taken.modifiedCount + taken.upsertedCount > 0;
  } catch (error) {
    // The lease exists and is held: the upsert's insert collided with it.
    if ((error as { code?: number }).code === 11000) return false;
    throw error;
  }
}

/** Offers to prune now and then every interval; returns a stop function. */
export function scheduleRetention(db: Db, policy: RetentionPolicy, holder: string): () => void {
  const attempt = async () => {
    if (!(await takeRetentionLease(db, holder))) return;
    const pruned = await pruneExpired(db, policy);
    const removed = pruned.nodeOutputs + pruned.draftRevisions + pruned.runJournal + pruned.nodeCosts;
    if (pruned.droppedCollections.length + removed > 0)
      console.log(`[nectar retention] pruned ${JSON.stringify(pruned)}`);
  };
  const run = () =>
    void attempt().catch((error: unknown) => console.error('[nectar retention] pruning failed:', error));
  const first = setTimeout(run, 60_000);
  const timer = setInterval(run, RETENTION_INTERVAL_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
