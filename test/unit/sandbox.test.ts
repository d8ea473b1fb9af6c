import type { ExecutionOutcome, ExecutionRequest } from '../../sandbox/contract';
import { InProcessExecutor } from '../../sandbox/inProcess';

const sandbox = new InProcessExecutor();

const baseContext: ExecutionRequest['context'] = {
  trigger: { type: 'api', source: 'test', payload: { hello: 'world' } },
  workflowContext: { workflowId: 'run-f-1', runId: 'r1', nodeId: 'n1', flowId: 'f', flowVersion: 3, attempt: 1 },
  steps: { previousStep: { value: 41 } },
  env: { PUBLIC_URL: 'https://example.test' },
};

function run(code: string, input: unknown = {}, extra: Partial<ExecutionRequest> = {}): Promise<ExecutionOutcome> {
  return sandbox.execute({ nodeId: 'n1', code, input, context: baseContext, ...extra });
}

async function output(code: string, input: unknown = {}): Promise<unknown> {
  const outcome = await run(code, input);
  if (!outcome.ok) throw new Error(`${outcome.error.type}: ${outcome.error.message}\n${outcome.error.stack ?? ''}`);
  return outcome.output;
}

afterAll(() => sandbox.close());

describe('function forms', () => {
  it.each([
    ['const f = (input, context) => ({ y: input.x + 1 });'],
    ['async function f(input, context) { return { y: input.x + 1 }; }'],
    ['(function (input) { return { y: input.x + 1 }; })'],
    ['return { y: input.x + 1 };'],
    ['const f = async (input) => { await null; return { y: input.x + 1 }; };'],
  ])('runs %s', async (code) => {
    expect(await output(code, { x: 1 })).toEqual({ y: 2 });
  });
});

describe('language', () => {
  it('runs ES2023 syntax and built-ins', async () => {
    const code = `class Counter { #count = 0; static #made = 0; bump() { this.#count += 1; return this.#count; } static { Counter.#made = 1; } }
      const f = async (input) => {
        const counter = new Counter();
        counter.bump();
        let fallback; fallback ??= 'set';
        const last = [1, 2, 3, 4].findLast((n) => n % 2 === 1);
        const sorted = [3, 1, 2].toSorted();
        const { a, ...rest } = { a: 1, b: 2, c: 3 };
        return { count: counter.bump(), fallback, last, sorted, rest, big: (2n ** 64n).toString(), at: [1, 2, 3].at(-1), hasOwn: Object.hasOwn(rest, 'b') };
      };`;
    expect(await output(code)).toEqual({
      count: 2,
      fallback: 'set',
      last: 3,
      sorted: [1, 2, 3],
      rest: { b: 2, c: 3 },
      big: '18446744073709551616',
      at: 3,
      hasOwn: true,
    });
  });
});

describe('context', () => {
  it('gives trigger, workflow context, steps (also as context[nodeId]) and env', async () => {
    const result = await output(
      'const f = (input, context) => ({ trigger: context.trigger.payload, wf: context.workflowContext.flowVersion, ' +
        'step: context.steps.previousStep.value, direct: context.previousStep.value, env: context.env.PUBLIC_URL, globalEnv: env.PUBLIC_URL });',
    );
    expect(result).toEqual({
      trigger: { hello: 'world' },
      wf: 3,
      step: 41,
      direct: 41,
      env: 'https://example.test',
      globalEnv: 'https://example.test',
    });
  });
});

describe('moment with time zones, against the real library on the host', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hostMoment = require('moment-timezone') as typeof import('moment-timezone');

  it.each([
    ['2024-07-01T12:00:00Z', 'America/New_York'],
    ['2024-01-15T12:00:00Z', 'America/New_York'],
    ['2024-03-10T06:59:00Z', 'America/New_York'],
    ['2024-03-10T07:00:00Z', 'America/New_York'],
    ['2024-11-03T05:30:00Z', 'America/New_York'],
    ['2024-11-03T06:30:00Z', 'America/New_York'],
    ['2024-10-27T00:30:00Z', 'Europe/London'],
    ['1995-06-01T00:00:00Z', 'Asia/Kolkata'],
    ['2024-07-01T12:00:00Z', 'US/Eastern'],
    ['2024-07-01T12:00:00Z', 'australia/sydney'],
  ])('%s in %s', async (instant, zone) => {
    const code =
      'const f = (input) => { const m = moment(input.instant).tz(input.zone); return [m.format(), m.utcOffset(), m.isDST(), m.zoneAbbr()]; };';
    const expected = hostMoment(instant).tz(zone);
    expect(await output(code, { instant, zone })).toEqual([
      expected.format(),
      expected.utcOffset(),
      expected.isDST(),
      expected.zoneAbbr(),
    ]);
  });

  it("runs the seed's sample: moment().tz('America/New_York').format()", async () => {
    const result = (await output("return moment().tz('America/New_York').format();")) as string;
    const expectedOffset = hostMoment().tz('America/New_York').format('Z');
    expect(result.endsWith(expectedOffset)).toBe(true);
    expect(Math.abs(hostMoment(result).valueOf() - Date.now())).toBeLessThan(60_000);
  });

  it('hands out zone objects that look like the real ones, before and after the whole database is loaded', async () => {
    const code = `const before = moment.tz.zone('America/New_York');
      const shape = { keys: Object.keys(before).sort(), untils: before.untils.length, last: before.untils[before.untils.length - 1] };
      moment.tz.names();
      return { shape, same: moment.tz.zone('America/New_York').utcOffset(Date.UTC(2024, 6, 1)), alias: moment.tz.zone('US/Eastern').name };`;
    const zone = hostMoment.tz.zone('America/New_York')!;
    expect(await output(code)).toEqual({
      shape: { keys: Object.keys(zone).sort(), untils: zone.untils.length, last: null },
      same: zone.utcOffset(Date.UTC(2024, 6, 1)),
      alias: hostMoment.tz.zone('US/Eastern')!.name,
    });
  });

  it('parses in a zone, lists zones and formats like the host', async () => {
    const code = `return {
      parsed: moment.tz('2024-03-31 02:30', 'Europe/Paris').format(),
      names: moment.tz.names().length,
      exists: [moment.tz.zone('Asia/Tokyo') !== null, moment.tz.zone('Mars/Olympus') === null],
      seed: moment('2024-05-04').format('MMMM Do, YYYY'),
    };`;
    expect(await output(code)).toEqual({
      parsed: hostMoment.tz('2024-03-31 02:30', 'Europe/Paris').format(),
      names: hostMoment.tz.names().length,
      exists: [true, true],
      seed: 'May 4th, 2024',
    });
  });
});

describe('crypto-js as crypto and CryptoJS, against the real library on the host', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const CryptoJS = require('crypto-js') as typeof import('crypto-js');

  it("runs the seed's sample: crypto.SHA256('sensitive-data').toString()", async () => {
    expect(await output("return crypto.SHA256('sensitive-data').toString();")).toBe(
      CryptoJS.SHA256('sensitive-data').toString(),
    );
  });

  it('computes hashes and HMACs in every encoding', async () => {
    const code = `return [
      CryptoJS.SHA256('abc').toString(CryptoJS.enc.Base64),
      crypto.HmacSHA256('message', 'secret').toString(crypto.enc.Hex),
      crypto.MD5('abc').toString(),
      crypto.SHA512('abc').toString(),
      crypto.SHA1('abc').toString(),
    ];`;
    expect(await output(code)).toEqual([
      CryptoJS.SHA256('abc').toString(CryptoJS.enc.Base64),
      CryptoJS.HmacSHA256('message', 'secret').toString(CryptoJS.enc.Hex),
      CryptoJS.MD5('abc').toString(),
      CryptoJS.SHA512('abc').toString(),
      CryptoJS.SHA1('abc').toString(),
    ]);
  });

  it('encrypts with AES in the isolate and decrypts on the host, and back', async () => {
    const sealedInIsolate = (await output(
      "return crypto.AES.encrypt('top secret', 'passphrase').toString();",
    )) as string;
    expect(CryptoJS.AES.decrypt(sealedInIsolate, 'passphrase').toString(CryptoJS.enc.Utf8)).toBe('top secret');
    const sealedOnHost = CryptoJS.AES.encrypt('from host', 'pass').toString();
    expect(
      await output('const f = (input) => CryptoJS.AES.decrypt(input.sealed, "pass").toString(CryptoJS.enc.Utf8);', {
        sealed: sealedOnHost,
      }),
    ).toBe('from host');
  });

  it('loads the whole library when the code uses it in a way the loader cannot follow', async () => {
    const code = "const f = (input) => { const lib = crypto; return lib[input.algo]('abc').toString(); };";
    expect(await output(code, { algo: 'RIPEMD160' })).toBe(CryptoJS.RIPEMD160('abc').toString());
  });
});
