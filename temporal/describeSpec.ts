/**
 * A Temporal schedule spec in plain English, read from the spec Temporal compiled (not from the cron text), so the
 * words say what Temporal will do: e.g. a day of the month and a weekday both set means both must match.
 */
import type { CalendarSpecDescription, IntervalSpecDescription, Range } from '@temporalio/client';
import { durationParts } from '../flow/cron';

type Field = 'second' | 'minute' | 'hour' | 'dayOfMonth' | 'month' | 'dayOfWeek' | 'year';

const MONTHS = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
];
const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
const FULL: Record<Field, [number, number]> = {
  second: [0, 59],
  minute: [0, 59],
  hour: [0, 23],
  dayOfMonth: [1, 31],
  month: [1, 12],
  dayOfWeek: [0, 6],
  year: [0, 9999],
};

const titleCase = (name: string) => name.charAt(0) + name.slice(1).toLowerCase();
const pad = (value: number) => String(value).padStart(2, '0');

/** A field's ranges as numbers (months 1–12, weekdays 0–6 from Sunday). */
function numeric(field: Field, ranges: Range<unknown>[]): { start: number; end: number; step: number }[] {
  const toNumber = (value: unknown): number => {
    if (typeof value === 'number') return value;
    if (field === 'month') return MONTHS.indexOf(String(value)) + 1;
    return DAYS.indexOf(String(value));
  };
  return ranges.map((range) => ({
    start: toNumber(range.start),
    end: toNumber(range.end ?? range.start),
    step: Math.max(1, range.step ?? 1),
  }));
}

function isEvery(field: Field, ranges: ReturnType<typeof numeric>): boolean {
  const [min, max] = FULL[field];
  return ranges.some((range) => range.start <= min && range.end >= max && range.step === 1);
}

function single(ranges: ReturnType<typeof numeric>): number | undefined {
  return ranges.length === 1 && ranges[0].start === ranges[0].end ? ranges[0].start : undefined;
}

/** Every Nth value of the whole field (`*\/15`). */
function everyNth(field: Field, ranges: ReturnType<typeof numeric>): number | undefined {
  const [min, max] = FULL[field];
  if (ranges.length !== 1) return undefined;
  const [range] = ranges;
  return range.start === min && range.end >= max - range.step + 1 && range.step > 1 ? range.step : undefined;
}

function list(ranges: ReturnType<typeof numeric>, name: (value: number) => string): string {
  const parts = ranges.map((range) => {
    if (range.start === range.end) return name(range.start);
    const span = `${name(range.start)} through ${name(range.end)}`;
    return range.step === 1 ? span : `every ${range.step}${ordinalSuffix(range.step)} from ${span}`;
  });
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function ordinalSuffix(value: number): string {
  if (value % 100 >= 11 && value % 100 <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][value % 10] ?? 'th';
}

function timeOfDay(calendar: CalendarSpecDescription): { text: string; clock: boolean } {
  const second = numeric('second', calendar.second);
  const minute = numeric('minute', calendar.minute);
  const hour = numeric('hour', calendar.hour);
  const [s, m, h] = [single(second), single(minute), single(hour)];
  if (s !== undefined && m !== undefined && h !== undefined)
    return { text: `at ${pad(h)}:${pad(m)}${s === 0 ? '' : `:${pad(s)}`}`, clock: true };
  const parts: string[] = [];
  if (s === undefined) {
    const nth = everyNth('second', second);
    parts.push(
      isEvery('second', second) ? 'every second' : nth ? `every ${nth} seconds` : `at seconds ${list(second, String)}`,
    );
  } else if (s !== 0) parts.push(`at second ${s}`);
  const minuteNth = everyNth('minute', minute);
  if (isEvery('minute', minute)) {
    if (s === 0) parts.push('every minute');
  } else if (minuteNth) parts.push(`every ${minuteNth} minutes`);
  else parts.push(`at minute${m === undefined ? 's' : ''} ${list(minute, String)}`);
  const hourNth = everyNth('hour', hour);
  if (isEvery('hour', hour)) {
    if (m !== undefined && s === 0 && !parts[parts.length - 1].startsWith('every')) parts.push('of every hour');
  } else if (hourNth) parts.push(`of every ${hourNth} hours`);
  else parts.push(h === undefined ? `during hours ${list(hour, pad)}` : `during hour ${pad(h)}`);
  return { text: parts.join(' '), clock: false };
}

function days(calendar: CalendarSpecDescription, clock: boolean): string {
  const dayOfMonth = numeric('dayOfMonth', calendar.dayOfMonth);
  const dayOfWeek = numeric('dayOfWeek', calendar.dayOfWeek);
  const anyDate = isEvery('dayOfMonth', dayOfMonth);
  const anyWeekday = isEvery('dayOfWeek', dayOfWeek);
  const weekdays = list(dayOfWeek, (value) => titleCase(DAYS[value] ?? String(value)));
  const dates = `${single(dayOfMonth) === undefined ? 'days' : 'day'} ${list(dayOfMonth, String)} of the month`;
  if (anyDate && anyWeekday) return clock ? 'every day' : '';
  if (anyDate) return `on ${weekdays}`;
  if (anyWeekday) return `on ${dates}`;
  return `on ${dates}, only when it is a ${weekdays}`;
}

function period(calendar: CalendarSpecDescription): string {
  const parts: string[] = [];
  const month = numeric('month', calendar.month);
  if (!isEvery('month', month))
    parts.push(`in ${list(month, (value) => titleCase(MONTHS[value - 1] ?? String(value)))}`);
  if (calendar.year.length > 0) parts.push(`in ${list(numeric('year', calendar.year), String)}`);
  return parts.join(', ');
}

export function describeCalendar(calendar: CalendarSpecDescription): string {
  const time = timeOfDay(calendar);
  return [time.text, days(calendar, time.clock), period(calendar)].filter(Boolean).join(', ');
}

function duration(ms: number): string {
  return durationParts(ms).join(' ') || '0 seconds';
}

export function describeInterval(interval: IntervalSpecDescription): string {
  const every = `every ${duration(interval.every)}`.replace(/^every 1 (\w+)$/, 'every $1');
  return interval.offset > 0 ? `${every}, offset by ${duration(interval.offset)}` : every;
}

/** The whole spec: each calendar and interval (a cron expression is one of either), then the time zone. */
export function describeSpec(spec: {
  calendars?: CalendarSpecDescription[];
  intervals?: IntervalSpecDescription[];
  timezone?: string;
}): string {
  const parts = [...(spec.calendars ?? []).map(describeCalendar), ...(spec.intervals ?? []).map(describeInterval)];
  const text = parts.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} (${spec.timezone ?? 'UTC'})`;
}
