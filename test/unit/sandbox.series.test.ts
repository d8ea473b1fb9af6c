/**
 * Isolate series (sandbox/series.ts): the executions of one fused chain share an isolate, each in a fresh context.
 * Each must still see only its own realm, keep its own limits, logs and memory figure, and a failed one must leave
 * nothing behind for the next. The sandbox process path is run too, since the supervisor pins a series to a process.
 */
import fs from 'node:fs';
import type { ExecutionOutcome, ExecutionRequest } from '../../sandbox/contract';
import { InProcessExecutor } from '../../sandbox/inProcess';
import { NO_LIBRARIES } from '../../sandbox/libraries';
import { IsolatePool } from '../../sandbox/pool';
import { AlternatingSeries, IsolateSeries } from '../../sandbox/series';
import { SandboxSupervisor } from '../../sandbox/supervisor';
import { API_CONTEXT as context, SANDBOX_CHILD_PATH as CHILD_PATH } from '../support/sandbox';

const sandbox = new InProcessExecutor();
afterAll(() => sandbox.close());

let seriesCount = 0;

/** Runs the codes one after the other in one series, each with the input the previous one answered. */
async function inSeries(
  codes: Array<string | { code: string; limits: ExecutionRequest['limits'] }>,
  executor: Pick<InProcessExecutor, 'execute' | 'endSeries'> = sandbox,
): Promise<ExecutionOutcome[]> {
  const series = `test-${++seriesCount}`;
  const outcomes: ExecutionOutcome[] = [];
  let input: unknown = { y: 0 };
  try {
    for (const [index, step] of codes.entries()) {
      const { code, limits } = typeof step === 'string' ? { code: step, limits: undefined } : step;
      const outcome = await executor.execute({ nodeId: `n${index}`, code, input, context, limits, series });
      outcomes.push(outcome);
      if (outcome.ok) input = outcome.output;
    }
  } finally {
    executor.endSeries(series);
  }
  return outcomes;
}

const bump = 'return { y: (input && input.y || 0) + 1 };';

describe('executions in one series', () => {
  it('each runs in a realm of its own: globals, built-ins and prototypes changed by one are untouched in the next', async () => {
    const [first, second] = await inSeries([
      `const leaked = 'secret';
       var declared = 'also';
       const f = () => {
       Array.prototype.first = function () { return 'polluted'; };
       Object.prototype.polluted = true;
       JSON.parse = () => 'hijacked';
       Math.random = () => 4;
       return { wrote: true };
       };`,
      `return {
         leaked: typeof leaked,
         declared: typeof declared,
         first: typeof [].first,
         polluted: ({}).polluted === undefined,
         parse: JSON.parse('{"a":1}'),
         random: Math.random() !== 4,
       };`,
    ]);
    expect(first).toMatchObject({ ok: true, output: { wrote: true } });
    expect(second).toMatchObject({
      ok: true,
      output: {
        leaked: 'undefined',
        declared: 'undefined',
        first: 'undefined',
        polluted: true,
        parse: { a: 1 },
        random: true,
      },
    });
  });

  it('each is hardened on its own: no route to code generation in a later context', async () => {
    const CONSTRUCTOR = "['constr' + 'uctor']";
    const outcomes = await inSeries([
      bump,
      `return (() => 1)${CONSTRUCTOR}('return globalThis')();`,
      `return await (async () => 1)${CONSTRUCTOR}('return 1')();`,
      `return (function () { return this; })()${CONSTRUCTOR}${CONSTRUCTOR}('return process')();`,
    ]);
    expect(outcomes[0]).toMatchObject({ ok: true });
    for (const outcome of outcomes.slice(1))
      expect(outcome).toMatchObject({
        ok: false,
        error: {
          type: 'CodeError',
          name: 'EvalError',
          message: expect.stringContaining('code generation from strings'),
        },
      });
  });

  it('runs a long series with each output feeding the next, with its own logs and a memory figure each', async () => {
    const outcomes = await inSeries(Array.from({ length: 40 }, (_, index) => `console.log('node ${index}'); ${bump}`));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(outcomes[39]).toMatchObject({ ok: true, output: { y: 40 } });
    for (const [index, outcome] of outcomes.entries()) {
      expect(outcome.logs.map((entry) => [entry.nodeId, entry.args])).toEqual([[`n${index}`, [`node ${index}`]]]);
      expect(outcome.memoryBytes).toBeGreaterThan(0);
      expect(outcome.memoryBytes).toBeLessThan(64 * 1024 * 1024);
    }
  });

  it('a node that overruns its time limit fails alone (synchronous loop or a promise that never settles)', async () => {
    const outcomes = await inSeries([
      bump,
      { code: 'while (true) {} return 1;', limits: { timeoutMs: 200 } },
      bump,
      { code: 'await new Promise(() => {}); return 1;', limits: { timeoutMs: 200 } },
      bump,
    ]);
    expect(outcomes.map((outcome) => (outcome.ok ? outcome.output : outcome.error.type))).toEqual([
      { y: 1 },
      'TimeoutError',
      { y: 2 },
      'TimeoutError',
      { y: 3 },
    ]);
  });

  it('a node past its memory limit fails alone, and each node keeps its own limit', async () => {
    const hog = 'const keep = []; for (;;) keep.push(new Array(100000).fill({ a: 1 })); return 1;';
    const outcomes = await inSeries([
      { code: bump, limits: { memoryMb: 16 } },
      { code: hog, limits: { memoryMb: 16 } },
      { code: bump, limits: { memoryMb: 16 } },
      { code: 'const keep = new Array(2_000_000).fill(1.5); return { y: keep.length };', limits: { memoryMb: 64 } },
    ]);
    expect(outcomes.map((outcome) => (outcome.ok ? outcome.output : outcome.error.type))).toEqual([
      { y: 1 },
      'MemoryLimitError',
      { y: 2 },
      { y: 2_000_000 },
    ]);
  });

  it("a node's CPU limit counts only its own CPU, not the earlier nodes' in the same isolate", async () => {
    const spin = (ms: number) => `const end = Date.now() + ${ms}; while (Date.now() < end) {} ${bump}`;
    const outcomes = await inSeries([
      spin(150),
      spin(150),
      { code: spin(150), limits: { timeoutMs: 1_000, cpuTimeMs: 250 } },
    ]);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true]);
  });

  it('runs through a sandbox process, the series pinned to one of them', async () => {
    if (!fs.existsSync(CHILD_PATH)) throw new Error(`${CHILD_PATH} is missing: run npm run build first`);
    const supervisor = new SandboxSupervisor({ childPath: CHILD_PATH, processes: 2, graceMs: 300 });
    try {
      const outcomes = await inSeries(
        [
          `const mark = 1; const f = (input) => ({ y: input.y + 1 });`,
          'return { y: input.y + 1, mark: typeof mark };',
          { code: 'while (true) {} return 1;', limits: { timeoutMs: 200 } },
          bump,
        ],
        supervisor,
      );
      expect(outcomes.map((outcome) => (outcome.ok ? outcome.output : outcome.error.type))).toEqual([
        { y: 1 },
        { y: 2, mark: 'undefined' },
        'TimeoutError',
        { y: 3 },
      ]);
    } finally {
      supervisor.close();
    }
  });
});

describe('IsolateSeries', () => {
  const spec = { memoryMb: 32, libraries: NO_LIBRARIES };
  let pool: IsolatePool;
  beforeEach(() => (pool = new IsolatePool({ readyPerKind: 1 })));
  afterEach(() => pool.close());

  it('keeps one isolate after clean ends, a new context each time, and disposes it when the series ends', async () => {
    const series = new IsolateSeries((wanted) => pool.take(wanted));
    const first = await series.take(spec, true);
    first.end(true);
    const second = await series.take(spec, true);
    expect(second.isolate).toBe(first.isolate);
    expect(second.context).not.toBe(first.context);
    second.end(true);
    series.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(first.isolate.isDisposed).toBe(true);
  });

  it('lets the isolate go after an end that was not clean, or when the execution may leave host calls behind', async () => {
    const series = new IsolateSeries((wanted) => pool.take(wanted));
    const first = await series.take(spec, true);
    first.end(false);
    const second = await series.take(spec, false);
    expect(second.isolate).not.toBe(first.isolate);
    second.end(true);
    const third = await series.take(spec, true);
    expect(third.isolate).not.toBe(second.isolate);
    third.end(true);
    series.end();
  });

  it('takes a new isolate when the memory limit changes, and gives concurrent executions isolates of their own', async () => {
    const series = new IsolateSeries((wanted) => pool.take(wanted));
    const first = await series.take(spec, true);
    const concurrent = await series.take(spec, true);
    expect(concurrent.isolate).not.toBe(first.isolate);
    concurrent.end(true);
    first.end(true);
    const larger = await series.take({ ...spec, memoryMb: 64 }, true);
    expect(larger.isolate).not.toBe(first.isolate);
    larger.end(true);
    series.end();
  });
});

describe('AlternatingSeries', () => {
  const spec = { memoryMb: 32, libraries: NO_LIBRARIES };
  let pool: IsolatePool;
  beforeEach(() => (pool = new IsolatePool({ readyPerKind: 2 })));
  afterEach(() => pool.close());

  it('a long series takes turns between two isolates, each kept for its next context, both disposed at the end', async () => {
    const series = new AlternatingSeries((wanted) => pool.take(wanted));
    const taken = [];
    for (let index = 0; index < AlternatingSeries.ALONE_FOR + 3; index++) {
      const prepared = await series.take(spec, true);
      taken.push(prepared);
      prepared.end(true);
    }
    const isolates = taken.map((prepared) => prepared.isolate);
    const [first] = isolates;
    const second = isolates[AlternatingSeries.ALONE_FOR + 1];
    expect(second).not.toBe(first);
    // A short series (and a long one's start) stays in one isolate.
    expect(isolates.slice(0, AlternatingSeries.ALONE_FOR + 3)).toEqual([
      ...Array(AlternatingSeries.ALONE_FOR).fill(first),
      first,
      second,
      first,
    ]);
    expect(new Set(taken.map((prepared) => prepared.context)).size).toBe(taken.length);
    series.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect([first.isDisposed, second.isDisposed]).toEqual([true, true]);
  });
});

describe('an execution asked for after the previous one (afterPrevious)', () => {
  /** Asks for every code at once, each after the one before, as a fused chain does; answers the outcomes in order. */
  async function askedAtOnce(
    steps: Array<{ code: string; limits?: ExecutionRequest['limits']; signal?: AbortSignal }>,
    executor: Pick<InProcessExecutor, 'execute' | 'endSeries'> = sandbox,
  ): Promise<ExecutionOutcome[]> {
    const series = `ahead-${++seriesCount}`;
    try {
      return await Promise.all(
        steps.map(({ code, limits, signal }, index) =>
          executor.execute(
            {
              nodeId: `n${index}`,
              code,
              input: index === 0 ? { y: 0 } : null,
              context: { ...context, steps: { trigger: 't', ...(index === 0 ? {} : { [`n${index - 1}`]: null }) } },
              limits,
              series,
              ...(index === 0 ? {} : { afterPrevious: { nodeId: `n${index - 1}`, asInput: true } }),
            },
            signal,
          ),
        ),
      );
    } finally {
      executor.endSeries(series);
    }
  }

  const seen = 'return { y: (input && input.y || 0) + 1, steps: Object.keys(context.steps), last: context.steps.n0 };';

  it("takes the previous one's output as its input and in the steps at its place", async () => {
    const outcomes = await askedAtOnce([{ code: bump }, { code: seen }, { code: bump }]);
    expect(outcomes.map((outcome) => (outcome.ok ? outcome.output : outcome.error))).toEqual([
      { y: 1 },
      { y: 2, steps: ['trigger', 'n0'], last: { y: 1 } },
      { y: 3 },
    ]);
  });

  it('a function that returns nothing hands on null, as input and in the steps, as a chain records it', async () => {
    const [, second] = await askedAtOnce([
      { code: 'return undefined;' },
      { code: 'return { input, steps: context.steps };' },
    ]);
    expect(second.ok && second.output).toEqual({ input: null, steps: { trigger: 't', n0: null } });
  });

  it('does not run after a failure: no output, no logs', async () => {
    const [first, second] = await askedAtOnce([
      { code: 'throw new Error("boom");' },
      { code: 'console.log("ran"); return { ran: true };' },
    ]);
    expect(first.ok).toBe(false);
    expect(second).toMatchObject({ ok: false, logs: [], error: { type: 'InternalError' } });
    expect(!second.ok && second.error.message).toMatch(/n0.*did not succeed/);
  });

  it('its time limit starts when it does, in this process and through a sandbox process', async () => {
    const slow = 'const until = Date.now() + 600; while (Date.now() < until) {} return { y: 1 };';
    const quick = { code: bump, limits: { timeoutMs: 300 } };
    const supervisor = new SandboxSupervisor({ childPath: CHILD_PATH, processes: 1, graceMs: 100 });
    try {
      for (const executor of [sandbox, supervisor]) {
        const outcomes = await askedAtOnce([{ code: slow }, quick], executor);
        expect(outcomes.map((outcome) => (outcome.ok ? outcome.output : outcome.error.message))).toEqual([
          { y: 1 },
          { y: 2 },
        ]);
      }
    } finally {
      supervisor.close();
    }
  });

  it('cancelled while it waits, it answers at once and never runs', async () => {
    const cancel = new AbortController();
    const slow = 'const until = Date.now() + 800; while (Date.now() < until) {} return { y: 1 };';
    setTimeout(() => cancel.abort(), 100);
    const started = performance.now();
    const series = askedAtOnce([{ code: slow }, { code: 'console.log("ran"); return 1;', signal: cancel.signal }]);
    const [first, second] = await series;
    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: false, logs: [], error: { type: 'InternalError' } });
    expect(!second.ok && second.error.message).toMatch(/cancelled/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(700);
  });
});
