/**
 * The CPU time a code node's function last used in its isolate, per flow, node and code (activities/nodeCosts.ts
 * decides from it which nodes are light), shared by every worker process through the store: a process started a
 * moment ago plans a flow's nodes as the others measured them. Written rarely (a node's first measurement, a change
 * of side of the light threshold, a refresh a day), read only for nodes a process has not measured itself.
 */
import type { Collection, Db } from 'mongodb';

export interface NodeCost {
  /** `<flowId>:<nodeId>:<hash of the code>` */
  key: string;
  cpuMs: number;
  at: Date;
}

type NodeCostDocument = { _id: string; flowId: string; cpuMs: number; at: Date };

export class NodeCostStore {
  private readonly costs: Collection<NodeCostDocument>;

  constructor(db: Db) {
    this.costs = db.collection<NodeCostDocument>('node_costs');
  }

  async read(keys: string[]): Promise<NodeCost[]> {
    if (keys.length === 0) return [];
    const docs = await this.costs.find({ _id: { $in: keys } }).toArray();
    return docs.map((doc) => ({ key: doc._id, cpuMs: doc.cpuMs, at: doc.at }));
  }

  async write(flowId: string, cost: NodeCost): Promise<void> {
    await this.costs.updateOne(
      { _id: cost.key },
      { $set: { flowId, cpuMs: cost.cpuMs, at: cost.at } },
      { upsert: true },
    );
  }

  /** Removes the measurements no process has refreshed since `cutoff` (for the retention job). */
  async pruneBefore(cutoff: Date): Promise<number> {
    return (await this.costs.deleteMany({ at: { $lt: cutoff } })).deletedCount;
  }
}
