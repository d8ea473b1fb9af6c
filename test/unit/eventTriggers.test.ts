import { FlowTriggers } from '../../flow/triggers';
import { isRunId } from '../../flow/ids';
import { eventRunId, idempotentRunId } from '../../temporal/runStart';

const paths = (value: unknown) => {
  const parsed = FlowTriggers.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
};

test('a postgres trigger takes its defaults: every operation, the public schema, batches of 100, not paused', () => {
  const [trigger] = FlowTriggers.parse([{ type: 'postgres', urlVariable: 'DB', table: 'orders' }]);
  expect(trigger).toEqual({
    type: 'postgres',
    id: 'postgres',
    urlVariable: 'DB',
    schema: 'public',
    table: 'orders',
    operations: ['insert', 'update', 'delete'],
    batchSize: 100,
    paused: false,
  });
});

test('bad fields are named by their place', () => {
  expect(paths([{ type: 'postgres', urlVariable: 'DB', table: 'x y' }])).toEqual(['0.table']);
  expect(paths([{ type: 'postgres', urlVariable: 'DB', table: 't', operations: ['insert', 'insert'] }])).toEqual([
    '0.operations',
  ]);
  expect(paths([{ type: 'postgres', urlVariable: 'postgres://user:secret@db/x', table: 't' }])).toEqual([
    '0.urlVariable',
  ]);
  expect(paths([{ type: 'postgres', urlVariable: 'DB', table: 't', extra: 1 }])).toEqual(['0']);
  expect(paths([{ type: 'carrier-pigeon' }])).toEqual(['0.type']);
});

test('two triggers of a flow cannot share an id, whatever their kinds', () => {
  const twice = [
    { type: 'postgres', urlVariable: 'DB', table: 'a' },
    { type: 'postgres', urlVariable: 'DB', table: 'b' },
  ];
  expect(paths(twice)).toEqual(['1.id']);
  expect(paths([twice[0], { ...twice[1], id: 'invoices' }])).toEqual([]);
  expect(
    paths([
      { type: 'cron', id: 'nightly', cron: '@daily' },
      { type: 'postgres', id: 'nightly', urlVariable: 'DB', table: 'a' },
    ]),
  ).toEqual(['1.id']);
});

test('an event run id is a run id, one per trigger and event, apart from Idempotency-Key runs', () => {
  const id = eventRunId('w', 'flow', 'orders', 'e-1');
  expect(isRunId(id)).toBe(true);
  expect(eventRunId('w', 'flow', 'orders', 'e-1')).toBe(id);
  expect(eventRunId('w', 'flow', 'orders', 'e-2')).not.toBe(id);
  expect(eventRunId('w', 'flow', 'invoices', 'e-1')).not.toBe(id);
  expect(eventRunId('w2', 'flow', 'orders', 'e-1')).not.toBe(id);
  expect(idempotentRunId('w', 'flow', 'e-1')).not.toBe(id);
});
