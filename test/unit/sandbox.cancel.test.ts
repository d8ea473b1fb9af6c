/**
 * Cancelling a run stops its running node at once: the isolate is disposed whatever the code is doing, in this
 * process and in a sandbox process. Without the abort, each execution below would run to its 60 s time limit (past
 * this file's test timeout) and end with a TimeoutError. The process case forks the compiled child: build first.
 */
import { getEventListeners } from 'node:events';
import fs from 'node:fs';
import type { ExecutionOutcome, ExecutionRequest } from '../../sandbox/contract';
import { InProcessExecutor } from '../../sandbox/inProcess';
import { SandboxSupervisor } from '../../sandbox/supervisor';
import { API_CONTEXT as context, SANDBOX_CHILD_PATH as CHILD_PATH } from '../support/sandbox';

const sandbox = new InProcessExecutor();

const spin: ExecutionRequest = {
  nodeId: 'spin',
  code: 'for (;;) {} return 1;',
  input: {},
  context,
  limits: { timeoutMs: 60_000 },
};

function abortSoon(): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  return controller.signal;
}

function expectStopped(outcome: ExecutionOutcome): void {
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) expect(outcome.error.type).not.toBe('TimeoutError');
}

afterAll(() => sandbox.close());

it('stops an endless loop in this process, and the next function runs', async () => {
  expectStopped(await sandbox.execute(spin, abortSoon()));
  expect(await sandbox.execute({ nodeId: 'next', code: 'return 2;', input: {}, context })).toMatchObject({
    ok: true,
    output: 2,
  });
}, 30_000);

it('stops an endless loop in a sandbox process, and the process runs the next function', async () => {
  if (!fs.existsSync(CHILD_PATH)) throw new Error(`${CHILD_PATH} is missing: run npm run build first`);
  const supervisor = new SandboxSupervisor({ childPath: CHILD_PATH, processes: 1, graceMs: 300 });
  try {
    expectStopped(await supervisor.execute(spin, abortSoon()));
    const pids = supervisor.pids();
    expect(
      await supervisor.execute({ nodeId: 'next', code: 'return 2;', input: {}, context, limits: { timeoutMs: 5_000 } }),
    ).toMatchObject({ ok: true, output: 2 });
    expect(supervisor.pids()).toEqual(pids);
  } finally {
    supervisor.close();
  }
}, 30_000);

it('listens to the run’s signal only while an execution runs (a fused chain runs many under one)', async () => {
  if (!fs.existsSync(CHILD_PATH)) throw new Error(`${CHILD_PATH} is missing: run npm run build first`);
  const supervisor = new SandboxSupervisor({ childPath: CHILD_PATH, processes: 1, graceMs: 300 });
  const signal = new AbortController().signal;
  const trivial: ExecutionRequest = {
    nodeId: 'n',
    code: 'return 1;',
    input: {},
    context,
    limits: { timeoutMs: 5_000 },
  };
  try {
    for (const executor of [sandbox, supervisor]) {
      for (let i = 0; i < 12; i++) expect(await executor.execute(trivial, signal)).toMatchObject({ ok: true });
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    }
  } finally {
    supervisor.close();
  }
}, 30_000);
