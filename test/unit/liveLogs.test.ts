/**
 * Live log lines: the sandbox process hands them out while the code runs, before its outcome; the activity's publisher
 * batches them and stops at its bound with one `truncated` batch. Forks the compiled sandbox process: `npm run build` first.
 */
import fs from 'node:fs';
import type { LogEntry } from '../../flow/contracts';
import { LIVE_LOG_MAX_ENTRIES, LiveLogPublisher } from '../../activities/liveLogs';
import type { LiveLogBatch } from '../../store/runJournal';
import { SandboxSupervisor } from '../../sandbox/supervisor';
import { InProcessExecutor } from '../../sandbox/inProcess';
import type { ExecutionRequest } from '../../sandbox/contract';
import { SANDBOX_CHILD_PATH as CHILD_PATH } from '../support/sandbox';

const request: ExecutionRequest = {
  nodeId: 'talk',
  code: `async function talk() {
    for (let i = 0; i < 6; i++) { console.log('line', i); await new Promise((r) => setTimeout(r, 150)); }
    return 'done';
  }`,
  input: null,
  context: { trigger: { type: 'api', payload: null }, workflowContext: {}, steps: {}, env: {} },
};

async function heardWhileRunning(executor: { execute: SandboxSupervisor['execute'] }) {
  const heard: { entries: LogEntry[]; settled: boolean }[] = [];
  let settled = false;
  const outcome = await executor
    .execute(request, undefined, { onLogs: (entries) => heard.push({ entries, settled }) })
    .finally(() => (settled = true));
  return { outcome, heard };
}

test.each([
  ['in this process', () => new InProcessExecutor()],
  ['in a sandbox process', () => new SandboxSupervisor({ childPath: CHILD_PATH, processes: 1, graceMs: 300 })],
])('%s, every line is handed out in order, in several batches, before the outcome', async (_where, create) => {
  if (!fs.existsSync(CHILD_PATH)) throw new Error(`${CHILD_PATH} is missing: run npm run build first`);
  const executor = create();
  try {
    const { outcome, heard } = await heardWhileRunning(executor);
    expect(outcome).toMatchObject({ ok: true, output: 'done' });
    expect(heard.length).toBeGreaterThanOrEqual(2);
    expect(heard.every((batch) => !batch.settled)).toBe(true);
    expect(heard.flatMap((batch) => batch.entries.map((entry) => entry.args[1]))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(outcome.logs).toHaveLength(6);
  } finally {
    executor.close();
  }
});

test('the publisher batches lines and stops at its bound with one truncated batch', async () => {
  const written: LiveLogBatch[] = [];
  const publisher = new LiveLogPublisher(
    { appendLogs: async (batch) => void written.push(batch) },
    { runId: 'r', nodeId: 'n', execution: 1, attempt: 2 },
  );
  const entry = (i: number): LogEntry => ({ level: 'log', timestamp: '', nodeId: 'n', args: [i] });
  publisher.add([entry(0), entry(1)]);
  publisher.add([entry(2)]);
  publisher.add(Array.from({ length: LIVE_LOG_MAX_ENTRIES }, (_, i) => entry(3 + i)));
  publisher.add([entry(-1)]);
  await publisher.settled();
  const entries = written.flatMap((batch) => batch.entries);
  expect(entries).toHaveLength(LIVE_LOG_MAX_ENTRIES);
  expect(entries.slice(0, 3).map((e) => e.args[0])).toEqual([0, 1, 2]);
  expect(written.filter((batch) => batch.truncated)).toHaveLength(1);
  expect(written[written.length - 1]).toMatchObject({ truncated: true, attempt: 2, execution: 1 });
  expect(written.map((batch) => batch.seq)).toEqual(written.map((_, i) => i + 1));
});
