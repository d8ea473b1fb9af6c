/**
 * The `nextPath` values code can return, found statically: string literals given to `nextPath` (`nextPath: 'a'`,
 * `x.nextPath = "b"`, ternaries and `||` of literals). Values computed at run time are not found; the editor keeps
 * handles for labels its edges already use, so nothing is lost.
 */
const ASSIGNMENT = /\bnextPath\b\s*(?::|=(?![=>]))/g;
const COMPARISON_AFTER = /^\s*(?:===?|!==?|<|>|\bin\b)/;
const COMPARISON_BEFORE = /(?:===?|!==?|<=?|>=?|\bcase)\s*$/;
const CONTINUES_EXPRESSION = /^\s*[?:|&]/;

function stringEnd(code: string, start: number): number {
  const quote = code[start];
  for (let i = start + 1; i < code.length; i++) {
    if (code[i] === '\\') i++;
    else if (code[i] === quote) return i;
    else if (code[i] === '\n' && quote !== '`') return i;
  }
  return code.length;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

function commentEnd(code: string, start: number): number {
  if (code[start + 1] === '/') {
    const end = code.indexOf('\n', start);
    return end === -1 ? code.length : end - 1;
  }
  const end = code.indexOf('*/', start + 2);
  return end === -1 ? code.length : end + 1;
}

/** String literals at the top level of the expression starting at `start`, until `,` `;` a closing bracket or a line end. */
function literalsOfExpression(code: string, start: number, found: Set<string>): void {
  let depth = 0;
  for (let i = start; i < code.length; i++) {
    const ch = code[i];
    if (ch === '/' && (code[i + 1] === '/' || code[i + 1] === '*')) {
      i = commentEnd(code, i);
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      const end = stringEnd(code, i);
      const text = code.slice(i + 1, end);
      const operand =
        COMPARISON_AFTER.test(code.slice(end + 1, end + 6)) ||
        COMPARISON_BEFORE.test(code.slice(Math.max(0, i - 6), i));
      if (depth === 0 && !operand && !(ch === '`' && text.includes('${')) && text.length > 0) found.add(unescape(text));
      i = end;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) return;
      depth--;
    } else if (depth === 0 && (ch === ',' || ch === ';')) return;
    else if (depth === 0 && ch === '\n' && !CONTINUES_EXPRESSION.test(code.slice(i + 1, i + 200))) {
      if (!/[?:|&]\s*$/.test(code.slice(start, i))) return;
    }
  }
}

/** The code with every comment blanked out (strings kept), so a commented-out route is not a route. */
function withoutComments(code: string): string {
  let out = '';
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      const end = stringEnd(code, i);
      out += code.slice(i, end + 1);
      i = end;
    } else if (ch === '/' && (code[i + 1] === '/' || code[i + 1] === '*')) {
      const end = commentEnd(code, i);
      out += code.slice(i, end + 1).replace(/[^\n]/g, ' ');
      i = end;
    } else out += ch;
  }
  return out;
}

export function nextPathLiterals(source: string): string[] {
  const found = new Set<string>();
  const code = withoutComments(source);
  for (const match of code.matchAll(ASSIGNMENT)) literalsOfExpression(code, match.index + match[0].length, found);
  return [...found];
}
