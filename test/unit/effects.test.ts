import { isSideEffectFree, sideEffectFreeNodes } from '../../flow/effects';

describe('side-effect-free code nodes (run locally when light)', () => {
  test.each([
    ['a bare body', 'return { y: (input.y || 0) + 1 };'],
    [
      'the seed approval logic',
      'const approvalLogic = (input, context) => { const amount = input.purchaseAmount; return { nextPath: amount > 10000 ? "executive-approval" : "auto-approve" }; };',
    ],
    [
      'moment and crypto-js',
      'return { at: moment().tz("America/New_York").format(), hash: crypto.SHA256(input.id).toString() };',
    ],
    ['env, steps and logs', 'console.log(env.API_URL); return { prev: context.steps.a, key: context.env.KEY };'],
    [
      'async code awaiting nothing outside',
      'const f = async (input) => { const x = await Promise.resolve(input.n); return { x }; };',
    ],
  ])('%s cannot reach outside its isolate', (_label, code) => {
    expect(isSideEffectFree(code)).toBe(true);
  });

  test.each([
    ['axios', "const f = async () => (await axios.get('https://api.example.com')).data;"],
    ['nodemailer', "const t = nodemailer.createTransporter({ host: 'smtp.example.com' }); return t;"],
    ['MongoClient', 'const c = new MongoClient(env.MONGODB_URI); return 1;'],
    ['a timer', 'return await new Promise((resolve) => setTimeout(resolve, 10));'],
    ['the global object through this', 'function main() { return this["ax" + "ios"]; }'],
    ['globalThis', 'return globalThis;'],
    ['a shadowing local name, conservatively', 'const axios = 1; return axios;'],
    ['a syntax error', 'return {'],
  ])('%s counts as reaching outside', (_label, code) => {
    expect(isSideEffectFree(code)).toBe(false);
  });

  test('lists the code nodes of a definition that qualify, and never other kinds', () => {
    expect(
      sideEffectFreeNodes({
        id: 'f',
        name: 'f',
        nodes: [
          { id: 'pure', type: 'code', code: 'return 1;' },
          { id: 'call', type: 'code', code: "return axios.get('https://example.com');" },
          { id: 'pause', type: 'delay', durationMs: 10 },
        ],
        edges: [],
      } as never),
    ).toEqual(['pure']);
  });
});
