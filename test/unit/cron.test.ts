import { CronCalendar, cronProblem, parseCron } from '../../flow/cron';
import { CronTrigger } from '../../flow/triggers';

const calendar = (expression: string) => parseCron(expression) as CronCalendar;

describe('cron expressions as Temporal reads them', () => {
  test('five fields: minute hour day-of-month month day-of-week; seconds 0 and any year', () => {
    const spec = calendar('0 9 * * 1-5');
    expect(spec).toMatchObject({ seconds: [0], minutes: [0], hours: [9], weekdays: [1, 2, 3, 4, 5], years: null });
    expect(spec.days).toHaveLength(31);
    expect(spec.months).toHaveLength(12);
  });

  test('six fields end with the year, seven start with the second', () => {
    expect(calendar('30 6 1 1 * 2030')).toMatchObject({ seconds: [0], minutes: [30], hours: [6], years: [2030] });
    expect(calendar('15 30 6 1 1 * 2030-2032')).toMatchObject({
      seconds: [15],
      minutes: [30],
      years: [2030, 2031, 2032],
    });
    expect(cronProblem('0 0 12 * * MON')).toMatch(/year: "MON" is not a number/);
  });

  test('ranges, steps, lists and names (months by three letters or more, weekdays by two or more)', () => {
    expect(calendar('*/20 0-6/3 1,15 jan-Mar su,WED,fri').minutes).toEqual([0, 20, 40]);
    expect(calendar('*/20 0-6/3 1,15 jan-Mar su,WED,fri')).toMatchObject({
      hours: [0, 3, 6],
      days: [1, 15],
      months: [1, 2, 3],
      weekdays: [0, 3, 5],
    });
    expect(calendar('5/20 * * september * *').minutes).toEqual([5, 25, 45]);
    expect(calendar('0 0 * * 7').weekdays).toEqual([0]);
    expect(calendar('0 0 * * 5-7').weekdays).toEqual([0, 5, 6]);
  });

  test('macros and @every intervals with a phase', () => {
    expect(calendar('@weekly')).toMatchObject({ minutes: [0], hours: [0], weekdays: [0] });
    expect(parseCron('@every 1h30m')).toEqual({ kind: 'interval', everyMs: 5_400_000, phaseMs: 0 });
    expect(parseCron('@every 1d/2h')).toEqual({ kind: 'interval', everyMs: 86_400_000, phaseMs: 7_200_000 });
  });

  test.each([
    ['* * *', /has 3 fields/],
    ['61 * * * *', /minute: 61 is outside 0-59/],
    ['0 24 * * *', /hour: 24 is outside 0-23/],
    ['0 0 0 * *', /day of month: 0 is outside 1-31/],
    ['0 0 * 13 *', /month: 13 is outside 1-12/],
    ['0 0 * * 8', /day of week: 8 is outside 0-7/],
    ['0 0 * * 5-2', /day of week: 2 is outside 5-7/],
    ['0 0 L * *', /not supported by Temporal/],
    ['0 0 ? * MON', /not supported by Temporal/],
    ['0 0 * * MON#2', /not supported by Temporal/],
    ['0 0 15W * *', /not supported by Temporal/],
    ['*/0 * * * *', /step .* at least 1/],
    ['1-2-3 * * * *', /more than one "-"/],
    ['0 0 * * * 1999', /year: 1999 is outside 2000-2100/],
    ['@fortnightly', /not a macro/],
    ['@every 5 minutes', /single space/],
    ['@every 5x', /not a duration/],
    ['@every 500ms', /at least 1s/],
    ['TZ=Europe/Paris 0 9 * * *', /timezone/],
    ['0 9 * * 1-5; rm', /day of week/],
  ])('%s is refused, saying why', (expression, reason) => {
    expect(cronProblem(expression)).toMatch(reason);
  });

  test('a cron trigger refuses what Temporal would, naming the reason, and trims the expression', () => {
    const refused = CronTrigger.safeParse({ type: 'cron', cron: '0 0 12 * * MON' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['cron'], message: expect.stringMatching(/year/) });
    expect(CronTrigger.parse({ type: 'cron', cron: ' @hourly ' }).cron).toBe('@hourly');
  });
});
