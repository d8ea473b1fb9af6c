import { MongoServerError } from 'mongodb';

/** MongoDB's (and FerretDB's) error code for a write that collides with a unique key. */
export const DUPLICATE_KEY = 11000;

export const isDuplicateKey = (error: unknown): boolean =>
  error instanceof MongoServerError && error.code === DUPLICATE_KEY;

const ATTEMPTS = 5;

/**
 * Writes a document numbered by a counter: `allocate` takes the next number (a `$inc`), `insert` writes the document
 * whose unique `_id` holds it. FerretDB (the embedded store) can hand two concurrent `$inc` the same number; the
 * second insert then collides on its `_id`, and the write takes another number instead of failing.
 */
export async function insertNumbered<T>(
  allocate: () => Promise<number>,
  insert: (number: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const number = await allocate();
    try {
      return await insert(number);
    } catch (error) {
      if (!isDuplicateKey(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}
