import { BodyBudget, upFrontCharge } from '../../gateway/bodyBudget';

describe('BodyBudget', () => {
  test('takes what fits beside what is held, refuses what would pass it, and takes it once released', () => {
    const budget = new BodyBudget(10, 4);
    expect(budget.take(4)).toBe(true);
    expect(budget.take(4)).toBe(true);
    expect(budget.take(4)).toBe(false);
    expect(budget.inUse).toBe(8);
    expect(budget.take(2)).toBe(true);
    budget.release(4);
    expect(budget.take(4)).toBe(true);
    expect(budget.inUse).toBe(10);
    budget.release(10);
    expect(budget.inUse).toBe(0);
  });

  test('cannot be smaller than one body, so a request alone always fits', () => {
    expect(() => new BodyBudget(3, 4)).toThrow(RangeError);
    expect(new BodyBudget(4, 4).take(4)).toBe(true);
  });
});

describe('upFrontCharge', () => {
  const largest = 1000;
  test('a declared length, up to the largest body a route reads', () => {
    expect(upFrontCharge({ 'content-length': '300' }, largest)).toBe(300);
    expect(upFrontCharge({ 'content-length': '5000' }, largest)).toBe(largest);
    expect(upFrontCharge({ 'content-length': '0' }, largest)).toBe(0);
  });
  test('no body: nothing; chunked: counted as it arrives', () => {
    expect(upFrontCharge({}, largest)).toBe(0);
    expect(upFrontCharge({ 'transfer-encoding': 'chunked' }, largest)).toBeUndefined();
  });
  test('a compressed body is charged the largest body, as it may inflate to it', () => {
    expect(upFrontCharge({ 'content-length': '10', 'content-encoding': 'gzip' }, largest)).toBe(largest);
    expect(upFrontCharge({ 'content-length': '10', 'content-encoding': 'identity' }, largest)).toBe(10);
  });
});
