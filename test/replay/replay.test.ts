/**
 * Replays recorded histories of representative runs (test/replay/record.ts) against today's workflow code: a change
 * that would make open runs nondeterministic fails here, before it reaches a worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

const HISTORIES = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(HISTORIES)
  .filter((file) => file.endsWith('.binpb'))
  .sort();
const workflowIds = JSON.parse(fs.readFileSync(path.join(HISTORIES, 'workflow-ids.json'), 'utf8')) as Record<
  string,
  string
>;

beforeAll(() => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
});

test('the recorded histories cover the node kinds, cancellation, continue-as-new and light chains, in each generation', () => {
  expect(files).toEqual(
    expect.arrayContaining(
      ['', '.local-plan'].flatMap((generation) =>
        [
          'branches',
          'cancelled',
          'continued-as-new',
          'retry-delay',
          'subflow-loop-large',
          'wait-signalled',
          'wait-timeout',
        ].map((name) => `${name}${generation}.binpb`),
      ),
    ),
  );
  expect(files).toContain('light-local.local-plan.binpb');
  // Started eagerly by the gateway's worker: the whole run in the workflow task the start call handed back.
  expect(files).toContain('light-eager.local-plan.binpb');
  // Light nodes in a row: one local activity a node (before fused chains), one for the whole chain (since).
  expect(files).toEqual(expect.arrayContaining(['light-chain.local-plan.binpb', 'light-chain.fused.binpb']));
  expect(files).toEqual(expect.arrayContaining(['failed.run-debugger.binpb', 'rerun-from-node.run-debugger.binpb']));
  // A failed run starting its error handler flow (an activity behind a patch), and that handler run failing in turn.
  expect(files).toEqual(expect.arrayContaining(['failed.error-handler.binpb', 'failed-handler.error-handler.binpb']));
  // A trigger payload kept in the store, and a wait keyed by a field inside it (a local activity behind a patch).
  expect(files).toContain('stored-payload.stored-payload.binpb');
  // A fresh run's entry chain run along with its plan: one node (eagerly started, and not), and a chain.
  expect(files).toEqual(
    expect.arrayContaining(['light-eager', 'light-local', 'light-chain'].map((name) => `${name}.entry-chain.binpb`)),
  );
});

test('every recorded history replays without a determinism error', async () => {
  const histories = files.map((file) => ({
    workflowId: workflowIds[file.replace(/\.binpb$/, '')],
    history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(HISTORIES, file))),
  }));
  const failures: Record<string, string> = {};
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowsPath: require.resolve('../../workflows'), replayName: 'interpreter' },
    histories,
  )) {
    replayed++;
    if (result.error) failures[result.workflowId] = `${result.error.name}: ${result.error.message}`;
  }
  expect(failures).toEqual({});
  expect(replayed).toBe(files.length);
});
