/**
 * The per-node part of the code editor's typings: `input` typed as the previous node's last output, and
 * `context.steps` listing exactly the nodes that can run before this one (with their last outputs' shapes).
 */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function key(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** A TypeScript type describing a JSON value, bounded in depth and width. */
export function typeOfJson(value: unknown, depth = 4): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (depth === 0) return 'any';
  if (Array.isArray(value)) return value.length === 0 ? 'any[]' : `Array<${typeOfJson(value[0], depth - 1)}>`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .slice(0, 60)
      .map(([name, child]) => `${key(name)}: ${typeOfJson(child, depth - 1)};`);
    return `{ ${fields.join(' ')} }`;
  }
  return 'any';
}

export interface StepTypingInput {
  /** The nodes that can run before this one, nearest first. */
  upstream: readonly string[];
  /** Last known outputs by node id (from the latest run on the canvas, or a step test). */
  outputs: Readonly<Record<string, unknown>>;
  /** The nodes whose edges lead straight here: `input` is one's output, or an object of theirs keyed by id. */
  predecessors: readonly string[];
}

export function stepTypings({ upstream, outputs, predecessors }: StepTypingInput): string {
  const typeOf = (id: string) => (id in outputs ? typeOfJson(outputs[id]) : 'any');
  const steps = upstream.map((id) => `  ${key(id)}: ${typeOf(id)};`).join('\n');
  const input =
    predecessors.length === 0
      ? 'any'
      : predecessors.length === 1
        ? typeOf(predecessors[0])
        : `{ ${predecessors.map((id) => `${key(id)}: ${typeOf(id)};`).join(' ')} }`;
  return `interface NectarSteps {\n${steps}\n}\n/** What this node receives: the previous node's output (or the trigger payload for an entry node). */\ndeclare const input: ${input};\n`;
}
