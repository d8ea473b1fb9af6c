/** The event-trigger forms, read from the trigger schemas: every field (optional ones too), checked as the API does. */
import { SourceTrigger } from '../../flow/eventTriggers';
import { newTrigger } from '../../ui/src/domain/triggers';
import { fieldProblem, parseList, triggerFields, withField } from '../../ui/src/domain/triggerFields';

const names = (kind: Parameters<typeof triggerFields>[0]) => triggerFields(kind).map((field) => field.name);

test('every setting of each kind is a field, optional ones marked, with its input kind', () => {
  expect(names('s3')).toEqual([
    'id',
    'source',
    'bucket',
    'events',
    'prefix',
    'suffix',
    'tokenVariable',
    'scanIntervalMs',
  ]);
  expect(names('salesforce')).toEqual(['id', 'source', 'organizationId', 'tokenVariable', 'objects']);
  expect(names('postgres')).toEqual(['id', 'urlVariable', 'schema', 'table', 'operations', 'columns', 'batchSize']);
  expect(names('event')).toEqual(['id', 'event']);
  const s3 = Object.fromEntries(triggerFields('s3').map((field) => [field.name, field]));
  expect(s3.events).toEqual({ name: 'events', optional: false, kind: 'choices', options: ['created', 'removed'] });
  expect(s3.prefix).toEqual({ name: 'prefix', optional: true, kind: 'text' });
  expect(s3.scanIntervalMs).toEqual({
    name: 'scanIntervalMs',
    optional: true,
    kind: 'number',
    min: 5_000,
    max: 86_400_000,
  });
  const mongo = Object.fromEntries(triggerFields('mongodb').map((field) => [field.name, field]));
  expect(mongo.mode).toEqual({ name: 'mode', optional: false, kind: 'choice', options: ['poll', 'changeStream'] });
  const signed = Object.fromEntries(triggerFields('signed').map((field) => [field.name, field]));
  expect(signed.events).toEqual({ name: 'events', optional: false, kind: 'list' });
  expect(triggerFields('salesforce').find((field) => field.name === 'objects')).toEqual({
    name: 'objects',
    optional: true,
    kind: 'list',
  });
});

test('values are checked with the API’s schema and its messages; an optional field may be left out', () => {
  expect(fieldProblem('s3', 'prefix', undefined)).toBeNull();
  expect(fieldProblem('s3', 'prefix', 'incoming/')).toBeNull();
  expect(fieldProblem('s3', 'tokenVariable', 'not a variable')).toMatch(/workspace variable/);
  expect(fieldProblem('s3', 'scanIntervalMs', 1_000)).toMatch(/5000/);
  expect(fieldProblem('s3', 'bucket', undefined)).not.toBeNull();
  expect(fieldProblem('s3', 'events', [])).not.toBeNull();
  expect(fieldProblem('salesforce', 'objects', ['Account', '9bad'])).toMatch(/^item 1: must be an sObject API name/);
  expect(fieldProblem('postgres', 'columns', ['total', 'total'])).toMatch(/twice/);
  expect(fieldProblem('postgres', 'nope', 1)).toMatch(/no field nope/);
});

test('setting and clearing fields gives triggers the API accepts as they are', () => {
  const s3 = newTrigger('s3', [], 'UTC');
  if (s3.type !== 's3') throw new Error('not s3');
  const set = withField(
    withField(withField(s3, 'prefix', 'incoming/'), 'scanIntervalMs', 60_000),
    'tokenVariable',
    'S3_TOKEN',
  );
  expect(set).toMatchObject({ prefix: 'incoming/', scanIntervalMs: 60_000, tokenVariable: 'S3_TOKEN' });
  expect(SourceTrigger.parse(set)).toEqual(set);
  const cleared = withField(set, 'prefix', undefined);
  expect('prefix' in cleared).toBe(false);
  expect(SourceTrigger.parse(cleared)).toEqual(cleared);
  expect(parseList(' Account, Opportunity ,, ')).toEqual(['Account', 'Opportunity']);
  expect(parseList(' , ')).toBeUndefined();
});
