/**
 * Sandbox processes: isolates run in child processes the worker kills and replaces, so a function that crashes
 * its process or wedges it in an uninterruptible operation fails alone, and the next execution works.
 * Forks the compiled sandbox process: run `npm run build` first (as for the integration tests).
 */
import fs from 'node:fs';
import type { ExecutionOutcome, ExecutionRequest } from '../../sandbox/contract';
import { SandboxSupervisor } from '../../sandbox/supervisor';
import { API_CONTEXT as context, SANDBOX_CHILD_PATH as CHILD_PATH } from '../support/sandbox';

let supervisor: SandboxSupervisor;

function run(code: string, limits: ExecutionRequest['limits'] = {}): Promise<ExecutionOutcome> {
  return supervisor.execute({ nodeId: 'proc', code, input: { x: 1 }, context, limits });
}

async function expectHealthy(): Promise<void> {
  expect(
    await run(
      "const f = (input) => ({ y: input.x + 1, t: moment.tz('2024-07-01T12:00:00Z', 'America/New_York').format() });",
    ),
  ).toMatchObject({
    ok: true,
    output: { y: 2, t: '2024-07-01T08:00:00-04:00' },
  });
}

beforeAll(() => {
  if (!fs.existsSync(CHILD_PATH)) throw new Error(`${CHILD_PATH} is missing: run npm run build first`);
  supervisor = new SandboxSupervisor({ childPath: CHILD_PATH, processes: 1, graceMs: 300 });
});
afterAll(() => supervisor.close());

it('runs functions in a separate process, with logs and limits as in the worker', async () => {
  const outcome = await run('console.log("from the sandbox"); return { y: input.x + 1 };');
  expect(outcome).toMatchObject({
    ok: true,
    output: { y: 2 },
    logs: [expect.objectContaining({ level: 'log', args: ['from the sandbox'] })],
  });
  expect(supervisor.pids()).toHaveLength(1);
  expect(supervisor.pids()).not.toContain(process.pid);
  expect(await run('for (;;) {} return 1;', { timeoutMs: 200 })).toMatchObject({
    ok: false,
    error: { type: 'TimeoutError' },
  });
});

it('fails only the function whose allocation aborts its process, and replaces the process', async () => {
  await expectHealthy();
  const [before] = supervisor.pids();
  // One allocation far past the heap limit: V8 aborts the whole process, which isolated-vm cannot prevent.
  const outcome = await run('const a = new Array(2 ** 26); a.fill(1.5); return a.length;', { memoryMb: 32 });
  expect(outcome).toMatchObject({ ok: false, error: { type: 'MemoryLimitError' } });
  await expectHealthy();
  expect(supervisor.pids()).toHaveLength(1);
  expect(supervisor.pids()).not.toContain(before);
});

it('ends a string-doubling memory bomb, in its isolate or with its process', async () => {
  const outcome = await run("let s = 'x'; for (;;) { s = s + s; s.charCodeAt(s.length - 1); } return 1;", {
    memoryMb: 32,
  });
  expect(outcome).toMatchObject({ ok: false, error: { type: 'MemoryLimitError' } });
  await expectHealthy();
});

it('kills a process wedged in an operation that cannot be interrupted, failing the function with its time limit', async () => {
  await expectHealthy();
  const [before] = supervisor.pids();
  const code =
    'const a = new Float64Array(2 ** 24); for (let i = 0; i < 1000; i += 1) { a[0] = i; a.sort(); } return 1;';
  const outcome = await run(code, { timeoutMs: 100, memoryMb: 128 });
  expect(outcome).toMatchObject({
    ok: false,
    error: { type: 'TimeoutError', message: expect.stringContaining('sandbox process was stopped') },
  });
  await expectHealthy();
  expect(supervisor.pids()).not.toContain(before);
});

it('fails the other executions the killed process held as retryable, and only those', async () => {
  await expectHealthy();
  const wedge = run(
    'const a = new Float64Array(2 ** 24); for (let i = 0; i < 1000; i += 1) { a[0] = i; a.sort(); } return 1;',
    { timeoutMs: 100, memoryMb: 128 },
  );
  const bystander = run('await new Promise((resolve) => setTimeout(resolve, 2000)); return "late";', {
    timeoutMs: 5_000,
  });
  expect(await wedge).toMatchObject({ ok: false, error: { type: 'TimeoutError' } });
  expect(await bystander).toMatchObject({
    ok: false,
    error: { type: 'InternalError', message: expect.stringContaining('retrying may succeed') },
  });
  await expectHealthy();
});
