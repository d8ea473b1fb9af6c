import { Collection, MongoServerError } from 'mongodb';
import type { Store } from './mongo';
import { usagePeriod } from './plans';

interface UsageDocument {
  /** `<workspace>:<YYYY-MM>` */
  _id: string;
  workspace: string;
  period: string;
  executions: number;
}

/** Executions (code-node runs) per workspace and month, counted with atomic increments so they survive restarts. */
export class UsageStore {
  private readonly usage: Collection<UsageDocument>;

  constructor(store: Store) {
    this.usage = store.db.collection<UsageDocument>('usage');
  }

  /**
   * Counts `executions` (one unless told) unless the month's count would pass `limit`: one atomic conditional increment,
   * so concurrent executions can never pass the limit together. The month's count after it, or undefined when over quota.
   */
  async tryCount(
    workspace: string,
    limit: number,
    now: Date = new Date(),
    executions = 1,
  ): Promise<number | undefined> {
    const period = usagePeriod(now);
    if (limit < executions) return undefined;
    // A duplicate key means the month's document exists: either at the limit, or created a moment ago by a concurrent
    // first count of the month, in which case the second try increments it.
    for (let attempt = 1; ; attempt++) {
      try {
        const updated = await this.usage.findOneAndUpdate(
          { _id: `${workspace}:${period}`, executions: { $lte: limit - executions } },
          { $inc: { executions }, $setOnInsert: { workspace, period } },
          { upsert: true, returnDocument: 'after' },
        );
        return updated?.executions;
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
        if (attempt === 2) return undefined;
      }
    }
  }

  /**
   * Gives back `executions` counted ahead that did not happen (a fused chain that ended early): never below zero, and
   * never creating a month's count.
   */
  async giveBack(workspace: string, executions: number, now: Date = new Date()): Promise<void> {
    await this.usage.updateOne(
      { _id: `${workspace}:${usagePeriod(now)}`, executions: { $gte: executions } },
      { $inc: { executions: -executions } },
    );
  }

  async executions(workspace: string, now: Date = new Date()): Promise<number> {
    const doc = await this.usage.findOne({ _id: `${workspace}:${usagePeriod(now)}` });
    return doc?.executions ?? 0;
  }

  /** Starts the month's count again (an operator's reset, e.g. after an upgrade). */
  async reset(workspace: string, now: Date = new Date()): Promise<void> {
    await this.usage.deleteOne({ _id: `${workspace}:${usagePeriod(now)}` });
  }
}
