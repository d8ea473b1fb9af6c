/**
 * Cron expressions as the studio previews them: a plain-language reading and the next run times in a time zone.
 * Five fields (minute hour day-of-month month day-of-week), optionally seconds first, or a macro. Temporal's
 * scheduler is what runs them; `L`, `W` and `#` are left to it (no preview).
 */
export interface CronSpec {
  minutes: number[];
  hours: number[];
  days: number[];
  months: number[];
  weekdays: number[];
  /** Whether day-of-month / day-of-week were restricted (cron ORs them when both are). */
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
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

function parseValue(text: string, names: string[] | null, offset: number): number {
  const named = names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + offset;
  if (!/^\d+$/.test(text)) throw new Error(`"${text}" is not a number`);
  return Number(text);
}

function parseField(text: string, min: number, max: number, names: string[] | null = null, offset = 0): number[] {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in "${part}"`);
    let from = min;
    let to = max;
    if (range !== '*' && range !== '?') {
      const [a, b] = range.split('-');
      from = parseValue(a, names, offset);
      to = b === undefined ? (stepText === undefined ? from : max) : parseValue(b, names, offset);
    }
    if (from < min || to > max || from > to) throw new Error(`"${part}" is outside ${min}-${max}`);
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

export function parseCron(expression: string): CronSpec {
  const trimmed = expression.trim().toLowerCase();
  const text = MACROS[trimmed] ?? trimmed;
  if (text.startsWith('@')) throw new Error(`"${expression}" has no preview here`);
  if (/[lw#]/i.test(text.replace(/[a-z]{3}/g, ''))) throw new Error('L, W and # have no preview here');
  let fields = text.split(/\s+/);
  if (fields.length === 6) fields = fields.slice(1);
  if (fields.length !== 5) throw new Error('a cron expression has five fields: minute hour day month weekday');
  const [minute, hour, day, month, weekday] = fields;
  return {
    minutes: parseField(minute, 0, 59),
    hours: parseField(hour, 0, 23),
    days: parseField(day, 1, 31),
    months: parseField(month, 1, 12, MONTHS, 1),
    weekdays: [...new Set(parseField(weekday, 0, 7, WEEKDAYS, 0).map((value) => value % 7))].sort((a, b) => a - b),
    dayRestricted: day !== '*' && day !== '?',
    weekdayRestricted: weekday !== '*' && weekday !== '?',
  };
}

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

/** "At 09:00, Monday through Friday", "Every 15 minutes", "At minute 5 of every hour". */
export function describeCron(expression: string): string {
  const spec = parseCron(expression);
  let time: string;
  if (spec.minutes.length === 60 && spec.hours.length === 24) time = 'Every minute';
  else if (spec.hours.length === 24 && spec.minutes.length > 1)
    time =
      spec.minutes.length > 1 &&
      60 % spec.minutes.length === 0 &&
      spec.minutes[1] - spec.minutes[0] === 60 / spec.minutes.length
        ? `Every ${60 / spec.minutes.length} minutes`
        : `At minutes ${spec.minutes.join(', ')} of every hour`;
  else if (spec.hours.length === 24) time = `At minute ${spec.minutes[0]} of every hour`;
  else if (spec.minutes.length === 1 && spec.hours.length <= 6)
    time = `At ${listOf(spec.hours.map((hour) => `${pad(hour)}:${pad(spec.minutes[0])}`))}`;
  else time = `At minutes ${spec.minutes.join(', ')} past hours ${spec.hours.join(', ')}`;
  const parts = [time];
  if (spec.dayRestricted) parts.push(`on day ${listOf(spec.days.map(String))} of the month`);
  if (spec.weekdayRestricted) parts.push(`${spec.dayRestricted ? 'or ' : ''}${listOf(runsOf(spec.weekdays))}`);
  if (spec.months.length < 12) parts.push(`in ${listOf(spec.months.map((month) => MONTH_NAMES[month - 1]))}`);
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
  const start = wallClock(after.getTime(), timeZone);
  const found: Date[] = [];
  for (let offset = 0; offset < 366 * 5 && found.length < count; offset++) {
    const date = new Date(Date.UTC(start.year, start.month - 1, start.day + offset));
    const [year, month, day, weekday] = [
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      date.getUTCDay(),
    ];
    if (!spec.months.includes(month)) continue;
    const dayOk = spec.days.includes(day);
    const weekdayOk = spec.weekdays.includes(weekday);
    const matches = spec.dayRestricted && spec.weekdayRestricted ? dayOk || weekdayOk : dayOk && weekdayOk;
    if (!matches) continue;
    for (const hour of spec.hours) {
      for (const minute of spec.minutes) {
        const instant = instantOf(year, month, day, hour, minute, timeZone);
        if (instant !== null && instant > after.getTime()) found.push(new Date(instant));
        if (found.length === count) return found;
      }
    }
  }
  return found;
}
