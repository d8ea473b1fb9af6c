/**
 * The change-stream reader against a real replica set, when one is given: NECTAR_TEST_MONGODB_REPLSET_URI (a
 * single-node replica set is enough; none can be started here, so without it these tests are skipped and say so).
 */
import crypto from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoTrigger } from '../../flow/eventTriggers';
import { ChangeEvent, consumeChangeStream } from '../../activities/triggers/mongoChanges';

const URI = process.env.NECTAR_TEST_MONGODB_REPLSET_URI;
const maybe = URI ? describe : describe.skip;

jest.setTimeout(60_000);

maybe('change streams on a replica set', () => {
  let client: MongoClient;
  const collectionName = `changes_${crypto.randomBytes(4).toString('hex')}`;
  const trigger = MongoTrigger.parse({
    type: 'mongodb',
    urlVariable: 'X',
    database: 'nectar_test',
    collection: collectionName,
    mode: 'changeStream',
  });

  beforeAll(async () => {
    client = new MongoClient(URI!);
    await client.connect();
  });

  afterAll(async () => {
    await client
      ?.db('nectar_test')
      .collection(collectionName)
      .drop()
      .catch(() => undefined);
    await client?.close();
  });

  test('events arrive as change events; resuming from the stored token reads only what came after', async () => {
    const collection = client.db('nectar_test').collection(collectionName);
    const seen: ChangeEvent[] = [];
    const tokens: string[] = [];
    const read = (token: string | undefined, count: number) =>
      consumeChangeStream(collection, trigger, {
        token,
        start: async (_key, event) => void seen.push(event),
        store: async (stored) => void tokens.push(stored),
        keepGoing: async () => seen.length < count,
      });
    const first = read(undefined, 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await collection.insertOne({ name: 'one' });
    await first;
    expect(seen[0]).toMatchObject({
      operationType: 'insert',
      fullDocument: { name: 'one' },
      ns: { coll: collectionName },
    });
    await collection.updateOne({ name: 'one' }, { $set: { name: 'two' } });
    await read(tokens[0], 2);
    expect(seen[1]).toMatchObject({ operationType: 'update', updateDescription: { updatedFields: { name: 'two' } } });
  });
});
