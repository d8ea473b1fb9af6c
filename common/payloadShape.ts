import { PAYLOAD_LIMITS, RUN_PAYLOAD_MAX_BYTES } from './config';

export interface ShapeViolation {
  limit: 'maxDepth' | 'maxKeys';
  /** Where the limit was passed, like `input.a[3].b` (the first place found). */
  path: string;
  message: string;
}

interface Frame {
  value: object;
  depth: number;
  key: string | number | undefined;
  parent: Frame | undefined;
}

function pathOf(frame: Frame | undefined, root: string): string {
  const parts: (string | number)[] = [];
  for (let at = frame; at?.key !== undefined; at = at.parent) parts.push(at.key);
  let text = root;
  for (const part of parts.reverse()) text += typeof part === 'number' ? `[${part}]` : text ? `.${part}` : part;
  // A path 256 levels deep says no more than its start does.
  return !text ? '(root)' : text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/**
 * Checks a JSON-like value against the nesting and key-count limits with an explicit stack, never recursion, so a value
 * nested 200,000 deep is refused rather than overflowing the call stack. `root` names the value in the message.
 */
export function checkPayloadShape(
  value: unknown,
  root = '',
  limits: { maxDepth: number; maxKeys: number } = PAYLOAD_LIMITS,
): ShapeViolation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stack: Frame[] = [{ value, depth: 1, key: undefined, parent: undefined }];
  let keys = 0;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > limits.maxDepth) {
      return {
        limit: 'maxDepth',
        path: pathOf(frame, root),
        message: `nested deeper than ${limits.maxDepth} levels (objects and arrays inside each other)`,
      };
    }
    const container = frame.value as Record<string | number, unknown>;
    const names = Array.isArray(container) ? undefined : Object.keys(container);
    const count = names ? names.length : (frame.value as unknown[]).length;
    keys += count;
    if (keys > limits.maxKeys) {
      return {
        limit: 'maxKeys',
        path: pathOf(frame, root),
        message: `more than ${limits.maxKeys} keys and array elements in all`,
      };
    }
    for (let index = 0; index < count; index += 1) {
      const key = names ? names[index] : index;
      const child = container[key];
      if (typeof child === 'object' && child !== null)
        stack.push({ value: child, depth: frame.depth + 1, key, parent: frame });
    }
  }
  return undefined;
}

/** A run's payload past RUN_PAYLOAD_MAX_BYTES: refused where it enters (413), before anything accepts it. */
export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
  readonly limit = RUN_PAYLOAD_MAX_BYTES;
  constructor(
    readonly where: string,
    readonly bytes: number,
  ) {
    super(`${where} is ${bytes} bytes of JSON, past the ${RUN_PAYLOAD_MAX_BYTES}-byte limit of a run's payload`);
  }
}

/**
 * A run's payload as JSON, checked against RUN_PAYLOAD_MAX_BYTES (PayloadTooLargeError past it). Call it on a value
 * within the shape limits only (checkPayloadShape): JSON.stringify recurses.
 */
export function runPayloadJson(payload: unknown, where: string): string {
  const json = JSON.stringify(payload ?? null);
  // Characters first: a string of at most the limit in characters may still pass it in UTF-8 bytes, never the reverse.
  if (json.length > RUN_PAYLOAD_MAX_BYTES / 3) {
    const bytes = Buffer.byteLength(json);
    if (bytes > RUN_PAYLOAD_MAX_BYTES) throw new PayloadTooLargeError(where, bytes);
  }
  return json;
}
