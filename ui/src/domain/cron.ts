/**
 * Cron expressions as the studio previews them while they are typed: a plain-language reading and the next run times
 * in a time zone. The grammar is Temporal's, parsed by flow/cron.ts (the same parser a save validates with), so the
 * preview shows what Temporal will run; Temporal's own answer (POST /api/cron/preview) replaces the times when it comes.
 */
import { type CronCalendar, type CronInterval, durationParts, parseCron } from '../../../flow/cron';

const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const pad = (value: number) => String(value).padStart(2, '0');

function listOf(items: string[]): string {
  return items.length <= 2 ? items.join(' and ') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function runsOf(values: number[]): string[] {
  const runs: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    runs.push(
      j - i >= 2
        ? `${WEEKDAY_NAMES[values[i]]} through ${WEEKDAY_NAMES[values[j]]}`
        : values
            .slice(i, j + 1)
            .map((v) => WEEKDAY_NAMES[v])
            .join(', '),
    );
    i = j + 1;
  }
  return runs;
}

function durationText(ms: number): string {
  const parts = durationParts(ms);
  return parts.length ? listOf(parts) : `${ms} ms`;
}

function describeInterval(spec: CronInterval): string {
  const every = `Every ${durationText(spec.everyMs)}`;
  return spec.phaseMs ? `${every}, offset by ${durationText(spec.phaseMs)}` : every;
}

function describeTime(spec: CronCalendar): string {
  if (spec.minutes.length === 60 && spec.hours.length === 24) return 'Every minute';
  if (spec.hours.length === 24 && spec.minutes.length > 1)
    return 60 % spec.minutes.length === 0 && spec.minutes[1] - spec.minutes[0] === 60 / spec.minutes.length
      ? `Every ${60 / spec.minutes.length} minutes`
      : `At minutes ${spec.minutes.join(', ')} of every hour`;
  if (spec.hours.length === 24) return `At minute ${spec.minutes[0]} of every hour`;
  if (spec.minutes.length === 1 && spec.hours.length <= 6)
    return `At ${listOf(spec.hours.map((hour) => `${pad(hour)}:${pad(spec.minutes[0])}`))}`;
  return `At minutes ${spec.minutes.join(', ')} past hours ${spec.hours.join(', ')}`;
}

/** "At 09:00, Monday through Friday", "Every 15 minutes", "At minute 5 of every hour". */
export function describeCron(expression: string): string {
  const spec = parseCron(expression);
  if (spec.kind === 'interval') return describeInterval(spec);
  const parts = [describeTime(spec)];
  if (spec.seconds.length !== 1 || spec.seconds[0] !== 0) parts.push(`at second ${listOf(spec.seconds.map(String))}`);
  if (spec.dayRestricted) parts.push(`on day ${listOf(spec.days.map(String))} of the month`);
  if (spec.weekdayRestricted)
    parts.push(`${spec.dayRestricted ? 'if that is a ' : ''}${listOf(runsOf(spec.weekdays))}`);
  if (spec.months.length < 12) parts.push(`in ${listOf(spec.months.map((month) => MONTH_NAMES[month - 1]))}`);
  if (spec.years) parts.push(`in ${listOf(spec.years.map(String))}`);
  return parts.join(', ');
}

/** The wall-clock parts of an instant in a time zone. */
function wallClock(
  instant: number,
  timeZone: string,
): { year: number; month: number; day: number; hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

/** The instant a wall-clock time in a zone names, or null in a daylight-saving gap. */
function instantOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): number | null {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const wall = wallClock(guess, timeZone);
    const offset = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute) - guess;
    guess = asUtc - offset;
  }
  const check = wallClock(guess, timeZone);
  return check.hour === hour && check.minute === minute && check.day === day ? guess : null;
}

/** The next `count` run times after `after`, in the schedule's time zone. */
export function nextRunTimes(expression: string, timeZone: string, after: Date, count = 5): Date[] {
  const spec = parseCron(expression);
  if (spec.kind === 'interval') {
    // Temporal's intervals count from the Unix epoch, shifted by the phase; time zones do not move them.
    const first = Math.floor((after.getTime() - spec.phaseMs) / spec.everyMs + 1) * spec.everyMs + spec.phaseMs;
    return Array.from({ length: count }, (_, index) => new Date(first + index * spec.everyMs));
  }
  const start = wallClock(after.getTime(), timeZone);
  const found: Date[] = [];
  const days = spec.years ? (Math.max(...spec.years) - start.year + 1) * 366 : 366 * 5;
  for (let offset = 0; offset < days && found.length < count; offset++) {
    const date = new Date(Date.UTC(start.year, start.month - 1, start.day + offset));
    const [year, month, day, weekday] = [
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      date.getUTCDay(),
    ];
    if (spec.years && !spec.years.includes(year)) continue;
    // Temporal requires both the day of the month and the day of the week to match (Vixie cron accepts either).
    if (!spec.months.includes(month) || !spec.days.includes(day) || !spec.weekdays.includes(weekday)) continue;
    for (const hour of spec.hours) {
      for (const minute of spec.minutes) {
        const instant = instantOf(year, month, day, hour, minute, timeZone);
        if (instant === null) continue;
        for (const second of spec.seconds) {
          const at = instant + second * 1_000;
          if (at > after.getTime()) found.push(new Date(at));
          if (found.length === count) return found;
        }
      }
    }
  }
  return found;
}
