/** Axis ticks at round values (1, 2 or 5 × a power of ten), for the timeline and the dashboard's charts. */
export function niceStep(range: number, count: number): number {
  if (!(range > 0) || count < 1) return 1;
  const raw = range / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  const factor = scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10;
  return factor * power;
}

/** Ticks from 0 up to at least `max`, about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  const step = niceStep(max, count);
  const steps = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: steps + 1 }, (_, index) => Number((index * step).toPrecision(12)));
}
