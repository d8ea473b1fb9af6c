/** Each limit ends only the execution that breaches it, with an error naming the limit; the next one works. */
import type { ExecutionOutcome, ExecutionRequest } from '../../sandbox/contract';
import { InProcessExecutor } from '../../sandbox/inProcess';

const sandbox = new InProcessExecutor();

const context: ExecutionRequest['context'] = {
  trigger: { type: 'api', payload: null },
  workflowContext: {},
  steps: {},
  env: {},
};

function run(code: string, limits: ExecutionRequest['limits'] = {}, input: unknown = {}): Promise<ExecutionOutcome> {
  return sandbox.execute({ nodeId: 'limits', code, input, context, limits });
}

async function expectHealthy(): Promise<void> {
  const outcome = await run('return { fine: true };');
  expect(outcome).toMatchObject({ ok: true, output: { fine: true } });
}

function errorOf(outcome: ExecutionOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.output)}`);
  return outcome.error;
}

afterAll(() => sandbox.close());

describe('limits', () => {
  it('ends a synchronous endless loop at the time limit', async () => {
    expect(errorOf(await run('for (;;) {} return 1;', { timeoutMs: 300 }))).toMatchObject({
      type: 'TimeoutError',
      message: expect.stringContaining('300 ms time limit'),
    });
    await expectHealthy();
  });

  it('ends an endless loop in the top-level code (before the function is called) at the time limit', async () => {
    expect(errorOf(await run('const f = () => 1;\nfor (;;) {}', { timeoutMs: 300 }))).toMatchObject({
      type: 'TimeoutError',
    });
    await expectHealthy();
  });

  it('ends an async wait at the time limit', async () => {
    expect(errorOf(await run('await new Promise(() => {}); return 1;', { timeoutMs: 300 }))).toMatchObject({
      type: 'TimeoutError',
    });
    await expectHealthy();
  });

  it('ends a loop started after an await (no host call is running) at the time limit', async () => {
    expect(errorOf(await run('await null; for (;;) {}', { timeoutMs: 300 }))).toMatchObject({ type: 'TimeoutError' });
    await expectHealthy();
  });

  it('ends a CPU-bound function at its CPU limit, even while it waits in between', async () => {
    const code =
      'for (;;) { for (let j = 0; j < 2e6; j += 1) {} await new Promise((r) => setTimeout(r, 1)); } return 1;';
    expect(errorOf(await run(code, { timeoutMs: 30_000, cpuTimeMs: 200 }))).toMatchObject({
      type: 'CpuLimitError',
      message: expect.stringContaining('200 ms CPU time limit'),
    });
    await expectHealthy();
  });

  it('ends a function that allocates past its memory limit', async () => {
    const code = 'const keep = []; for (;;) keep.push(new Array(100000).fill({ a: 1 })); return 1;';
    expect(errorOf(await run(code, { memoryMb: 16 }))).toMatchObject({
      type: 'MemoryLimitError',
      message: expect.stringContaining('16 MB'),
    });
    await expectHealthy();
  });

  it('ends a function that logs past its log limit, keeping the logs before it', async () => {
    const outcome = await run('for (let i = 0; i < 100; i += 1) console.log("line", i); return 1;', {
      maxLogEntries: 10,
    });
    expect(errorOf(outcome)).toMatchObject({ type: 'LogLimitError', message: expect.stringContaining('10 entries') });
    expect(outcome.logs).toHaveLength(10);
    await expectHealthy();
  });

  it('does not let the function swallow the log limit', async () => {
    const code =
      'for (let i = 0; i < 100; i += 1) { try { console.log("x".repeat(100)); } catch {} } return "swallowed";';
    expect(errorOf(await run(code, { maxLogChars: 1_000 }))).toMatchObject({ type: 'LogLimitError' });
    await expectHealthy();
  });

  it('ends a function that sets too many timers', async () => {
    expect(
      errorOf(await run('for (let i = 0; i < 1000; i += 1) setTimeout(() => {}, 1000); return 1;', { maxTimers: 50 })),
    ).toMatchObject({
      type: 'TimerLimitError',
      message: expect.stringContaining('50 pending timers'),
    });
    await expectHealthy();
  });

  it('refuses a timer that would fire after the time limit', async () => {
    expect(errorOf(await run('setTimeout(() => {}, 60000); return 1;', { timeoutMs: 1_000 }))).toMatchObject({
      type: 'TimerLimitError',
      message: expect.stringContaining('setTimeout delay of 60000 ms'),
    });
    await expectHealthy();
  });

  it('runs timers and intervals within the limits, and clears them', async () => {
    const code = `
      let ticks = 0;
      const cancelled = setTimeout(() => { ticks = -1000; }, 1);
      clearTimeout(cancelled);
      await new Promise((resolve) => {
        const interval = setInterval(() => { ticks += 1; if (ticks === 3) { clearInterval(interval); resolve(); } }, 2);
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      return ticks;`;
    expect(await run(code)).toMatchObject({ ok: true, output: 3 });
  });

  it('fails the function when a timer callback throws, with the callback error', async () => {
    const code =
      'setTimeout(() => { throw new TypeError("late failure"); }, 5); await new Promise((r) => setTimeout(r, 200)); return 1;';
    expect(errorOf(await run(code))).toMatchObject({ type: 'CodeError', name: 'TypeError', message: 'late failure' });
    await expectHealthy();
  });

  it('ends a function whose result is larger than the result size limit', async () => {
    expect(errorOf(await run('return "x".repeat(5000);', { maxResultBytes: 1_000 }))).toMatchObject({
      type: 'ResultError',
      message: expect.stringContaining('1000-byte result size limit'),
    });
    await expectHealthy();
  });

  it('fails a function that emits an event nested past the payload limit, naming the event and the place', async () => {
    const code =
      'let deep = {}; for (let i = 0; i < 300; i += 1) deep = { a: deep };\n' +
      'context.emit("fine.event", { ok: true }); context.emit("order.created", { order: deep }); return 1;';
    expect(errorOf(await run(code))).toMatchObject({
      type: 'ResultError',
      message: expect.stringMatching(
        /context\.emit\("order\.created"\).*nested deeper than 256 levels.*emitted\[1\]\.payload\.order\.a/,
      ),
    });
    await expectHealthy();
  });

  it('reports memory used per execution', async () => {
    const small = await run('return 1;');
    const large = await run('const keep = new Array(200000).fill(0).map((_, i) => ({ i })); return keep.length;');
    expect(small.memoryBytes).toBeGreaterThan(0);
    expect(large.memoryBytes).toBeGreaterThan(small.memoryBytes);
  });

  it('reports the CPU the function used, not the isolate’s preparation; a breached CPU limit reports at least it', async () => {
    const small = await run('return 1;');
    const busy = await run('let x = 0; for (let i = 0; i < 3e7; i += 1) x += i % 7; return x;');
    const spun = await run('for (;;) {} return 1;', { cpuTimeMs: 150 });
    expect(errorOf(spun).type).toBe('CpuLimitError');
    expect(small.cpuMs).toBeGreaterThanOrEqual(0);
    expect(busy.cpuMs).toBeGreaterThan(small.cpuMs!);
    expect(spun.cpuMs).toBeGreaterThanOrEqual(140);
  });
});

describe('errors and logs', () => {
  it('keeps the message and a stack with the line numbers of the user code', async () => {
    const code = 'const f = (input) => {\n  const x = 1;\n  throw new RangeError("bad input " + x);\n};';
    const error = errorOf(await run(code));
    expect(error).toMatchObject({ type: 'CodeError', name: 'RangeError', message: 'bad input 1' });
    expect(error.stack).toContain('limits.js:3:');
    expect(error.stack).not.toContain('isolated-vm');
  });

  it('captures console levels with structured arguments', async () => {
    const outcome = await run(
      'console.info("user", { id: 7, tags: ["a"] }); console.warn("careful"); console.error(new Error("boom")); return 1;',
    );
    expect(outcome.logs.map((entry) => [entry.level, entry.nodeId])).toEqual([
      ['info', 'limits'],
      ['warn', 'limits'],
      ['error', 'limits'],
    ]);
    expect(outcome.logs[0].args).toEqual(['user', { id: 7, tags: ['a'] }]);
    expect(outcome.logs[2].args[0]).toMatchObject({ name: 'Error', message: 'boom' });
  });

  it('answers a validation error naming rule, line and column, without running anything', async () => {
    const error = errorOf(await run('const f = () => {\n  process.exit(1);\n};'));
    expect(error).toMatchObject({
      type: 'ValidationError',
      message: expect.stringContaining('no-process, line 2, column 3'),
    });
  });
});
