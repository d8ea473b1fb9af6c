import type { AttemptRecord } from '../../store/runJournal';
import { temporal } from '@temporalio/proto';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { RecentRunStates, withJournalProgress, workflowTaskBusy } from '../../gateway/runProgress';
import type { NodeViewAnswer } from '../../gateway/runAnswers';

const node = (id: string, extra: Partial<NodeViewAnswer> = {}): NodeViewAnswer => ({
  id,
  type: 'code',
  status: 'pending',
  state: 'pending',
  ...extra,
});

const attempt = (nodeId: string, extra: Partial<AttemptRecord> = {}): AttemptRecord => ({
  runId: 'run-x',
  nodeId,
  execution: 1,
  attempt: 1,
  status: 'running',
  startedAt: '2026-01-01T00:00:01.000Z',
  chain: 'a',
  ...extra,
});

describe('a fused chain seen through the run journal before the workflow records it', () => {
  const before = [
    node('a', { status: 'running', state: 'running', runs: 1, startedAt: '2026-01-01T00:00:00.000Z' }),
    node('b'),
    node('c'),
  ];

  test('the first node ended and the second runs: each as an unfused node would read, marked pendingRecord', () => {
    const nodes = withJournalProgress(
      before,
      [
        attempt('a', {
          status: 'succeeded',
          endedAt: '2026-01-01T00:00:02.000Z',
          durationMs: 900,
          memoryBytes: 1024,
        }),
        attempt('b', { startedAt: '2026-01-01T00:00:02.001Z' }),
      ],
      new Set(),
      false,
    );
    expect(nodes.map((n) => [n.id, n.status, n.state, n.pendingRecord])).toEqual([
      ['a', 'succeeded', 'succeeded', true],
      ['b', 'running', 'running', true],
      ['c', 'pending', 'pending', undefined],
    ]);
    expect(nodes[0]).toMatchObject({
      durationMs: 900,
      memoryBytes: 1024,
      endedAt: '2026-01-01T00:00:02.000Z',
      runs: 1,
    });
    expect(nodes[1]).toMatchObject({ startedAt: '2026-01-01T00:00:02.001Z', attempt: 1, runs: 1 });
    expect(nodes[0].output).toBeUndefined();
  });

  test('a failure carries its error with the node and a kind', () => {
    const [a] = withJournalProgress(
      before,
      [attempt('a', { status: 'failed', error: { name: 'Error', message: 'no', type: 'CodeError' } })],
      new Set(),
      false,
    );
    expect(a.error).toEqual({ name: 'Error', message: 'no', type: 'CodeError', nodeId: 'a' });
  });

  test('in a loop, only the execution not recorded yet counts; recorded ones stay as the workflow has them', () => {
    const looped = [node('b', { status: 'succeeded', state: 'succeeded', runs: 1, output: { round: 1 } })];
    const stale = withJournalProgress(looped, [attempt('b', { status: 'succeeded' })], new Set(), false);
    expect(stale[0]).toEqual(looped[0]);
    const next = withJournalProgress(looped, [attempt('b', { execution: 2 })], new Set(), false);
    expect(next[0]).toMatchObject({ status: 'running', runs: 2, pendingRecord: true });
    expect(next[0].output).toBeUndefined();
  });

  test('a chain run again after a crash shows its new attempt only; a node with an activity of its own is left to Temporal', () => {
    const nodes = withJournalProgress(
      before,
      [attempt('b', { attempt: 1 }), attempt('a', { attempt: 2 })],
      new Set(['c']),
      false,
    );
    expect(nodes.map((n) => n.state)).toEqual(['running', 'pending', 'pending']);
    expect(nodes[0].attempt).toBe(2);
    const remote = withJournalProgress(
      [node('r', { status: 'running', state: 'retrying', runs: 1 })],
      [attempt('r', { status: 'failed', chain: undefined })],
      new Set(['r']),
      true,
    );
    expect(remote[0].state).toBe('retrying');
  });

  test('a node outside any chain takes the journal only while the workflow cannot be asked', () => {
    const running = [node('solo', { status: 'running', state: 'running', runs: 1 })];
    const ended = [attempt('solo', { status: 'succeeded', chain: undefined })];
    expect(withJournalProgress(running, ended, new Set(), false)[0].state).toBe('running');
    expect(withJournalProgress(running, ended, new Set(), true)[0]).toMatchObject({
      state: 'succeeded',
      pendingRecord: true,
    });
  });

  test('with no state of the run read yet, the nodes the journal knows are listed as it tells them', () => {
    const nodes = withJournalProgress(
      [],
      [attempt('a', { status: 'succeeded', chain: undefined }), attempt('b', { execution: 2 }), attempt('b')],
      new Set(),
      true,
    );
    expect(nodes.map((n) => [n.id, n.state, n.runs])).toEqual([
      ['a', 'succeeded', 1],
      ['b', 'running', 2],
    ]);
  });
});

test('the last states kept are bounded in number and age', () => {
  const states = new RecentRunStates<number>();
  for (let i = 0; i < 150; i++) states.keep(`run-${i}`, i, 0);
  expect(states.get('run-0', 0)).toBeUndefined();
  expect(states.get('run-149', 0)).toBe(149);
  expect(states.get('run-149', 11 * 60_000)).toBeUndefined();
  states.keep('run-1', 1, 0);
  states.forget('run-1');
  expect(states.get('run-1', 0)).toBeUndefined();
});

describe('whether a query of the run would wait for its workflow task', () => {
  const { PENDING_WORKFLOW_TASK_STATE_STARTED: STARTED, PENDING_WORKFLOW_TASK_STATE_SCHEDULED: SCHEDULED } =
    temporal.api.enums.v1.PendingWorkflowTaskState;
  const startedAtMs = 1_000_000;
  const describedAs = (historyLength: number, state = STARTED) =>
    ({
      historyLength,
      raw: { pendingWorkflowTask: { state, startedTime: { seconds: startedAtMs / 1000, nanos: 0 } } },
    }) as unknown as WorkflowExecutionDescription;

  test('a later task: only once it has run a while', () => {
    expect(workflowTaskBusy(describedAs(9), startedAtMs + 100)).toBe(false);
    expect(workflowTaskBusy(describedAs(9), startedAtMs + 300)).toBe(true);
  });

  test('the first task (its plan may run the entry chain): at once', () => {
    expect(workflowTaskBusy(describedAs(3), startedAtMs + 1)).toBe(true);
  });

  test('a task not started, or none: never', () => {
    expect(workflowTaskBusy(describedAs(3, SCHEDULED), startedAtMs + 10_000)).toBe(false);
    expect(workflowTaskBusy({ historyLength: 3, raw: {} } as unknown as WorkflowExecutionDescription)).toBe(false);
  });
});
