import { analyzeCode, CodeProblem } from '../../flow/code';

function problemsOf(code: string): CodeProblem[] {
  const analysis = analyzeCode(code);
  if (analysis.ok) throw new Error(`expected problems in: ${code}`);
  return analysis.problems;
}

function rulesOf(code: string): string[] {
  return problemsOf(code).map((problem) => problem.rule);
}

describe('entry forms', () => {
  it.each([
    [
      'const processUserData = (input, context) => { return input; };',
      { kind: 'declaration', name: 'processUserData' },
    ],
    [
      'async function sendWelcomeEmail(input, context) { return 1; }',
      { kind: 'declaration', name: 'sendWelcomeEmail' },
    ],
    ['(input, context) => input.x', { kind: 'expression' }],
    ['return { y: input.x + 1 };', { kind: 'body' }],
    ['const helper = (x) => x; const main = (input) => helper(input);', { kind: 'declaration', name: 'main' }],
  ])('finds the function in %s', (code, expected) => {
    const analysis = analyzeCode(code);
    expect(analysis.ok && analysis.entry).toMatchObject(expected);
  });

  it('reports code without a usable function', () => {
    expect(rulesOf('const x = 1;')).toEqual(['no-function']);
  });

  it('reports syntax errors with line and column', () => {
    expect(problemsOf('const f = (input) => {\n  return input +;\n};')).toEqual([
      expect.objectContaining({ rule: 'syntax', line: 2, column: 17 }),
    ]);
  });
});

describe('forbidden patterns (the seed\'s "blocked" samples)', () => {
  it.each([
    ["require('fs');", ['no-require', 'no-fs']],
    ["eval('malicious code');", ['no-eval']],
    ['process.exit(1);', ['no-process']],
    ['global.sensitive = {};', ['no-global']],
    ["require('child_process')", ['no-require', 'no-child-process']],
    ["eval('user.input')", ['no-eval']],
    ["fs.readFileSync('/etc/passwd')", ['no-fs']],
    ['process.env.JWT_SECRET', ['no-process']],
    ['global.sensitive = data', ['no-global']],
  ])('blocks %s', (sample, rules) => {
    const code = `const f = (input, context) => {\n  ${sample}\n  return 1;\n};`;
    const problems = problemsOf(code);
    expect(problems.map((problem) => problem.rule)).toEqual(rules);
    expect(problems[0]).toMatchObject({ line: 2, column: 3 });
  });

  it.each([
    ['new Function("return this")()', 'no-function-constructor'],
    ['Function("return 1")', 'no-function-constructor'],
    ['(async () => {}).constructor("return 1")', 'no-function-constructor'],
    ['input["constructor"]("x")', 'no-function-constructor'],
    ['globalThis.x = 1', 'no-globalthis'],
    ['const p = globalThis', 'no-globalthis'],
    ['__dirname', 'no-dirname'],
    ['__filename', 'no-filename'],
    ["import('fs')", 'no-import'],
    ['import("os").then(() => 1)', 'no-import'],
    ['const e = eval; e("1")', 'no-eval'],
    ['const r = require', 'no-require'],
    ["const m = 'node:child_process'", 'no-child-process'],
  ])('blocks %s', (sample, rule) => {
    expect(rulesOf(`const f = async (input) => {\n${sample};\nreturn 1; };`)).toContain(rule);
  });

  it('reports static imports as a rule, not as a syntax error', () => {
    const problems = problemsOf("import fs from 'fs';\nconst f = (input) => 1;");
    expect(problems).toEqual([
      expect.objectContaining({ rule: 'no-import', line: 1, column: 1 }),
      expect.objectContaining({ rule: 'no-fs', line: 1, column: 16 }),
    ]);
  });

  it('reports every finding, in source order', () => {
    const problems = problemsOf('const f = (input) => {\n  eval("1");\n  process.exit(1);\n  return __dirname;\n};');
    expect(problems.map(({ rule, line, column }) => ({ rule, line, column }))).toEqual([
      { rule: 'no-eval', line: 2, column: 3 },
      { rule: 'no-process', line: 3, column: 3 },
      { rule: 'no-dirname', line: 4, column: 10 },
    ]);
  });

  it.each([
    'const f = (input) => input.process + input.fs.size;',
    'const f = (input) => ({ process: 1, fs: 2, global: 3, eval: 4 });',
    'const f = (input) => { const fs = input.files; return fs.length; };',
    'const f = ({ process }) => process.step;',
    "const f = (input) => ({ unit: 'fs', label: 'process' });",
    'const f = (input) => { class A { process() { return 1; } } return new A().process(); };',
  ])('allows %s', (code) => {
    expect(analyzeCode(code).ok).toBe(true);
  });
});

describe('global uses (which libraries to load)', () => {
  it('records the static members read on undeclared globals', () => {
    const analysis = analyzeCode(
      "const f = () => ({ h: crypto.SHA256('x').toString(crypto.enc.Hex), t: moment().tz('UTC') });",
    );
    expect(analysis.ok && analysis.globals).toMatchObject({
      crypto: { members: ['SHA256', 'enc'], whole: false },
      moment: { members: [], whole: true },
    });
  });

  it('ignores names the code declares itself', () => {
    const analysis = analyzeCode('const moment = 1; const f = () => moment;');
    expect(analysis.ok && analysis.globals.moment).toBeUndefined();
  });
});
