/**
 * Hostile code. Every attempt must fail in the intended way — reach nothing of the host, or end with an error
 * naming the limit it hit — and the next execution, on the same worker, must run normally. Most attempts are
 * written to pass static validation (computed names, indirection), so what is tested is the isolate itself.
 */
import type { ExecutionOutcome, ExecutionRequest } from '../../sandbox/contract';
import { InProcessExecutor } from '../../sandbox/inProcess';

const sandbox = new InProcessExecutor();

const hostContext: ExecutionRequest['context'] = {
  trigger: { type: 'api', payload: { shared: { value: 1 } } },
  workflowContext: { workflowId: 'wf', nodeId: 'escape' },
  steps: { earlier: { value: 1 } },
  env: { PUBLIC_URL: 'https://example.test' },
};

function run(
  code: string,
  limits: ExecutionRequest['limits'] = {},
  input: unknown = { value: 1 },
): Promise<ExecutionOutcome> {
  return sandbox.execute({ nodeId: 'escape', code, input, context: hostContext, limits });
}

async function expectNextExecutionWorks(): Promise<void> {
  const outcome = await run(
    'const f = (input, context) => ({ sum: input.value + context.steps.earlier.value, clean: ({}).polluted === undefined });',
  );
  expect(outcome).toMatchObject({ ok: true, output: { sum: 2, clean: true } });
}

function errorOf(outcome: ExecutionOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.output)}`);
  return outcome.error;
}

/** Code whose result says whether it reached a host capability; `false` is the only acceptable answer. */
const REACHED_HOST = `
  const reached = (value) => {
    if (value === null || value === undefined) return false;
    const type = typeof value;
    if (type !== 'object' && type !== 'function') return false;
    try { return typeof value.process === 'object' || typeof value.require === 'function' || typeof value.mainModule === 'object' || typeof value.binding === 'function'; }
    catch { return false; }
  };`;

afterAll(() => sandbox.close());
afterEach(async () => {
  // Nothing an attempt did may leak into the host realm either.
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Error.prepareStackTrace).toBeUndefined();
  await expectNextExecutionWorks();
});

const CONSTRUCTOR = "['constr' + 'uctor']";

describe('constructor chains to a Function constructor', () => {
  it.each([
    [
      'this.constructor.constructor',
      `return (function () { return this; })()${CONSTRUCTOR}${CONSTRUCTOR}('return process')();`,
    ],
    ['input.constructor.constructor', `const f = (input) => input${CONSTRUCTOR}${CONSTRUCTOR}('return process')();`],
    [
      'context.constructor.constructor',
      `const f = (input, context) => context.trigger${CONSTRUCTOR}${CONSTRUCTOR}('return this')();`,
    ],
    ["an arrow function's constructor", `return (() => 1)${CONSTRUCTOR}('return globalThis')();`],
    ["an async function's constructor", `return await (async () => 1)${CONSTRUCTOR}('return 1')();`],
    ["a generator function's constructor", `return (function* () {})${CONSTRUCTOR}('yield 1')().next();`],
    ["an async generator function's constructor", `return (async function* () {})${CONSTRUCTOR}('yield 1')();`],
    ["console.log's constructor", `return console.log${CONSTRUCTOR}('return process')();`],
    ["setTimeout's constructor", `return setTimeout${CONSTRUCTOR}('return process')();`],
    [
      "Reflect.construct on the prototype's constructor",
      `return Reflect.construct(Object.getPrototypeOf(() => 1)${CONSTRUCTOR}, ['return 1'])();`,
    ],
    [
      'a bound constructor',
      `const make = Object.getPrototypeOf(async () => 1)${CONSTRUCTOR}.bind(null); return make('return 1');`,
    ],
    ["moment's constructor", `return moment${CONSTRUCTOR}('return process')();`],
    ["a crypto-js method's constructor", `return crypto.SHA256${CONSTRUCTOR}('return process')();`],
  ])('via %s is refused', async (_label, code) => {
    expect(errorOf(await run(code))).toMatchObject({
      type: 'CodeError',
      name: 'EvalError',
      message: expect.stringContaining('code generation from strings'),
    });
  });

  it('cannot undo the replacement of the prototype constructors', async () => {
    const code = `
      const proto = Object.getPrototypeOf(function () {});
      let redefined = true;
      try { Object.defineProperty(proto, 'constr' + 'uctor', { value: 1 }); } catch { redefined = false; }
      return { redefined, frozen: Object.isFrozen(proto) };`;
    expect(await run(code)).toMatchObject({ ok: true, output: { redefined: false, frozen: true } });
  });
});

describe('code generation and what it could reach', () => {
  it('has no eval, even by computed name', async () => {
    expect(errorOf(await run("return (0, (function () { return this; })()['ev' + 'al'])('1 + 1');"))).toMatchObject({
      type: 'CodeError',
      name: 'TypeError',
    });
  });

  it('has no WebAssembly', async () => {
    expect(await run("return typeof (function () { return this; })()['WebAss' + 'embly'];")).toMatchObject({
      ok: true,
      output: 'undefined',
    });
  });

  it('has no SharedArrayBuffer or Atomics to block the thread with', async () => {
    const code = `const realm = (function () { return this; })();
      return [typeof realm['SharedArray' + 'Buffer'], typeof realm['Ato' + 'mics']];`;
    expect(await run(code)).toMatchObject({ ok: true, output: ['undefined', 'undefined'] });
  });

  it('finds no host object, module system or isolated-vm handle among the globals', async () => {
    const code = `${REACHED_HOST}
      const realm = (function () { return this; })();
      const names = Object.getOwnPropertyNames(realm);
      const suspicious = names.filter((name) => /process|require|module|ivm|isolated|Buffer$|global$/i.test(name) && name !== 'ArrayBuffer');
      return { suspicious, reached: names.some((name) => { try { return reached(realm[name]); } catch { return false; } }) };`;
    expect(await run(code)).toMatchObject({ ok: true, output: { suspicious: [], reached: false } });
  });

  it('cannot use Error.prepareStackTrace to reach a host frame', async () => {
    const code = `${REACHED_HOST}
      Error.prepareStackTrace = (error, frames) => frames.map((frame) => {
        let self, fn;
        try { self = frame.getThis(); } catch {}
        try { fn = frame.getFunction(); } catch {}
        return reached(self) || reached(fn) || reached(fn && fn${CONSTRUCTOR});
      });
      const probe = () => new Error('probe').stack;
      return { anyHostFrame: probe().some((hit) => hit) };`;
    expect(await run(code)).toMatchObject({ ok: true, output: { anyHostFrame: false } });
  });

  it('cannot reach the runtime through arguments.callee.caller', async () => {
    const code = `${REACHED_HOST}
      function probe() { const caller = probe.caller; return { caller: caller === null || caller === undefined ? null : typeof caller }; }
      const f = function (input) { return probe(); };`;
    const outcome = await run(code);
    expect(outcome.ok).toBe(true);
  });

  it('sees only the filtered environment it was given', async () => {
    expect(await run('return { keys: Object.keys(env), fromContext: Object.keys(context.env) };')).toMatchObject({
      ok: true,
      output: { keys: ['PUBLIC_URL'], fromContext: ['PUBLIC_URL'] },
    });
  });
});

describe('throwing, results and getters that fight the runtime', () => {
  it('throws a Proxy whose every trap throws', async () => {
    const code =
      "const f = () => { throw new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } }); };";
    expect(errorOf(await run(code))).toMatchObject({ type: 'CodeError' });
  });

  it('returns a Proxy whose traps throw', async () => {
    const code = "return new Proxy({}, { ownKeys() { throw new Error('no keys for you'); } });";
    expect(errorOf(await run(code))).toMatchObject({
      type: 'ResultError',
      message: expect.stringContaining('no keys for you'),
    });
  });

  it('returns an object whose getter throws', async () => {
    expect(errorOf(await run("return { get secret() { throw new Error('gotcha'); } };"))).toMatchObject({
      type: 'ResultError',
      message: expect.stringContaining('gotcha'),
    });
  });

  it('throws an error whose message getter throws', async () => {
    const code =
      "class Sneaky extends Error { get message() { throw new Error('no'); } } const f = () => { throw new Sneaky(); };";
    expect(errorOf(await run(code))).toMatchObject({ type: 'CodeError' });
  });

  it('throws a non-Error value', async () => {
    expect(errorOf(await run("const f = () => { throw { code: 42, toString() { return 'x'; } }; };"))).toMatchObject({
      type: 'CodeError',
      message: '{"code":42,"toString":"[Function toString]"}',
    });
  });

  it('replaces JSON.stringify and Object.keys to forge its outcome', async () => {
    const code =
      'JSON.stringify = () => \'{"ok":true,"output":"forged"}\'; Object.keys = () => []; return { real: 1 };';
    expect(await run(code)).toMatchObject({ ok: true, output: { real: 1 } });
  });

  it('pollutes Array.prototype iteration before the runtime runs', async () => {
    const code = `Array.prototype[Symbol.iterator] = function* () { throw new Error('iteration hijacked'); };
      const f = (input, context) => context.earlier.value + input.value;`;
    expect(await run(code)).toMatchObject({ ok: true, output: 2 });
  });

  it('redefines Symbol.species on Array and Promise', async () => {
    const code = `${REACHED_HOST}
      class Evil extends Array { static get [Symbol.species]() { return function () { return {}; }; } }
      const mapped = new Evil(1, 2, 3).map((x) => x);
      Object.defineProperty(Promise, Symbol.species, { get() { return function () { throw new Error('species'); }; } });
      return { reached: reached(mapped), plain: !Array.isArray(mapped) };`;
    const outcome = await run(code);
    expect(outcome).toMatchObject({ ok: true, output: { reached: false } });
  });

  it('cannot overwrite console or the timers', async () => {
    const code = `
      'use strict';
      const attempts = [];
      for (const name of ['console', 'setTimeout', 'clearTimeout', 'setInterval']) {
        try { (function () { return this; })()[name] = () => 'hijacked'; attempts.push('replaced'); } catch { attempts.push('refused'); }
      }
      console.log('still captured');
      return attempts;`;
    const outcome = await run(code);
    expect(outcome).toMatchObject({ ok: true, output: ['refused', 'refused', 'refused', 'refused'] });
    expect(outcome.logs[0].args).toEqual(['still captured']);
  });

  it('mutates its input and context without touching the host copies or the next execution', async () => {
    const code =
      "const f = (input, context) => { input.value = 1000; context.steps.earlier.value = 1000; context.trigger.payload.shared.value = 1000; env.PUBLIC_URL = 'evil'; Object.prototype.polluted = true; return 1; };";
    expect(await run(code)).toMatchObject({ ok: true });
    expect(hostContext.steps.earlier).toEqual({ value: 1 });
    expect(hostContext.trigger.payload).toEqual({ shared: { value: 1 } });
    expect(hostContext.env.PUBLIC_URL).toBe('https://example.test');
  });

  it('leaves prototype pollution behind for the next execution to find', async () => {
    expect(
      await run(
        'Object.prototype.polluted = "yes"; Array.prototype.includes = () => true; JSON.parse = () => ({}); return 1;',
      ),
    ).toMatchObject({ ok: true });
    expect(
      await run('return [({}).polluted === undefined, [1].includes(2), JSON.parse("{\\"a\\":1}").a];'),
    ).toMatchObject({ ok: true, output: [true, false, 1] });
  });
});

describe('resource exhaustion', () => {
  it('catastrophic regular expression backtracking', async () => {
    expect(errorOf(await run("return /^(a+)+$/.test('a'.repeat(40) + 'b');", { timeoutMs: 500 }))).toMatchObject({
      type: 'TimeoutError',
    });
  });

  it('unbounded recursion', async () => {
    expect(errorOf(await run('const down = (n) => down(n + 1) + 1; return down(0);'))).toMatchObject({
      type: 'CodeError',
      name: 'RangeError',
    });
  });

  it('recursion that catches its own stack overflow (exponential)', async () => {
    expect(
      errorOf(await run('function f() { try { f(); } catch { f(); } } f(); return 1;', { timeoutMs: 500 })),
    ).toMatchObject({ type: 'TimeoutError' });
  });

  it('an array memory bomb', async () => {
    expect(
      errorOf(
        await run('const keep = []; for (;;) keep.push(new Array(1e5).fill(Math.random())); return 1;', {
          memoryMb: 32,
        }),
      ),
    ).toMatchObject({ type: 'MemoryLimitError' });
  });

  it('an object-graph memory bomb', async () => {
    const code = 'let head = {}; for (;;) head = { next: head, payload: { a: Math.random(), b: [head] } };';
    expect(errorOf(await run(`${code} return 1;`, { memoryMb: 16 }))).toMatchObject({ type: 'MemoryLimitError' });
  });

  it('a huge ArrayBuffer', async () => {
    const error = errorOf(
      await run('const buffer = new ArrayBuffer(2 ** 31); new Uint8Array(buffer).fill(1); return buffer.byteLength;', {
        memoryMb: 32,
      }),
    );
    expect(['MemoryLimitError', 'CodeError']).toContain(error.type);
  });

  it('a log flood', async () => {
    expect(errorOf(await run('for (;;) console.log("flood"); return 1;'))).toMatchObject({ type: 'LogLimitError' });
  });

  it('one enormous log line', async () => {
    expect(errorOf(await run("console.log('x'.repeat(5e6)); return 1;"))).toMatchObject({ type: 'LogLimitError' });
  });

  it('a timer flood', async () => {
    expect(errorOf(await run('for (;;) setTimeout(() => {}, 1); return 1;'))).toMatchObject({
      type: 'TimerLimitError',
    });
  });

  it('an interval flood that keeps re-arming itself', async () => {
    const code =
      'const arm = () => { setInterval(arm, 1); setInterval(arm, 1); }; arm(); await new Promise(() => {}); return 1;';
    expect(errorOf(await run(code, { timeoutMs: 2_000 }))).toMatchObject({ type: 'TimerLimitError' });
  });

  it('a timer whose delay coerces with an endless valueOf', async () => {
    expect(
      errorOf(await run('setTimeout(() => {}, { valueOf() { for (;;) {} } }); return 1;', { timeoutMs: 300 })),
    ).toMatchObject({ type: 'TimeoutError' });
  });

  it('a result bomb', async () => {
    expect(errorOf(await run("return 'x'.repeat(3 * 1024 * 1024);"))).toMatchObject({
      type: 'ResultError',
      message: expect.stringContaining('result size limit'),
    });
  });

  it('a deeply nested result', async () => {
    expect(errorOf(await run('let o = []; for (let i = 0; i < 1e6; i += 1) o = [o]; return o;'))).toMatchObject({
      type: 'ResultError',
    });
  });

  it('a circular result', async () => {
    expect(errorOf(await run('const o = { name: "loop" }; o.self = o; return o;'))).toMatchObject({
      type: 'ResultError',
      message: expect.stringContaining('circular'),
    });
  });

  it('a BigInt result', async () => {
    expect(errorOf(await run('return { big: 10n ** 30n };'))).toMatchObject({
      type: 'ResultError',
      message: expect.stringContaining('BigInt'),
    });
  });

  it('non-JSON values in a result follow JSON rules', async () => {
    expect(await run('return { f: () => 1, s: Symbol("x"), u: undefined, n: NaN, d: new Date(0) };')).toMatchObject({
      ok: true,
      output: { n: null, d: '1970-01-01T00:00:00.000Z' },
    });
  });

  it('a toJSON that never returns', async () => {
    expect(errorOf(await run('return { toJSON() { for (;;) {} } };', { timeoutMs: 300 }))).toMatchObject({
      type: 'TimeoutError',
    });
  });
});

describe('work left running after the function returns', () => {
  it('timers set before returning never run', async () => {
    const outcome = await run(
      "setTimeout(() => console.log('late'), 20); setInterval(() => console.log('tick'), 5); return 'done';",
    );
    expect(outcome).toMatchObject({ ok: true, output: 'done' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(outcome.logs).toEqual([]);
  });

  it('a promise chain that never ends after the return', async () => {
    const outcome = await run("(async () => { for (;;) await null; })(); return 'done';", { timeoutMs: 500 });
    // The result is ready, but the leaked microtasks never let the isolate hand it back: the node times out.
    expect(['TimeoutError']).toContain(errorOf(outcome).type);
  });

  it('an endless loop in a timer after the return never runs', async () => {
    expect(await run("setTimeout(() => { for (;;) {} }, 10); return 'done';", { timeoutMs: 2_000 })).toMatchObject({
      ok: true,
      output: 'done',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('an endless loop in a timer before the return', async () => {
    const code = "setTimeout(() => { for (;;) {} }, 5); await new Promise((r) => setTimeout(r, 200)); return 'done';";
    expect(errorOf(await run(code, { timeoutMs: 300 }))).toMatchObject({ type: 'TimeoutError' });
  });
});
