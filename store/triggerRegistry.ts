import { Collection } from 'mongodb';
import { routeOf, SourceKind, SourceTrigger } from '../flow/eventTriggers';
import type { Store } from './mongo';

/** What a trigger last reported: the source's position and lag (listened sources), its last event and last error. */
export interface TriggerState {
  /** Outbox id, watermark, resume token: where the source is read up to. */
  position?: string;
  /** How old the oldest change not yet started was when last looked at (0 when caught up). */
  lagMs?: number;
  lastEventAt?: Date;
  lastError?: string;
  lastErrorAt?: Date;
  /** Set when the last attempt to read the source failed; cleared by the next success. */
  failing?: boolean;
  runsStarted?: number;
  /** Events refused (past the payload limits) and skipped, with the last one's reason. */
  eventsRejected?: number;
  lastRejection?: string;
  lastRejectedAt?: Date;
  /** When the source was last looked at (a scan's start). */
  checkedAt?: Date;
}

export interface TriggerRecord {
  /** `<workspace>/<flowId>/<triggerId>` */
  _id: string;
  workspace: string;
  flowId: string;
  triggerId: string;
  kind: SourceKind;
  /** What it subscribes to among the workspace's triggers of its kind: a source name, an event type, a table. */
  route: string;
  /** The flow version whose definition holds this trigger: its runs run that version. */
  flowVersion: number;
  trigger: SourceTrigger;
  paused: boolean;
  /** The trigger left the flow: its listener cleans up what it installed, then deletes the record. */
  removedAt?: Date;
  state: TriggerState;
  updatedAt: Date;
}

export function triggerKey(workspace: string, flowId: string, triggerId: string): string {
  return `${workspace}/${flowId}/${triggerId}`;
}

/**
 * The event triggers of every flow's newest version, with their paused flag and state: the gateway routes pushed
 * events by it, listeners read their configuration and report their state in it, the API shows it.
 */
export class TriggerRegistry {
  private readonly records: Collection<TriggerRecord>;

  constructor(store: Store) {
    this.records = store.db.collection<TriggerRecord>('triggers');
  }

  async ensureIndexes(): Promise<void> {
    await this.records.createIndex({ workspace: 1, kind: 1, route: 1 });
    await this.records.createIndex({ workspace: 1, flowId: 1 });
  }

  /**
   * Makes the records of a flow match its newest version's triggers. A trigger's pause set through the API is kept
   * unless the definition's own `paused` changed. Triggers gone from the flow are marked removed (listened ones) so
   * their listener can uninstall, or deleted. Answers the records written.
   */
  async reconcile(
    flow: { workspace: string; flowId: string; version: number },
    wanted: SourceTrigger[],
    previous: SourceTrigger[],
  ): Promise<TriggerRecord[]> {
    const before = new Map(previous.map((trigger) => [trigger.id, trigger]));
    const written: TriggerRecord[] = [];
    for (const trigger of wanted) {
      const _id = triggerKey(flow.workspace, flow.flowId, trigger.id);
      const old = before.get(trigger.id);
      const pausedChanged = old === undefined || old.paused !== trigger.paused || old.type !== trigger.type;
      const existing = await this.records.findOne({ _id });
      const paused = pausedChanged || !existing ? trigger.paused : existing.paused;
      const record: TriggerRecord = {
        _id,
        workspace: flow.workspace,
        flowId: flow.flowId,
        triggerId: trigger.id,
        kind: trigger.type,
        route: routeOf(trigger),
        flowVersion: flow.version,
        trigger,
        paused,
        state: existing && existing.kind === trigger.type ? existing.state : {},
        updatedAt: new Date(),
      };
      await this.records.replaceOne({ _id }, record, { upsert: true });
      written.push(record);
    }
    const kept = new Set(wanted.map((trigger) => trigger.id));
    await this.records.updateMany(
      { workspace: flow.workspace, flowId: flow.flowId, triggerId: { $nin: [...kept] }, removedAt: { $exists: false } },
      { $set: { removedAt: new Date(), updatedAt: new Date() } },
    );
    return written;
  }

  /** Marks every trigger of a deleted flow removed. */
  async removeFlow(workspace: string, flowId: string): Promise<TriggerRecord[]> {
    const records = await this.records.find({ workspace, flowId, removedAt: { $exists: false } }).toArray();
    await this.records.updateMany({ workspace, flowId }, { $set: { removedAt: new Date(), updatedAt: new Date() } });
    return records;
  }

  /** Records no listener will clean up: those of pushed kinds and the event bus, once removed. */
  async purgeRemoved(workspace: string, flowId: string, listened: readonly string[]): Promise<void> {
    await this.records.deleteMany({
      workspace,
      flowId,
      removedAt: { $exists: true },
      kind: { $nin: [...listened] as SourceKind[] },
    });
  }

  async get(key: string): Promise<TriggerRecord | undefined> {
    return (await this.records.findOne({ _id: key })) ?? undefined;
  }

  async delete(key: string): Promise<void> {
    await this.records.deleteOne({ _id: key });
  }

  async ofFlow(workspace: string, flowId: string): Promise<TriggerRecord[]> {
    return this.records
      .find({ workspace, flowId, removedAt: { $exists: false } })
      .sort({ triggerId: 1 })
      .toArray();
  }

  /** The live triggers of a workspace that subscribe to `route` with a trigger of `kind`. */
  async subscribers(workspace: string, kind: SourceKind, route: string): Promise<TriggerRecord[]> {
    return this.records.find({ workspace, kind, route, removedAt: { $exists: false } }).toArray();
  }

  async setPaused(key: string, paused: boolean): Promise<boolean> {
    const result = await this.records.updateOne(
      { _id: key, removedAt: { $exists: false } },
      { $set: { paused, updatedAt: new Date() } },
    );
    return result.matchedCount === 1;
  }

  /** Records a successful read of the source (clearing `failing`), with its position and lag, and runs started. */
  async reportProgress(
    key: string,
    progress: { position?: string; lagMs?: number; runsStarted?: number; lastEventAt?: Date; checkedAt?: Date },
  ): Promise<void> {
    const set: Record<string, unknown> = { 'state.failing': false };
    if (progress.checkedAt !== undefined) set['state.checkedAt'] = progress.checkedAt;
    if (progress.position !== undefined) set['state.position'] = progress.position;
    if (progress.lagMs !== undefined) set['state.lagMs'] = progress.lagMs;
    if (progress.lastEventAt !== undefined) set['state.lastEventAt'] = progress.lastEventAt;
    const update: Record<string, unknown> = { $set: set };
    if (progress.runsStarted) update.$inc = { 'state.runsStarted': progress.runsStarted };
    await this.records.updateOne({ _id: key }, update);
  }

  /** Records an event the trigger refused and read past (it started no run): counted, with the reason. */
  async reportRejected(key: string, reason: string): Promise<void> {
    await this.records.updateOne(
      { _id: key },
      {
        $set: { 'state.lastRejection': reason.slice(0, 2_000), 'state.lastRejectedAt': new Date() },
        $inc: { 'state.eventsRejected': 1 },
      },
    );
  }

  async reportError(key: string, message: string): Promise<void> {
    await this.records.updateOne(
      { _id: key },
      { $set: { 'state.failing': true, 'state.lastError': message.slice(0, 2_000), 'state.lastErrorAt': new Date() } },
    );
  }
}
