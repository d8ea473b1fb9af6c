/**
 * The patterns a code node may not contain (the product spec's "blocked for security" list). These checks give
 * users an early, precise answer at save time; they are not the security boundary — the isolate is, and code that
 * slips past them (computed names, constructor chains) still reaches nothing.
 */
import type { CodeScan, SourcePosition } from './codeScan';

export interface RuleFinding extends SourcePosition {
  rule: string;
  message: string;
}

interface IdentifierRule {
  rule: string;
  message: string;
  /** Also applies when the code declares a variable of that name: names that are never a legitimate local. */
  evenIfDeclared: boolean;
}

const IDENTIFIER_RULES: Record<string, IdentifierRule> = {
  require: {
    rule: 'no-require',
    message: 'module imports are not allowed (`require`): use the preloaded libraries',
    evenIfDeclared: true,
  },
  eval: { rule: 'no-eval', message: 'code evaluation is not allowed (`eval`)', evenIfDeclared: true },
  Function: {
    rule: 'no-function-constructor',
    message: 'the `Function` constructor is not allowed',
    evenIfDeclared: true,
  },
  globalThis: {
    rule: 'no-globalthis',
    message: 'global scope access is not allowed (`globalThis`)',
    evenIfDeclared: true,
  },
  global: { rule: 'no-global', message: 'global scope access is not allowed (`global`)', evenIfDeclared: false },
  process: { rule: 'no-process', message: 'process access is not allowed (`process`)', evenIfDeclared: false },
  child_process: {
    rule: 'no-child-process',
    message: 'process spawning is not allowed (`child_process`)',
    evenIfDeclared: false,
  },
  fs: { rule: 'no-fs', message: 'file system access is not allowed (`fs`)', evenIfDeclared: false },
  __dirname: { rule: 'no-dirname', message: 'file system access is not allowed (`__dirname`)', evenIfDeclared: false },
  __filename: {
    rule: 'no-filename',
    message: 'file system access is not allowed (`__filename`)',
    evenIfDeclared: false,
  },
};

/** Module names that name a process or file-system capability wherever they appear as a string. */
const FORBIDDEN_MODULES: Record<string, { rule: string; message: string }> = {
  child_process: IDENTIFIER_RULES.child_process,
  fs: IDENTIFIER_RULES.fs,
  'fs/promises': IDENTIFIER_RULES.fs,
};

function forbiddenModule(name: string | undefined): { rule: string; message: string } | undefined {
  if (name === undefined) return undefined;
  return FORBIDDEN_MODULES[name.startsWith('node:') ? name.slice('node:'.length) : name];
}

export function findForbiddenPatterns(scan: CodeScan): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const use of scan.uses) {
    const rule = Object.prototype.hasOwnProperty.call(IDENTIFIER_RULES, use.name)
      ? IDENTIFIER_RULES[use.name]
      : undefined;
    if (!rule || (!rule.evenIfDeclared && scan.declared.has(use.name))) continue;
    findings.push({ rule: rule.rule, message: rule.message, line: use.line, column: use.column });
  }
  for (const entry of scan.imports) {
    const what =
      entry.kind === 'static' ? '`import` declarations' : entry.kind === 'dynamic' ? '`import()`' : '`import.meta`';
    findings.push({
      rule: 'no-import',
      message: `module imports are not allowed (${what}): use the preloaded libraries`,
      line: entry.line,
      column: entry.column,
    });
  }
  for (const call of scan.constructorCalls) {
    findings.push({
      rule: 'no-function-constructor',
      message: 'calling a `.constructor` is not allowed (it reaches the `Function` constructor)',
      line: call.line,
      column: call.column,
    });
  }
  const specifierPositions = new Set<string>();
  for (const specifier of scan.moduleSpecifiers) {
    specifierPositions.add(`${specifier.line}:${specifier.column}`);
    const rule = forbiddenModule(specifier.value);
    if (rule) findings.push({ ...rule, line: specifier.line, column: specifier.column });
  }
  // Elsewhere a bare 'fs' is too common a word to judge; the unambiguous module names are reported wherever they are.
  for (const literal of scan.stringLiterals) {
    const rule = literal.value === 'fs' ? undefined : forbiddenModule(literal.value);
    if (rule && !specifierPositions.has(`${literal.line}:${literal.column}`))
      findings.push({ ...rule, line: literal.line, column: literal.column });
  }
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}
