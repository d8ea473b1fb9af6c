import { type Dependency, RETRY_AFTER_SECONDS, within } from './unavailable';

/** Each part's state: `ok`, or why it is down. */
export interface HealthReport {
  ok: boolean;
  parts: Record<Dependency, string>;
}

/** Asks every part at once, each bounded by `deadlineMs`, so a hung part is reported as down rather than hanging the check. */
export async function checkParts(
  checks: Record<Dependency, () => Promise<unknown>>,
  deadlineMs: number,
): Promise<HealthReport> {
  const names = Object.keys(checks) as Dependency[];
  const results = await Promise.allSettled(names.map((name) => within(name, deadlineMs, checks[name]())));
  const parts = {} as Record<Dependency, string>;
  results.forEach((result, index) => {
    parts[names[index]] =
      result.status === 'fulfilled' ? 'ok' : `down: ${(result.reason as Error)?.message ?? String(result.reason)}`;
  });
  return { ok: results.every((result) => result.status === 'fulfilled'), parts };
}

/** The answer of /healthz and /readyz: 200 with every part `ok`, or 503 naming the parts down, with Retry-After. */
export function healthAnswer(
  report: HealthReport,
  healthy: string,
): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
  if (report.ok) return { status: 200, headers: {}, body: { status: healthy, ...report.parts } };
  const down = Object.entries(report.parts)
    .filter(([, state]) => state !== 'ok')
    .map(([name]) => name);
  return {
    status: 503,
    headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    body: { status: 'unavailable', down, message: `${down.join(' and ')} not answering`, ...report.parts },
  };
}
