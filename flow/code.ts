/**
 * Reads a code node's source with a real parser: finds the function to call, reports syntax errors and forbidden
 * patterns with line and column, and tells which globals (libraries) the code uses. Pure: used by the gateway at
 * save time and by the sandbox before it runs anything.
 */
import * as acorn from 'acorn';
import { findForbiddenPatterns } from './codeRules';
import { CodeScan, scanProgram } from './codeScan';

export interface CodeProblem {
  rule: string;
  message: string;
  line: number;
  column: number;
}

/** How the user wrote the node: a named function, a lone function expression, or a body that returns. */
export type EntryForm =
  { kind: 'declaration'; name: string } | { kind: 'expression'; start: number; end: number } | { kind: 'body' };

/** How the code uses a global it does not declare: the static members it reads, and whether it uses the value any other way. */
export interface GlobalUse {
  members: string[];
  whole: boolean;
}

export type CodeAnalysis =
  | {
      ok: true;
      entry: EntryForm;
      globals: Record<string, GlobalUse>;
      /** Distinct short string literals (such as time zone names), so the sandbox can prepare for them. */
      strings: string[];
    }
  | { ok: false; problems: CodeProblem[] };

export const PARSE_OPTIONS: acorn.Options = {
  ecmaVersion: 'latest',
  sourceType: 'script',
  allowReturnOutsideFunction: true,
  allowAwaitOutsideFunction: true,
  allowHashBang: false,
  locations: true,
};

const PREFERRED_ENTRY_NAMES = ['main', 'handler'];

type AnyNode = acorn.Node & Record<string, unknown>;

function isFunctionNode(node: unknown): node is acorn.Function {
  const type = (node as acorn.Node | null)?.type;
  return type === 'FunctionExpression' || type === 'ArrowFunctionExpression';
}

/** True when a `return` or `await` sits at the top level (outside every function), which makes the code a body. */
function hasTopLevelReturnOrAwait(program: acorn.Program): boolean {
  const visit = (node: unknown): boolean => {
    if (!node || typeof node !== 'object') return false;
    if (Array.isArray(node)) return node.some(visit);
    const typed = node as AnyNode;
    if (typeof typed.type !== 'string') return false;
    if (typed.type === 'ReturnStatement' || typed.type === 'AwaitExpression') return true;
    if (
      typed.type === 'FunctionDeclaration' ||
      typed.type === 'FunctionExpression' ||
      typed.type === 'ArrowFunctionExpression' ||
      typed.type === 'ClassDeclaration' ||
      typed.type === 'ClassExpression'
    ) {
      return false;
    }
    return Object.entries(typed).some(([key, value]) => key !== 'loc' && visit(value));
  };
  return program.body.some(visit);
}

function declaredFunctions(program: acorn.Program): string[] {
  const names: string[] = [];
  for (const statement of program.body) {
    if (statement.type === 'FunctionDeclaration' && statement.id) names.push(statement.id.name);
    if (statement.type === 'VariableDeclaration') {
      for (const declarator of statement.declarations) {
        if (declarator.id.type === 'Identifier' && isFunctionNode(declarator.init)) names.push(declarator.id.name);
      }
    }
  }
  return names;
}

function chooseEntry(program: acorn.Program): EntryForm | undefined {
  if (hasTopLevelReturnOrAwait(program)) return { kind: 'body' };
  const functions = declaredFunctions(program);
  if (functions.length > 0) {
    const preferred = PREFERRED_ENTRY_NAMES.find((name) => functions.includes(name));
    return { kind: 'declaration', name: preferred ?? functions[functions.length - 1] };
  }
  const last = program.body[program.body.length - 1];
  if (last?.type === 'ExpressionStatement' && isFunctionNode(last.expression)) {
    return { kind: 'expression', start: last.expression.start, end: last.expression.end };
  }
  return undefined;
}

const NO_FUNCTION_PROBLEM: CodeProblem = {
  rule: 'no-function',
  message:
    'no function to run: write `const name = (input, context) => { … }`, `async function name(input, context) { … }`, ' +
    'a function expression, or a body that returns a value',
  line: 1,
  column: 1,
};

function globalUses(scan: CodeScan): Record<string, GlobalUse> {
  const uses: Record<string, GlobalUse> = {};
  for (const use of scan.uses) {
    if (scan.declared.has(use.name)) continue;
    const entry = Object.prototype.hasOwnProperty.call(uses, use.name)
      ? uses[use.name]
      : (uses[use.name] = { members: [], whole: false });
    if (use.member === undefined) entry.whole = true;
    else if (!entry.members.includes(use.member)) entry.members.push(use.member);
  }
  return uses;
}

const MAX_SHORT_STRING = 64;
const MAX_SHORT_STRINGS = 100;

function shortStrings(scan: CodeScan): string[] {
  const strings = new Set<string>();
  for (const literal of scan.stringLiterals) {
    if (strings.size >= MAX_SHORT_STRINGS) break;
    if (literal.value.length > 0 && literal.value.length <= MAX_SHORT_STRING) strings.add(literal.value);
  }
  return [...strings];
}

/**
 * `import` declarations are a syntax error in a script; rather than answer with the parser's wording, parse the code
 * as a module and report what the rules say about it. Undefined when the code is not a valid module either.
 */
function moduleFindings(code: string): CodeProblem[] | undefined {
  try {
    const program = acorn.parse(code, { ...PARSE_OPTIONS, sourceType: 'module' });
    const findings = findForbiddenPatterns(scanProgram(program));
    return findings.some((finding) => finding.rule === 'no-import') ? findings : undefined;
  } catch {
    return undefined;
  }
}

export function analyzeCode(code: string): CodeAnalysis {
  let program: acorn.Program;
  try {
    program = acorn.parse(code, PARSE_OPTIONS);
  } catch (error) {
    const asModule = moduleFindings(code);
    if (asModule) return { ok: false, problems: asModule };
    const syntax = error as SyntaxError & { loc?: { line: number; column: number } };
    const message = syntax.message.replace(/\s*\(\d+:\d+\)$/, '');
    return {
      ok: false,
      problems: [{ rule: 'syntax', message, line: syntax.loc?.line ?? 1, column: (syntax.loc?.column ?? 0) + 1 }],
    };
  }
  const scan = scanProgram(program);
  const problems: CodeProblem[] = findForbiddenPatterns(scan);
  const entry = chooseEntry(program);
  if (!entry) problems.push(NO_FUNCTION_PROBLEM);
  if (problems.length > 0 || !entry) return { ok: false, problems };
  return { ok: true, entry, globals: globalUses(scan), strings: shortStrings(scan) };
}

/**
 * The script the sandbox compiles: the user's code, unchanged line for line (so stack traces point at the user's
 * lines), plus the assignment of the entry function to `globalName`.
 */
export function entryScript(code: string, entry: EntryForm, globalName: string): string {
  switch (entry.kind) {
    case 'declaration':
      return `${code}\n;globalThis[${JSON.stringify(globalName)}] = ${entry.name};`;
    case 'expression':
      return (
        code.slice(0, entry.start) +
        `globalThis[${JSON.stringify(globalName)}] = (` +
        code.slice(entry.start, entry.end) +
        ')' +
        code.slice(entry.end)
      );
    case 'body':
      return `globalThis[${JSON.stringify(globalName)}] = async function (input, context) {${code}\n};`;
  }
}
