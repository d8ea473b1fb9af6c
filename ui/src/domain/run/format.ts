/** How the run debugger and the dashboard write durations, sizes, rates and times: one place, unit-tested. */

/** `840 ms`, `1.2 s`, `3 min 5 s`, `2 h 4 min`; an empty string when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 0) return formatDuration(0);
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** `512 B`, `816 KiB`, `12.4 MiB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A share of a whole as a percentage: `70 %`, `99.5 %`, `—` when there is nothing to share. */
export function formatPercent(part: number, whole: number): string {
  if (!whole) return '—';
  const value = (part / whole) * 100;
  const text = Number.isInteger(value) ? String(value) : value >= 99 || value < 1 ? value.toFixed(1) : value.toFixed(0);
  return `${text} %`;
}

/** `1,234` (grouped, no locale surprises in tests). */
export function formatCount(value: number): string {
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A run's duration: closed − started, or now − started while it runs. */
export function runDurationMs(
  startedAt: string | undefined,
  closedAt: string | undefined,
  now = Date.now(),
): number | undefined {
  if (!startedAt) return undefined;
  const start = Date.parse(startedAt);
  const end = closedAt ? Date.parse(closedAt) : now;
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : undefined;
}

/** `just now`, `5 min ago`, `3 h ago`, else the date and time. */
export function formatWhen(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return '';
  const ago = now - time;
  if (ago >= 0 && ago < 60_000) return 'just now';
  if (ago >= 0 && ago < 3_600_000) return `${Math.floor(ago / 60_000)} min ago`;
  if (ago >= 0 && ago < 86_400_000) return `${Math.floor(ago / 3_600_000)} h ago`;
  return new Date(time).toLocaleString();
}
