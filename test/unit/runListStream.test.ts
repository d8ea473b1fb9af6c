import { LiveRunLists, MAX_LIVE_LISTS } from '../../gateway/runListStream';
import type { RunListAnswer } from '../../gateway/runAnswers';
import type { RunListQuery } from '../../gateway/schemas';

const query = (flowId?: string): RunListQuery => ({ pageSize: 25, ...(flowId ? { flowId } : {}) });
const page = (status: string): RunListAnswer => ({ runs: [{ runId: 'run-a', status }] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  expect(check()).toBe(true);
}

test('clients of the same list share one read per tick, are told of changes only, and the list stops when they leave', async () => {
  let reads = 0;
  let status = 'running';
  const lists = new LiveRunLists(
    {
      list: async () => {
        reads++;
        return page(status);
      },
    },
    20,
  );
  const seenA: string[] = [];
  const seenB: string[] = [];
  const stopA = lists.follow('ws', query(), page('running'), (p) => seenA.push(p.runs[0].status));
  const stopB = lists.follow('ws', query(), page('running'), (p) => seenB.push(p.runs[0].status));
  expect(lists.size).toBe(1);
  await sleep(100);
  expect(seenA).toEqual([]);
  const readsBefore = reads;
  await sleep(100);
  // One read a tick for both clients (a tick is 20 ms here): nowhere near two a tick.
  expect(reads - readsBefore).toBeLessThanOrEqual(7);
  status = 'completed';
  await until(() => seenA.length === 1 && seenB.length === 1);
  expect(seenA).toEqual(['completed']);
  stopA();
  stopB();
  await until(() => lists.size === 0);
  const readsAfter = reads;
  await sleep(100);
  expect(reads).toBe(readsAfter);
});

test('past MAX_LIVE_LISTS different lists, another is refused with a 503', async () => {
  const lists = new LiveRunLists({ list: async () => page('running') }, 20);
  const stops = [];
  for (let i = 0; i < MAX_LIVE_LISTS; i++) stops.push(lists.follow('ws', query(`f${i}`), page('running'), () => {}));
  expect(() => lists.assertRoom('ws', query('f0'))).not.toThrow();
  expect(() => lists.assertRoom('ws', query('other'))).toThrow(expect.objectContaining({ status: 503 }));
  for (const stop of stops) stop();
  await until(() => lists.size === 0);
});
