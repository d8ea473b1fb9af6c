/** Pure parts of the studio's panels: cron previews, version diffs, code typings, the run stream parser, undo history. */
import { parseEvents } from '../../ui/src/api/sse';
import { describeCron, nextRunTimes } from '../../ui/src/domain/cron';
import { sideBySide } from '../../ui/src/domain/lineDiff';
import { stepTypings, typeOfJson } from '../../ui/src/domain/typings';
import { diffDefinitions, summarizeDiff } from '../../ui/src/domain/versionDiff';
import type { FlowDefinition } from '../../ui/src/domain/model';

test('a cron expression reads in plain words', () => {
  expect(describeCron('0 9 * * 1-5')).toBe('At 09:00, Monday through Friday');
  expect(describeCron('*/15 * * * *')).toBe('Every 15 minutes');
  expect(describeCron('@hourly')).toBe('At minute 0 of every hour');
  expect(describeCron('30 8 1 * *')).toBe('At 08:30, on day 1 of the month');
});

test('the next five runs are computed in the schedule’s time zone, across a daylight-saving change', () => {
  const after = new Date('2026-03-27T12:00:00Z'); // Friday; Paris moves to summer time on Sunday the 29th
  const times = nextRunTimes('0 9 * * *', 'Europe/Paris', after).map((time) => time.toISOString());
  expect(times).toEqual([
    '2026-03-28T08:00:00.000Z',
    '2026-03-29T07:00:00.000Z',
    '2026-03-30T07:00:00.000Z',
    '2026-03-31T07:00:00.000Z',
    '2026-04-01T07:00:00.000Z',
  ]);
  expect(nextRunTimes('0 9 * * 1-5', 'UTC', after).map((time) => time.getUTCDay())).toEqual([1, 2, 3, 4, 5]);
});

test('a bad cron expression says what is wrong', () => {
  expect(() => describeCron('61 * * * *')).toThrow('outside 0-59');
  expect(() => describeCron('* * *')).toThrow('expected 5');
  expect(() => describeCron('0 0 12 * * MON')).toThrow('year');
});

test('the preview reads cron as Temporal does: day of month AND day of week, a sixth field is the year', () => {
  const after = new Date('2026-01-01T00:00:00Z');
  expect(describeCron('0 9 13 * fri')).toBe('At 09:00, on day 13 of the month, if that is a Friday');
  expect(nextRunTimes('0 9 13 * fri', 'UTC', after, 2).map((time) => time.toISOString())).toEqual([
    '2026-02-13T09:00:00.000Z',
    '2026-03-13T09:00:00.000Z',
  ]);
  expect(describeCron('0 12 1 1 * 2030')).toBe('At 12:00, on day 1 of the month, in January, in 2030');
  expect(nextRunTimes('0 12 1 1 * 2030', 'UTC', after, 2).map((time) => time.toISOString())).toEqual([
    '2030-01-01T12:00:00.000Z',
  ]);
  expect(nextRunTimes('30 0 9 * * * *', 'UTC', after, 1)[0].toISOString()).toBe('2026-01-01T09:00:30.000Z');
});

test('an @every interval reads in words and counts from the epoch plus its phase', () => {
  expect(describeCron('@every 1h30m')).toBe('Every 1 hour and 30 minutes');
  expect(describeCron('@every 1d/2h')).toBe('Every 1 day, offset by 2 hours');
  const times = nextRunTimes('@every 1d/2h', 'Asia/Tokyo', new Date('2026-01-01T05:00:00Z'), 2);
  expect(times.map((time) => time.toISOString())).toEqual(['2026-01-02T02:00:00.000Z', '2026-01-03T02:00:00.000Z']);
});

test('a version diff names the changed node and shows the changed code line side by side', () => {
  const before: FlowDefinition = {
    id: 'f',
    name: 'F',
    nodes: [{ id: 'a', type: 'code', code: 'const x = 1;\nreturn { x };' }],
    edges: [],
  };
  const after: FlowDefinition = {
    ...before,
    nodes: [
      { id: 'a', type: 'code', code: 'const x = 2;\nreturn { x };' },
      { id: 'b', type: 'delay', durationMs: 5 },
    ],
    edges: [{ from: 'a', to: 'b' }],
    layout: { nodes: { a: { x: 1, y: 1 } } },
  };
  const diff = diffDefinitions(before, after);
  expect(summarizeDiff(diff)).toBe('changed a (code); added b; 1 edge changed');
  expect(
    sideBySide(
      diff.changedNodes[0].before.type === 'code' ? diff.changedNodes[0].before.code : '',
      'const x = 2;\nreturn { x };',
    ),
  ).toEqual([
    { kind: 'changed', left: { line: 1, text: 'const x = 1;' }, right: { line: 1, text: 'const x = 2;' } },
    { kind: 'same', left: { line: 2, text: 'return { x };' }, right: { line: 2, text: 'return { x };' } },
  ]);
  expect(sideBySide('a\nb', 'a\nb\nc').at(-1)).toEqual({ kind: 'added', right: { line: 3, text: 'c' } });
});

test('the editor types input from the previous node’s last output and lists the steps that can precede', () => {
  expect(typeOfJson({ nextPath: 'x', n: [1], ok: true, nested: { 'a-b': null } })).toBe(
    '{ nextPath: string; n: Array<number>; ok: boolean; nested: { "a-b": null; }; }',
  );
  const typings = stepTypings({
    upstream: ['route', 'start'],
    outputs: { route: { nextPath: 'm' } },
    predecessors: ['route'],
  });
  expect(typings).toContain('route: { nextPath: string; };');
  expect(typings).toContain('start: any;');
  expect(typings).toContain('declare const input: { nextPath: string; };');
});

test('run stream events are parsed block by block, an incomplete block kept for the next chunk', () => {
  const { events, rest } = parseEvents(
    'id: 1\nevent: status\ndata: {"runId":"r","status":"running","startedAt":"t"}\n\n: heartbeat\n\nevent: node\ndata: {"id":"a","status":"succ',
  );
  expect(events).toEqual([{ type: 'status', data: { runId: 'r', status: 'running', startedAt: 't' } }]);
  expect(rest).toBe('event: node\ndata: {"id":"a","status":"succ');
});
