import { LIGHT_NODE_CPU_MS, NodeCostBacking, NodeCosts } from '../../activities/nodeCosts';
import type { NodeCost } from '../../store/nodeCosts';

/** The store's side as a map (the real collection is store/nodeCosts.ts), counting what is asked of it. */
class MapBacking implements NodeCostBacking {
  readonly docs = new Map<string, NodeCost>();
  reads = 0;
  writes = 0;
  async read(keys: string[]): Promise<NodeCost[]> {
    this.reads += 1;
    return keys.flatMap((key) => (this.docs.has(key) ? [this.docs.get(key)!] : []));
  }
  async write(_flowId: string, cost: NodeCost): Promise<void> {
    this.writes += 1;
    this.docs.set(cost.key, cost);
  }
}

const node = (id: string, code = `return ${JSON.stringify(id)};`) => ({ id, code });

test('a node is light once its function used less CPU than the threshold; unmeasured it is not', async () => {
  const costs = new NodeCosts();
  const [a, b, c] = [node('a'), node('b'), node('c')];
  expect(await costs.lightNodes('f', [a, b, c])).toEqual([]);
  await costs.note('f', a, 2);
  await costs.note('f', b, LIGHT_NODE_CPU_MS);
  expect(await costs.lightNodes('f', [a, b, c])).toEqual(['a']);
  await costs.note('f', a, 250);
  await costs.note('f', b, 0.4);
  expect(await costs.lightNodes('f', [a, b, c])).toEqual(['b']);
});

test('a measurement is the flow’s and the code’s: same code in a new version counts, changed code or another flow not', async () => {
  const costs = new NodeCosts();
  await costs.note('f', node('a', 'return 1;'), 3);
  expect(await costs.lightNodes('f', [node('a', 'return 1;')])).toEqual(['a']);
  expect(await costs.lightNodes('f', [node('a', 'return 2;')])).toEqual([]);
  expect(await costs.lightNodes('g', [node('a', 'return 1;')])).toEqual([]);
});

test('a process that never ran a node plans it as another process measured it, through the store', async () => {
  const backing = new MapBacking();
  const first = new NodeCosts(backing);
  await first.note('f', node('a'), 5);
  await first.note('f', node('b'), 900);
  const fresh = new NodeCosts(backing);
  expect(await fresh.lightNodes('f', [node('a'), node('b')])).toEqual(['a']);
  expect(backing.reads).toBe(1);
  // Known now: the next plans ask the store nothing.
  expect(await fresh.lightNodes('f', [node('a'), node('b')])).toEqual(['a']);
  expect(backing.reads).toBe(1);
});

test('the store is written on a first measurement and when a node changes side, not on every run', async () => {
  const backing = new MapBacking();
  const costs = new NodeCosts(backing);
  const a = node('a');
  for (const cpuMs of [3, 4, 2, 5]) await costs.note('f', a, cpuMs);
  expect(backing.writes).toBe(1);
  await costs.note('f', a, 400);
  await costs.note('f', a, 380);
  expect(backing.writes).toBe(2);
  expect([...backing.docs.values()].map((doc) => doc.cpuMs)).toEqual([400]);
  // A process that read the stored figure writes only when its own measurement changes side.
  const other = new NodeCosts(backing);
  expect(await other.lightNodes('f', [a])).toEqual([]);
  await other.note('f', a, 500);
  expect(backing.writes).toBe(2);
  await other.note('f', a, 1);
  expect(backing.writes).toBe(3);
});

test('a node the store has no figure for is asked again at the next plan, then less and less often', async () => {
  const backing = new MapBacking();
  let now = 1_000_000;
  const costs = new NodeCosts(backing, () => now);
  const plan = () => costs.lightNodes('f', [node('a')]);
  expect(await plan()).toEqual([]);
  expect(await plan()).toEqual([]);
  expect(backing.reads).toBe(2);
  expect(await plan()).toEqual([]);
  expect(backing.reads).toBe(2);
  now += 1_000;
  expect(await plan()).toEqual([]);
  expect(backing.reads).toBe(3);
  now += 1_000;
  expect(await plan()).toEqual([]);
  expect(backing.reads).toBe(3);
  // Another process runs it meanwhile.
  await new NodeCosts(backing).note('f', node('a'), 1);
  now += 1_000;
  expect(await plan()).toEqual(['a']);
  expect(backing.reads).toBe(4);
  expect(await plan()).toEqual(['a']);
  expect(backing.reads).toBe(4);
});

test('a store that fails or hangs leaves the nodes not light, and the plan is not held up', async () => {
  const failing = new NodeCosts({
    read: () => Promise.reject(new Error('down')),
    write: () => Promise.reject(new Error('down')),
  });
  expect(await failing.lightNodes('f', [node('a')])).toEqual([]);
  await failing.note('f', node('a'), 1); // a failed write is not thrown
  expect(await failing.lightNodes('f', [node('a')])).toEqual(['a']);

  // The store never answers: the plan goes on without it (the test would time out otherwise).
  const hanging = new NodeCosts({ read: () => new Promise(() => undefined), write: async () => undefined });
  expect(await hanging.lightNodes('f', [node('a')])).toEqual([]);
});
