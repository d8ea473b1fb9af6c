/** The one shape check every payload passes: nesting and key count, walked without recursion. */
import { PAYLOAD_LIMITS } from '../../common/config';
import { checkPayloadShape } from '../../common/payloadShape';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level += 1) value = level % 2 ? [value] : { a: value };
  return value;
}

describe('checkPayloadShape', () => {
  test('scalars and values within the limits pass', () => {
    for (const value of [null, 1, 'text', true, {}, [], { a: [1, { b: 2 }] }, nested(PAYLOAD_LIMITS.maxDepth)]) {
      expect(checkPayloadShape(value)).toBeUndefined();
    }
  });

  test('one level past the nesting limit is refused, naming the limit and where', () => {
    const violation = checkPayloadShape({ input: nested(PAYLOAD_LIMITS.maxDepth) }, 'body');
    expect(violation?.limit).toBe('maxDepth');
    expect(violation?.message).toContain('256');
    expect(violation?.path).toMatch(/^body\.input[.[]/);
  });

  test('a value nested 200,000 deep is refused without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(checkPayloadShape(deep)?.limit).toBe('maxDepth');
  });

  test('keys and array elements are counted over all levels', () => {
    const wide = { a: new Array(PAYLOAD_LIMITS.maxKeys).fill(0) };
    expect(checkPayloadShape(wide)?.limit).toBe('maxKeys');
    const many = Object.fromEntries(Array.from({ length: 1_000 }, (_, index) => [`k${index}`, { x: 1 }]));
    expect(checkPayloadShape(many)).toBeUndefined();
    expect(checkPayloadShape(many, '', { maxDepth: 10, maxKeys: 1_500 })).toMatchObject({ limit: 'maxKeys' });
  });
});
