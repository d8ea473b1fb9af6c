/**
 * One pass over a parsed code node that records what the security rules and the library loader need: every
 * identifier used as a value (not a property name, label or binding), the bindings the code declares, and the
 * constructs that are not identifiers (imports, `.constructor(...)` calls). Pure and parser-agnostic beyond ESTree.
 */
import type * as acorn from 'acorn';

export interface SourcePosition {
  line: number;
  column: number;
}

/** An identifier read as a value, with the static member read on it when there is one (`moment.tz` → `tz`). */
export interface IdentifierUse extends SourcePosition {
  name: string;
  /** The property read directly on the identifier, or undefined when the value is used any other way. */
  member?: string;
}

export interface CodeScan {
  uses: IdentifierUse[];
  declared: Set<string>;
  imports: (SourcePosition & { kind: 'static' | 'dynamic' | 'meta' })[];
  constructorCalls: SourcePosition[];
  /** Module names given to `require(...)` or `import`, where even a bare `'fs'` means the file system. */
  moduleSpecifiers: (SourcePosition & { value: string })[];
  /** Every string literal and template chunk, for module names written outside a `require` (`'node:child_process'`). */
  stringLiterals: (SourcePosition & { value: string })[];
  /** Whether `this` appears anywhere (outside a method it is the global object, and every global with it). */
  usesThis: boolean;
}

type EstreeNode = acorn.Node & Record<string, unknown>;

function isNode(value: unknown): value is EstreeNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function positionOf(node: acorn.Node): SourcePosition {
  return { line: node.loc?.start.line ?? 1, column: (node.loc?.start.column ?? 0) + 1 };
}

/** Names bound by a declaration pattern (`{ a, b: [c] }` binds a and c); marks their identifier nodes as bindings. */
function collectBindings(pattern: unknown, bindingNodes: Set<unknown>, declared: Set<string>): void {
  if (!isNode(pattern)) return;
  switch (pattern.type) {
    case 'Identifier':
      bindingNodes.add(pattern);
      declared.add(pattern.name as string);
      return;
    case 'ObjectPattern':
      for (const property of pattern.properties as EstreeNode[]) {
        if (property.type === 'RestElement') collectBindings(property.argument, bindingNodes, declared);
        else collectBindings(property.value, bindingNodes, declared);
      }
      return;
    case 'ArrayPattern':
      for (const element of pattern.elements as unknown[]) collectBindings(element, bindingNodes, declared);
      return;
    case 'RestElement':
      collectBindings(pattern.argument, bindingNodes, declared);
      return;
    case 'AssignmentPattern':
      collectBindings(pattern.left, bindingNodes, declared);
      return;
  }
}

function staticMemberName(member: EstreeNode): string | undefined {
  const property = member.property as EstreeNode;
  if (!member.computed && property.type === 'Identifier') return property.name as string;
  if (member.computed && property.type === 'Literal' && typeof property.value === 'string') return property.value;
  return undefined;
}

/** Child positions where an Identifier is a name, not a value being read. */
function isNamePosition(parent: EstreeNode, key: string): boolean {
  switch (parent.type) {
    case 'MemberExpression':
      return key === 'property' && !parent.computed;
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition':
      // A shorthand `{ name }` repeats the identifier as its value, which is visited (and judged) on its own.
      return key === 'key' && !parent.computed;
    case 'LabeledStatement':
    case 'BreakStatement':
    case 'ContinueStatement':
      return key === 'label';
    case 'MetaProperty':
      return true;
    case 'ImportSpecifier':
    case 'ImportDefaultSpecifier':
    case 'ImportNamespaceSpecifier':
    case 'ExportSpecifier':
      return true;
    default:
      return false;
  }
}

export function scanProgram(program: acorn.Program): CodeScan {
  const scan: CodeScan = {
    uses: [],
    declared: new Set(),
    imports: [],
    constructorCalls: [],
    moduleSpecifiers: [],
    stringLiterals: [],
    usesThis: false,
  };
  const noteSpecifier = (source: unknown): void => {
    if (isNode(source) && source.type === 'Literal' && typeof source.value === 'string') {
      scan.moduleSpecifiers.push({ ...positionOf(source), value: source.value });
    }
  };
  const bindingNodes = new Set<unknown>();

  const visit = (node: EstreeNode, parent: EstreeNode | undefined, key: string): void => {
    switch (node.type) {
      case 'ThisExpression':
        scan.usesThis = true;
        break;
      case 'VariableDeclarator':
        collectBindings(node.id, bindingNodes, scan.declared);
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.id) collectBindings(node.id, bindingNodes, scan.declared);
        for (const param of node.params as unknown[]) collectBindings(param, bindingNodes, scan.declared);
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        if (node.id) collectBindings(node.id, bindingNodes, scan.declared);
        break;
      case 'CatchClause':
        if (node.param) collectBindings(node.param, bindingNodes, scan.declared);
        break;
      case 'ImportDeclaration':
        scan.imports.push({ ...positionOf(node), kind: 'static' });
        noteSpecifier(node.source);
        break;
      case 'ImportExpression':
        scan.imports.push({ ...positionOf(node), kind: 'dynamic' });
        noteSpecifier(node.source);
        break;
      case 'MetaProperty':
        if ((node.meta as EstreeNode).name === 'import') scan.imports.push({ ...positionOf(node), kind: 'meta' });
        break;
      case 'CallExpression':
      case 'NewExpression': {
        const callee = node.callee as EstreeNode;
        if (callee.type === 'MemberExpression' && staticMemberName(callee) === 'constructor')
          scan.constructorCalls.push(positionOf(node));
        if (callee.type === 'Identifier' && callee.name === 'require') noteSpecifier((node.arguments as unknown[])[0]);
        break;
      }
      case 'Literal':
        if (typeof node.value === 'string') scan.stringLiterals.push({ ...positionOf(node), value: node.value });
        break;
      case 'TemplateElement': {
        const cooked = (node.value as { cooked?: string | null }).cooked;
        if (typeof cooked === 'string') scan.stringLiterals.push({ ...positionOf(node), value: cooked });
        break;
      }
      case 'Identifier':
        if (!bindingNodes.has(node) && !(parent && isNamePosition(parent, key))) {
          const member = parent?.type === 'MemberExpression' && key === 'object' ? staticMemberName(parent) : undefined;
          scan.uses.push({ name: node.name as string, member, ...positionOf(node) });
        }
        break;
    }
    for (const [childKey, child] of Object.entries(node)) {
      if (childKey === 'loc' || childKey === 'type') continue;
      if (Array.isArray(child)) {
        for (const item of child) if (isNode(item)) visit(item, node, childKey);
      } else if (isNode(child)) {
        visit(child, node, childKey);
      }
    }
  };
  visit(program as unknown as EstreeNode, undefined, '');
  return scan;
}
