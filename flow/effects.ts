/**
 * Which code nodes cannot affect anything outside their isolate: no HTTP, mail or database client, no timers, no way
 * to reach the global object. Such a node computes its output from its input, context and the clock, so running it a
 * second time after a worker crash changes nothing anyone saw — which is what lets the interpreter run it as a local
 * activity, without a task-queue round trip. Conservative: any mention of a reaching name counts, even a local
 * variable that shadows it. Pure.
 */
import * as acorn from 'acorn';
import { PARSE_OPTIONS } from './code';
import { scanProgram } from './codeScan';
import type { FlowDefinition } from './schema';

/** Globals through which code reaches the world outside the isolate, or waits on it, or reaches the other globals. */
export const OUTSIDE_REACH: ReadonlySet<string> = new Set([
  'axios',
  'nodemailer',
  'MongoClient',
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'queueMicrotask',
  'require',
  'process',
  'eval',
  'Function',
  'globalThis',
  'global',
  'self',
  'window',
]);

export function isSideEffectFree(code: string): boolean {
  let program: acorn.Program;
  try {
    program = acorn.parse(code, PARSE_OPTIONS);
  } catch {
    return false;
  }
  const scan = scanProgram(program);
  return !scan.usesThis && scan.imports.length === 0 && !scan.uses.some((use) => OUTSIDE_REACH.has(use.name));
}

/** The ids of the definition's code nodes that cannot affect anything outside their isolate. */
export function sideEffectFreeNodes(definition: FlowDefinition): string[] {
  return definition.nodes.filter((node) => node.type === 'code' && isSideEffectFree(node.code)).map((node) => node.id);
}
