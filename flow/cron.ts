/**
 * Cron expressions as Temporal's scheduler reads them (service/worker/scheduler/calendar.go, server 1.29), so that
 * what a save accepts is what Temporal accepts, and what the studio previews is what runs:
 * - 5 fields: minute hour day-of-month month day-of-week;
 * - 6 fields: the same, then year (not seconds first, as Quartz or node-cron read six fields);
 * - 7 fields: second first, then the six above;
 * - each field `*`, `x`, `x-z`, `x/step`, `x-z/step`, `*` with a step, or a comma list of those; months also by name
 *   (three letters or more of the English name), weekdays by name (two letters or more), 0 and 7 both Sunday;
 * - a day-of-month and a day-of-week must both match (Temporal ANDs them, where Vixie cron ORs them);
 * - the macros `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight` `@hourly`, and `@every <duration>`
 *   with an optional `/<phase>` (`@every 90m`, `@every 1d/2h`).
 * Quartz's `?`, `L`, `W` and `#` and a `TZ=` prefix are not Temporal's: they are refused with a reason (the
 * trigger's `timezone` field takes the place of `TZ=`).
 */

export interface CronCalendar {
  kind: 'calendar';
  seconds: number[];
  minutes: number[];
  hours: number[];
  days: number[];
  months: number[];
  /** 0 = Sunday … 6 = Saturday (7 is folded into 0). */
  weekdays: number[];
  /** null when every year matches. */
  years: number[] | null;
  /** Whether the day-of-month and day-of-week fields were restricted (not `*`), for reading them aloud. */
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

export interface CronInterval {
  kind: 'interval';
  everyMs: number;
  phaseMs: number;
}

export type CronSpec = CronCalendar | CronInterval;

export class CronSyntaxError extends Error {}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

interface FieldRule {
  name: string;
  min: number;
  max: number;
  /** Names matched by prefix, and the shortest prefix accepted. */
  names?: { list: string[]; offset: number; shortest: number };
}

const SECOND: FieldRule = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldRule = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldRule = { name: 'hour', min: 0, max: 23 };
const DAY: FieldRule = { name: 'day of month', min: 1, max: 31 };
const MONTH: FieldRule = { name: 'month', min: 1, max: 12, names: { list: MONTHS, offset: 1, shortest: 3 } };
const WEEKDAY: FieldRule = { name: 'day of week', min: 0, max: 7, names: { list: WEEKDAYS, offset: 0, shortest: 2 } };
const YEAR: FieldRule = { name: 'year', min: MIN_YEAR, max: MAX_YEAR };

function valueOf(text: string, rule: FieldRule, min: number): number {
  const names = rule.names;
  if (names && text.length >= names.shortest) {
    const lower = text.toLowerCase();
    const index = names.list.findIndex((name) => name.startsWith(lower));
    if (index >= 0) return index + names.offset;
  }
  if (!/^\d{1,4}$/.test(text)) {
    const hint = /^[?LW#]|[LW#]$|#/i.test(text) ? ' (Quartz’s ?, L, W and # are not supported by Temporal)' : '';
    throw new CronSyntaxError(`${rule.name}: "${text}" is not a number${names ? ' or a name' : ''}${hint}`);
  }
  const value = Number(text);
  if (value < min || value > rule.max)
    throw new CronSyntaxError(`${rule.name}: ${value} is outside ${min}-${rule.max}`);
  return value;
}

function fieldValues(text: string, rule: FieldRule): number[] {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const pieces = part.split('/');
    if (pieces.length > 2) throw new CronSyntaxError(`${rule.name}: "${part}" has more than one "/"`);
    const [range, stepText] = pieces;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,4}$/.test(stepText) || Number(stepText) < 1)
        throw new CronSyntaxError(`${rule.name}: the step in "${part}" must be a whole number of at least 1`);
      step = Number(stepText);
    }
    let from = rule.min;
    let to = rule.max;
    if (range !== '*') {
      const bounds = range.split('-');
      if (bounds.length > 2) throw new CronSyntaxError(`${rule.name}: "${part}" has more than one "-"`);
      from = valueOf(bounds[0], rule, rule.min);
      if (bounds.length === 2) to = valueOf(bounds[1], rule, from);
      else if (stepText === undefined) to = from;
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A Go duration as Temporal's `timestamp.ParseDuration` reads it (Go's units plus `d` for days). */
function durationMs(text: string, what: string): number {
  const pattern = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (const match of text.matchAll(pattern)) {
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]];
    matched += match[0].length;
  }
  if (text === '' || matched !== text.length)
    throw new CronSyntaxError(`${what}: "${text}" is not a duration like 90s, 15m, 1h30m or 2d`);
  return total;
}

function intervalOf(text: string): CronInterval {
  const match = /^@every (\S+)$/.exec(text);
  if (!match) throw new CronSyntaxError('"@every" takes one duration after a single space, like "@every 15m"');
  const [every, phase, extra] = match[1].split('/');
  if (extra !== undefined) throw new CronSyntaxError('"@every" takes at most one "/phase"');
  const everyMs = durationMs(every, '@every');
  if (everyMs < 1_000) throw new CronSyntaxError('@every: the interval must be at least 1s');
  const phaseMs = phase === undefined ? 0 : durationMs(phase, '@every phase');
  return { kind: 'interval', everyMs, phaseMs };
}

/** A duration in whole days, hours, minutes and seconds, largest first, each part in words ("1 hour", "30 minutes"). */
export function durationParts(ms: number): string[] {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1_000, 'second'],
  ];
  const parts: string[] = [];
  let rest = ms;
  for (const [size, name] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${name}${count === 1 ? '' : 's'}`);
  }
  return parts;
}

/** Parses an expression as Temporal does; throws CronSyntaxError naming the field and what is wrong with it. */
export function parseCron(expression: string): CronSpec {
  const text = expression.trim();
  if (/^(CRON_)?TZ=/.test(text))
    throw new CronSyntaxError('a TZ= prefix is not accepted here: set the trigger’s timezone instead');
  if (text.startsWith('@every')) return intervalOf(text);
  const fields = (MACROS[text] ?? text).split(/\s+/);
  if (text.startsWith('@') && !(text in MACROS))
    throw new CronSyntaxError(`"${text}" is not a macro: use @yearly, @monthly, @weekly, @daily, @hourly or @every`);
  let second = '0';
  let year = '*';
  let calendar: string[];
  if (fields.length === 5) calendar = fields;
  else if (fields.length === 6) [calendar, year] = [fields.slice(0, 5), fields[5]];
  else if (fields.length === 7) [second, calendar, year] = [fields[0], fields.slice(1, 6), fields[6]];
  else
    throw new CronSyntaxError(
      `has ${fields.length} field${fields.length === 1 ? '' : 's'}; expected 5 (minute hour day-of-month month day-of-week), 6 (… year) or 7 (second … year)`,
    );
  const [minute, hour, day, month, weekday] = calendar;
  return {
    kind: 'calendar',
    seconds: fieldValues(second, SECOND),
    minutes: fieldValues(minute, MINUTE),
    hours: fieldValues(hour, HOUR),
    days: fieldValues(day, DAY),
    months: fieldValues(month, MONTH),
    weekdays: [...new Set(fieldValues(weekday, WEEKDAY).map((value) => value % 7))].sort((a, b) => a - b),
    years: year === '*' ? null : fieldValues(year, YEAR),
    dayRestricted: day !== '*',
    weekdayRestricted: weekday !== '*',
  };
}

/** Why Temporal would refuse the expression, or null when it reads it. */
export function cronProblem(expression: string): string | null {
  try {
    parseCron(expression);
    return null;
  } catch (error) {
    if (error instanceof CronSyntaxError) return error.message;
    throw error;
  }
}
