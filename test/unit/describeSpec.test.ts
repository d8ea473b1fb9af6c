/** Plain-language readings of the schedule specs Temporal compiles from cron expressions. */
import type { CalendarSpecDescription } from '@temporalio/client';
import { describeSpec } from '../../temporal/describeSpec';

const range = <T>(start: T, end: T = start, step = 1) => ({ start, end, step });
/** A calendar as Temporal describes a compiled cron expression: every field present, `*` as the full range. */
function calendar(fields: Partial<CalendarSpecDescription>): CalendarSpecDescription {
  return {
    second: [range(0)],
    minute: [range(0)],
    hour: [range(0, 23)],
    dayOfMonth: [range(1, 31)],
    month: [range('JANUARY', 'DECEMBER')],
    year: [],
    dayOfWeek: [range('SUNDAY', 'SATURDAY')],
    comment: '',
    ...fields,
  };
}

const describe1 = (fields: Partial<CalendarSpecDescription>, timezone?: string) =>
  describeSpec({ calendars: [calendar(fields)], timezone });

describe('describeSpec', () => {
  it('reads a time of day every day, on weekdays, on a date', () => {
    expect(describe1({ minute: [range(0)], hour: [range(12)] })).toBe('At 12:00, every day (UTC)');
    expect(
      describe1({ minute: [range(0)], hour: [range(9)], dayOfWeek: [range('MONDAY', 'FRIDAY')] }, 'Europe/Berlin'),
    ).toBe('At 09:00, on Monday through Friday (Europe/Berlin)');
    expect(describe1({ minute: [range(15)], hour: [range(14)], dayOfMonth: [range(1)] })).toBe(
      'At 14:15, on day 1 of the month (UTC)',
    );
    expect(describe1({ second: [range(30)], minute: [range(5)], hour: [range(4)], dayOfWeek: [range('SUNDAY')] })).toBe(
      'At 04:05:30, on Sunday (UTC)',
    );
  });

  it('says that a date and a weekday must both match, as Temporal runs them', () => {
    expect(describe1({ hour: [range(9)], dayOfMonth: [range(1)], dayOfWeek: [range('MONDAY')] })).toBe(
      'At 09:00, on day 1 of the month, only when it is a Monday (UTC)',
    );
  });

  it('reads repeats within the day, hour ranges and lists', () => {
    expect(describe1({ minute: [range(0, 59, 15)] })).toBe('Every 15 minutes (UTC)');
    expect(describe1({ minute: [range(0, 59)] })).toBe('Every minute (UTC)');
    expect(describe1({ minute: [range(0)] })).toBe('At minute 0 of every hour (UTC)');
    expect(describe1({ minute: [range(0)], hour: [range(0, 23, 2)] })).toBe('At minute 0 of every 2 hours (UTC)');
    expect(
      describe1({ minute: [range(0, 59, 10)], hour: [range(9, 17)], dayOfWeek: [range('MONDAY', 'FRIDAY')] }),
    ).toBe('Every 10 minutes during hours 09 through 17, on Monday through Friday (UTC)');
    expect(describe1({ minute: [range(0)], hour: [range(0), range(12)], dayOfMonth: [range(1), range(15)] })).toBe(
      'At minute 0 during hours 00 and 12, on days 1 and 15 of the month (UTC)',
    );
    expect(describe1({ minute: [range(5, 50, 15)], hour: [range(3)] })).toBe(
      'At minutes every 15th from 5 through 50 during hour 03 (UTC)',
    );
  });

  it('reads months and years', () => {
    expect(describe1({ hour: [range(8)], month: [range('JANUARY', 'MARCH')] })).toBe(
      'At 08:00, every day, in January through March (UTC)',
    );
    expect(describe1({ hour: [range(12)], year: [range(2030)] })).toBe('At 12:00, every day, in 2030 (UTC)');
  });

  it('reads intervals (`@every`)', () => {
    expect(describeSpec({ intervals: [{ every: 5_400_000, offset: 0 }] })).toBe('Every 1 hour 30 minutes (UTC)');
    expect(describeSpec({ intervals: [{ every: 3_600_000, offset: 300_000 }] })).toBe(
      'Every hour, offset by 5 minutes (UTC)',
    );
    expect(describeSpec({ intervals: [{ every: 2 * 86_400_000, offset: 0 }] })).toBe('Every 2 days (UTC)');
  });
});
