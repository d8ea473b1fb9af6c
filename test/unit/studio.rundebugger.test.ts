/** Pure parts of the run debugger and the dashboard: edges taken, the node a run opens on, the timeline's layout,
 *  JSON as a table, the runs list's filters, formatting, live run events. */
import { formatBytes, formatDuration, formatPercent, runDurationMs } from '../../ui/src/domain/run/format';
import { cellText, flatten, jsonTable } from '../../ui/src/domain/run/jsonTable';
import { filtersQuery, parseFilters, runListParams } from '../../ui/src/domain/run/runFilters';
import { edgeRunStates, focusNodeId } from '../../ui/src/domain/run/runGraph';
import { niceTicks } from '../../ui/src/domain/run/scale';
import { layoutTimeline } from '../../ui/src/domain/run/timeline';
import { attemptsByNode, timelineNode } from '../../ui/src/domain/run/timelineNodes';
import { reduceRunEvent, type RunStatusState } from '../../ui/src/domain/run/runEvents';
import type { RunEvent } from '../../ui/src/api/types';
import type { NodeRecord } from '../../flow/contracts';
import { parseEvents } from '../../ui/src/api/sse';

const record = (id: string, status: NodeRecord['status'], extra: Partial<NodeRecord> = {}): NodeRecord => ({
  id,
  status,
  ...extra,
});

describe('edges taken', () => {
  const edges = [
    { from: 'route', to: 'a', path: 'a' },
    { from: 'route', to: 'b', path: 'b' },
    { from: 'route', to: 'c', path: 'default' },
    { from: 'route', to: 'oops', on: 'error' as const },
    { from: 'a', to: 'end' },
  ];

  test('the labelled edge matching nextPath is taken, its siblings and the error edge are dead', () => {
    const nodes = {
      route: record('route', 'succeeded', { output: { nextPath: 'a' } }),
      a: record('a', 'running'),
      b: record('b', 'skipped'),
      c: record('c', 'skipped'),
      oops: record('oops', 'skipped'),
      end: record('end', 'pending'),
    };
    expect(edgeRunStates(edges, nodes)).toEqual(['taken', 'dead', 'dead', 'dead', 'pending']);
  });

  test('"default" is taken when no label matches; an error edge when its source failed', () => {
    const unmatched = {
      route: record('route', 'succeeded', { output: { nextPath: 'zzz' } }),
      c: record('c', 'succeeded'),
    };
    expect(edgeRunStates(edges, unmatched).slice(0, 3)).toEqual(['dead', 'dead', 'taken']);
    const failed = { route: record('route', 'failed'), oops: record('oops', 'succeeded') };
    expect(edgeRunStates(edges, failed).slice(0, 4)).toEqual(['dead', 'dead', 'dead', 'taken']);
  });

  test('a failed run opens on the node that failed it, else the first failed, else the running one', () => {
    const nodes = [
      record('b', 'failed', { startedAt: '2026-01-01T00:00:02Z' }),
      record('a', 'failed', { startedAt: '2026-01-01T00:00:01Z' }),
      record('c', 'running', { startedAt: '2026-01-01T00:00:00Z' }),
    ];
    expect(focusNodeId(nodes, 'b')).toBe('b');
    expect(focusNodeId(nodes)).toBe('a');
    expect(focusNodeId([nodes[2]])).toBe('c');
    expect(focusNodeId([record('x', 'succeeded')])).toBeUndefined();
  });
});

describe('timeline', () => {
  const start = '2026-01-01T00:00:00.000Z';
  const t = (ms: number) => new Date(Date.parse(start) + ms).toISOString();

  test('a retried node gets one bar per attempt, with the queue wait and the backoff between them', () => {
    const layout = layoutTimeline(start, [
      {
        id: 'flaky',
        label: 'Flaky',
        attempts: [
          { attempt: 1, scheduledAt: t(0), startedAt: t(10), endedAt: t(20), status: 'failed' },
          { attempt: 2, scheduledAt: t(120), startedAt: t(125), endedAt: t(135), status: 'failed' },
          { attempt: 3, scheduledAt: t(335), startedAt: t(335), endedAt: t(345), status: 'succeeded' },
        ],
      },
    ]);
    const runs = layout.bars.filter((bar) => bar.kind === 'run');
    expect(runs.map((bar) => [bar.attempt, bar.startMs, bar.endMs, bar.status])).toEqual([
      [1, 10, 20, 'failed'],
      [2, 125, 135, 'failed'],
      [3, 335, 345, 'succeeded'],
    ]);
    expect(layout.bars.filter((bar) => bar.kind === 'queue').map((bar) => [bar.startMs, bar.endMs])).toEqual([
      [0, 10],
      [120, 125],
    ]);
    expect(layout.bars.filter((bar) => bar.kind === 'backoff').map((bar) => [bar.startMs, bar.endMs])).toEqual([
      [20, 120],
      [135, 335],
    ]);
    expect(layout.totalMs).toBe(345);
    expect(layout.ticks[0]).toBe(0);
    expect(layout.ticks.at(-1)).toBeGreaterThanOrEqual(345);
  });

  test('rows follow the order nodes started; parallel branches overlap in time; waits and running nodes', () => {
    const layout = layoutTimeline(
      start,
      [
        {
          id: 'left',
          label: 'left',
          attempts: [{ attempt: 1, startedAt: t(50), endedAt: t(150), status: 'succeeded' }],
        },
        {
          id: 'first',
          label: 'first',
          attempts: [{ attempt: 1, startedAt: t(0), endedAt: t(40), status: 'succeeded' }],
        },
        { id: 'right', label: 'right', attempts: [{ attempt: 1, startedAt: t(50), status: 'running' }] },
        {
          id: 'later',
          label: 'later',
          waits: 'delay',
          attempts: [{ attempt: 1, startedAt: t(60), endedAt: t(1060), status: 'succeeded' }],
        },
        { id: 'never', label: 'never', attempts: [] },
      ],
      Date.parse(start) + 500,
    );
    expect(layout.rows.map((row) => row.nodeId)).toEqual(['first', 'left', 'right', 'later']);
    const right = layout.bars.find((bar) => bar.nodeId === 'right')!;
    expect([right.startMs, right.endMs]).toEqual([50, 500]);
    expect(layout.bars.find((bar) => bar.nodeId === 'later')!.kind).toBe('delay');
  });
});

describe('JSON as a table', () => {
  test('an array of objects: a row per element, a column per dotted key, missing cells empty', () => {
    const table = jsonTable([
      { id: 1, customer: { name: 'Ada' } },
      { id: 2, total: 9.5 },
    ]);
    expect(table.columns).toEqual(['#', 'id', 'customer.name', 'total']);
    expect(table.rows).toEqual([
      ['0', '1', 'Ada', ''],
      ['1', '2', '', '9.5'],
    ]);
  });

  test('an object: one row per leaf path; scalars: one cell; limits are reported', () => {
    expect(jsonTable({ a: { b: [1, 2] }, c: null }).rows).toEqual([
      ['a.b', '[1,2]'],
      ['c', 'null'],
    ]);
    expect(jsonTable('text')).toEqual({ columns: ['value'], rows: [['text']], moreRows: 0, moreColumns: 0 });
    const big = jsonTable(
      Array.from({ length: 250 }, (_, i) => ({ i })),
      { rows: 200 },
    );
    expect([big.rows.length, big.moreRows]).toEqual([200, 50]);
    expect(flatten({ a: { b: { c: { d: 1 } } } }, 2)).toEqual([['a.b', { c: { d: 1 } }]]);
    expect(cellText('x'.repeat(500))).toHaveLength(200);
  });
});

describe('runs list filters', () => {
  test('a query string round-trips, unknown values are dropped', () => {
    const filters = parseFilters('?flowId=orders&status=failed&trigger=webhook&window=24h&status2=x');
    expect(filters).toEqual({ flowId: 'orders', status: 'failed', trigger: 'webhook', window: '24h' });
    expect(filtersQuery(filters)).toBe('?flowId=orders&status=failed&trigger=webhook&window=24h');
    expect(parseFilters('?status=bogus&trigger=nope&window=2y')).toEqual({});
    expect(filtersQuery({})).toBe('');
  });

  test('the time window becomes startedAfter; page size and token pass through', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    expect(runListParams({ flowId: 'a', window: '1h' }, 25, 'tok', now)).toBe(
      'flowId=a&startedAfter=2026-12-02T11%3A00%3A00.000Z&pageSize=25&pageToken=tok',
    );
  });
});

describe('formatting', () => {
  test('durations, sizes, rates', () => {
    expect([0.42, 12, 999.6, 1_234, 12_345, 125_000, 7_500_000].map(formatDuration)).toEqual([
      '0.4 ms',
      '12 ms',
      '1000 ms',
      '1.23 s',
      '12.3 s',
      '2 min 5 s',
      '2 h 5 min',
    ]);
    expect(formatDuration(undefined)).toBe('');
    expect([512, 2048, 5 * 1024 * 1024].map(formatBytes)).toEqual(['512 B', '2 KiB', '5.0 MiB']);
    expect(formatPercent(7, 10)).toBe('70 %');
    expect(formatPercent(0.7, 1)).toBe('70 %');
    expect(formatPercent(995, 1000)).toBe('99.5 %');
    expect(formatPercent(1, 3)).toBe('33 %');
    expect(formatPercent(0, 0)).toBe('—');
    expect(runDurationMs('2026-01-01T00:00:00Z', '2026-01-01T00:00:01.5Z')).toBe(1500);
    expect(runDurationMs('2026-01-01T00:00:00Z', undefined, Date.parse('2026-01-01T00:00:03Z'))).toBe(3000);
  });

  test('axis ticks are round numbers reaching the maximum', () => {
    expect(niceTicks(345, 6)).toEqual([0, 100, 200, 300, 400]);
    expect(niceTicks(10, 4)).toEqual([0, 5, 10]);
    expect(niceTicks(0, 4)).toEqual([0, 1]);
    expect(niceTicks(0.7, 4)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });
});

test('the stream parser knows the debugger’s live log lines and edge states', () => {
  const text =
    'event: log\ndata: {"nodeId":"a","execution":1,"attempt":1,"entries":[]}\n\nevent: edges\ndata: ["taken"]\n\nevent: x\ndata: 1\n\n';
  expect(parseEvents(text).events.map((event) => event.type)).toEqual(['log', 'edges']);
});

describe('timeline rows from node records', () => {
  test('an ended code node: queue wait up to when its code ran for durationMs, then the run', () => {
    const row = timelineNode(
      {
        id: 'a',
        type: 'code',
        status: 'succeeded',
        state: 'succeeded',
        attempt: 1,
        startedAt: '2026-01-01T00:00:00.000Z',
        endedAt: '2026-01-01T00:00:00.100Z',
        durationMs: 30,
      },
      undefined,
    );
    expect(row.attempts).toEqual([
      {
        attempt: 1,
        scheduledAt: '2026-01-01T00:00:00.000Z',
        startedAt: '2026-01-01T00:00:00.070Z',
        endedAt: '2026-01-01T00:00:00.100Z',
        status: 'succeeded',
      },
    ]);
  });

  test('a retried node takes its fetched attempts; a delay waits; a reused or unstarted node has no bar', () => {
    const attempts = [1, 2].map((attempt) => ({
      nodeId: 'a',
      execution: 1,
      attempt,
      status: attempt === 1 ? ('failed' as const) : ('succeeded' as const),
      startedAt: `2026-01-01T00:00:0${attempt}.000Z`,
    }));
    expect(
      timelineNode({ id: 'a', status: 'succeeded', state: 'succeeded', attempt: 2 }, attempts).attempts.map(
        (a) => a.status,
      ),
    ).toEqual(['failed', 'succeeded']);
    const delay = timelineNode(
      { id: 'd', type: 'delay', status: 'running', state: 'running', startedAt: '2026-01-01T00:00:00.000Z' },
      undefined,
    );
    expect([delay.waits, delay.attempts[0].status, delay.attempts[0].endedAt]).toEqual(['delay', 'running', undefined]);
    expect(
      timelineNode({ id: 'r', status: 'succeeded', state: 'succeeded', startedAt: 'x', reusedFrom: 'run-1' }, undefined)
        .attempts,
    ).toEqual([]);
    expect(timelineNode({ id: 'p', status: 'pending', state: 'pending' }, undefined).attempts).toEqual([]);
  });

  test("one request's attempts: grouped by node in order, an attempt answered twice kept as it ended", () => {
    const attempt = (
      nodeId: string,
      execution: number,
      number: number,
      status: 'running' | 'succeeded' | 'failed',
    ) => ({
      nodeId,
      execution,
      attempt: number,
      status,
      startedAt: `2026-01-01T00:00:0${execution}.${number}00Z`,
    });
    const grouped = attemptsByNode([
      attempt('b', 1, 1, 'succeeded'),
      attempt('a', 2, 1, 'succeeded'),
      attempt('a', 1, 2, 'running'),
      attempt('a', 1, 1, 'failed'),
      attempt('a', 1, 2, 'succeeded'),
    ]);
    expect(Object.keys(grouped).sort()).toEqual(['a', 'b']);
    expect(grouped.a.map((a) => [a.execution, a.attempt, a.status])).toEqual([
      [1, 1, 'failed'],
      [1, 2, 'succeeded'],
      [2, 1, 'succeeded'],
    ]);
  });

  test('an attempt still queued waits until now; no run bar yet', () => {
    const start = '2026-01-01T00:00:00.000Z';
    const row = timelineNode({ id: 'q', type: 'code', status: 'running', state: 'queued', startedAt: start }, [
      { nodeId: 'q', execution: 1, attempt: 1, status: 'running', scheduledAt: start, startedAt: '' },
    ]);
    const layout = layoutTimeline(start, [row], Date.parse(start) + 400);
    expect(layout.bars.map((bar) => [bar.kind, bar.startMs, bar.endMs])).toEqual([['queue', 0, 400]]);
  });
});

test('live log lines gather per attempt and give way to the node’s own record when it ends', () => {
  let state: RunStatusState = { runId: 'r', status: 'running', nodes: {} };
  const log = (attempt: number, text: string, truncated?: boolean): RunEvent => ({
    type: 'log',
    data: {
      nodeId: 'a',
      execution: 1,
      attempt,
      entries: [{ level: 'log', timestamp: '2026-01-01T00:00:00.000Z', nodeId: 'a', args: [text] }],
      ...(truncated ? { truncated } : {}),
    },
  });
  state = reduceRunEvent(state, log(1, 'one'));
  state = reduceRunEvent(state, log(1, 'two', true));
  expect(state.liveLogs?.a.entries.map((entry) => entry.args[0])).toEqual(['one', 'two']);
  expect(state.liveLogs?.a.truncated).toBe(true);
  state = reduceRunEvent(state, log(2, 'retry'));
  expect(state.liveLogs?.a).toMatchObject({ attempt: 2, truncated: false });
  expect(state.liveLogs?.a.entries).toHaveLength(1);
  state = reduceRunEvent(state, { type: 'node', data: { id: 'a', status: 'succeeded', state: 'succeeded', logs: [] } });
  expect(state.liveLogs?.a).toBeUndefined();
  state = reduceRunEvent(state, { type: 'edges', data: ['taken'] });
  expect(state.edges).toEqual(['taken']);
});
