/**
 * Which side-effect-free code nodes are light: those whose function last used under LIGHT_NODE_CPU_MS of CPU in its
 * isolate. CPU, not wall time: a node's wall time grows with everything waiting for the machine (its sandbox
 * process's queue, the isolate's preparation, a loaded host), its CPU time only with its own work — and a
 * side-effect-free node has nothing to wait on (no timers, no I/O), so its CPU time is its whole run. Kept per flow,
 * node and code (a new version or a draft with the same code is measured already; changed code is not), in memory and
 * in the store (store/nodeCosts.ts), so a worker process started a moment ago plans as the others measured. A node
 * never measured anywhere is not light: its first run, a regular activity, measures it.
 */
import crypto from 'node:crypto';
import type { NodeCost } from '../store/nodeCosts';

/** A node whose function used less CPU than this is light: run locally, it is over before anyone could watch it run. */
export const LIGHT_NODE_CPU_MS = 100;

/** Where measurements are shared between processes (store/nodeCosts.ts). */
export interface NodeCostBacking {
  read(keys: string[]): Promise<NodeCost[]>;
  write(flowId: string, cost: NodeCost): Promise<void>;
}

interface MeasuredNode {
  id: string;
  code: string;
}

interface Known {
  cpuMs: number;
  /** What the store holds, as far as this process knows: which side of the threshold, and since when. */
  stored?: { light: boolean; at: number };
}

/** A stored measurement still right is written again this often, so the retention job keeps the ones in use. */
const REFRESH_MS = 86_400_000;
/**
 * A node the store had no measurement of is looked up again at the next plan (its first run, elsewhere, has measured
 * it by then), and then less and less often, up to this (a node on a branch never taken stays unmeasured).
 */
const RECHECK_MAX_MS = 60_000;
/** A plan or a node waits this long at most for the store; an answer after it still serves the next plans. */
const STORE_WAIT_MS = 500;
const CAPACITY = 10_000;

const isLight = (cpuMs: number) => cpuMs < LIGHT_NODE_CPU_MS;

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > CAPACITY) map.delete(map.keys().next().value!);
}

async function withinStoreWait(work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, STORE_WAIT_MS)))]);
  clearTimeout(timer);
}

export class NodeCosts {
  private readonly known = new Map<string, Known>();
  /** Nodes the store had no measurement of: how many times it was asked, and when it may be asked again. */
  private readonly unmeasured = new Map<string, { misses: number; next: number }>();
  /** Definitions are cached and immutable, so a node's code is hashed once. */
  private readonly hashes = new WeakMap<MeasuredNode, string>();

  constructor(
    private readonly backing?: NodeCostBacking,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The node's function used `cpuMs` of CPU in its isolate just now. Never fails. When the store is to be told (rarely:
   * see store/nodeCosts.ts), resolves once it is, so the next plan anywhere sees it — or after STORE_WAIT_MS at most.
   */
  async note(flowId: string, node: MeasuredNode, cpuMs: number): Promise<void> {
    const key = this.keyOf(flowId, node);
    const entry: Known = { cpuMs, stored: this.known.get(key)?.stored };
    remember(this.known, key, entry);
    this.unmeasured.delete(key);
    const { backing } = this;
    const before = entry.stored;
    const at = this.now();
    if (!backing || (before && before.light === isLight(cpuMs) && at - before.at < REFRESH_MS)) return;
    entry.stored = { light: isLight(cpuMs), at };
    const written = backing.write(flowId, { key, cpuMs, at: new Date(at) }).catch(() => {
      // Not written: the next measurement tries again.
      if (entry.stored?.at === at) entry.stored = before;
    });
    await withinStoreWait(written);
  }

  /** The ids of the nodes measured light, here or (for those this process has not run) by any process. */
  async lightNodes(flowId: string, nodes: MeasuredNode[]): Promise<string[]> {
    const keys = nodes.map((node) => this.keyOf(flowId, node));
    const now = this.now();
    const unread = keys.filter((key) => !this.known.has(key) && (this.unmeasured.get(key)?.next ?? 0) <= now);
    if (unread.length > 0 && this.backing) await this.readStored(this.backing, unread);
    return nodes.filter((_, index) => isLight(this.known.get(keys[index])?.cpuMs ?? Infinity)).map((node) => node.id);
  }

  private async readStored(backing: NodeCostBacking, keys: string[]): Promise<void> {
    const asked = this.now();
    for (const key of keys) {
      const misses = (this.unmeasured.get(key)?.misses ?? 0) + 1;
      const wait = misses === 1 ? 0 : Math.min(RECHECK_MAX_MS, 1_000 * 2 ** (misses - 2));
      remember(this.unmeasured, key, { misses, next: asked + wait });
    }
    const read = backing.read(keys).then(
      (costs) => {
        for (const cost of costs) {
          this.unmeasured.delete(cost.key);
          // A measurement of this process's own, made meanwhile, is newer.
          if (this.known.has(cost.key)) continue;
          const stored = { light: isLight(cost.cpuMs), at: cost.at.getTime() };
          remember(this.known, cost.key, { cpuMs: cost.cpuMs, stored });
        }
      },
      // The store is away: those nodes are not light until measured or read.
      () => undefined,
    );
    await withinStoreWait(read);
  }

  private keyOf(flowId: string, node: MeasuredNode): string {
    let hash = this.hashes.get(node);
    if (hash === undefined) {
      hash = crypto.createHash('sha256').update(node.code).digest('base64url').slice(0, 22);
      this.hashes.set(node, hash);
    }
    return `${flowId}:${node.id}:${hash}`;
  }
}
