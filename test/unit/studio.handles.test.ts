/** Which output handles a node shows: one per nextPath literal its code can return, default, error. */
import { outputHandles } from '../../ui/src/domain/handles';
import { nextPathLiterals } from '../../ui/src/domain/nextPaths';

const SEED_APPROVAL = `const approvalLogic = (input, context) => {
  const amount = input.purchaseAmount;
  if (amount > 10000) return { nextPath: "executive-approval" };
  if (amount > 1000) return { nextPath: 'manager-approval' };
  return { nextPath: \`auto-approve\` };
};`;

test("the seed's approval logic routes to its three literals", () => {
  expect(nextPathLiterals(SEED_APPROVAL)).toEqual(['executive-approval', 'manager-approval', 'auto-approve']);
});

test('ternaries, ||, assignments and multi-line expressions are read; compared operands are not routes', () => {
  expect(nextPathLiterals("return { nextPath: input.kind === 'vip' ? 'fast' : 'slow' };")).toEqual(['fast', 'slow']);
  expect(nextPathLiterals("result.nextPath = input.path || 'fallback';\nconsole.log('done');")).toEqual(['fallback']);
  expect(nextPathLiterals("return {\n  nextPath: ok\n    ? 'yes'\n    : 'no',\n  other: 'x',\n};")).toEqual([
    'yes',
    'no',
  ]);
  expect(nextPathLiterals("switch (x) { case 'a': return { nextPath: 'went-a' }; }")).toEqual(['went-a']);
});

test('computed values, templates with substitutions, comments and other keys give no handle', () => {
  expect(nextPathLiterals('return { nextPath: input.route };')).toEqual([]);
  expect(nextPathLiterals('return { nextPath: `to-${input.route}` };')).toEqual([]);
  expect(nextPathLiterals("// nextPath: 'commented'\nreturn { path: 'x', nextPathology: 'y' };")).toEqual([]);
  expect(nextPathLiterals("if (nextPath == 'z') return 1;")).toEqual([]);
});

test('a code node has next, one handle per literal, default and error; labels in use are kept while code changes', () => {
  const node = { id: 'route', type: 'code' as const, code: SEED_APPROVAL };
  expect(outputHandles(node).map((handle) => handle.id)).toEqual([
    'out',
    'path:executive-approval',
    'path:manager-approval',
    'path:auto-approve',
    'path:default',
    'error',
  ]);
  const edited = { ...node, code: 'return {};' };
  expect(outputHandles(edited, ['manager-approval']).map((handle) => handle.label)).toEqual([
    'next',
    'default',
    'manager-approval',
    'error',
  ]);
});

test('a wait node offers its timeout path; delay and subflow only next and error', () => {
  expect(outputHandles({ id: 'w', type: 'wait', event: 'e', timeoutMs: 1000 }).map((handle) => handle.id)).toEqual([
    'out',
    'path:timeout',
    'error',
  ]);
  expect(outputHandles({ id: 'd', type: 'delay', durationMs: 1 }).map((handle) => handle.id)).toEqual(['out', 'error']);
});
