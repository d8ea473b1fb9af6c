/**
 * Attempts to get past the bridges: reaching an isolated-vm object from the shims, hostile arguments, and
 * prototype pollution sent across to the host. Each asserts the attempt failed and the bridge still works after it.
 */
import express from 'express';
import { runSnippet } from './bridges.harness';
import { listenLocally, LocalServer } from '../support/localServer';

const OPEN_LOOPBACK = { allow: ['127.0.0.1'] };
let local: LocalServer;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(express.json());
  app.all('/echo', (request, response) => response.json({ query: request.query, body: request.body ?? null }));
  app.get('/never', () => undefined);
  local = await listenLocally(app);
  base = local.url;
});

afterAll(async () => {
  await local?.close();
});

const stillWorks = async () => {
  const outcome = await runSnippet(`return (await axios.get('${base}/echo', { params: { ok: 1 } })).data.query.ok;`, {
    egress: OPEN_LOOPBACK,
  });
  expect(outcome).toEqual({ ok: true, value: '1' });
};

test('no isolated-vm object is reachable from the library globals, their results or their prototypes', async () => {
  const outcome = await runSnippet(
    `const client = new MongoClient('mongodb://127.0.0.1:1/x');
     const roots = [axios, axios.create(), nodemailer, nodemailer.createTransport({ host: '127.0.0.1' }), MongoClient, ObjectId,
                    client, client.db('x'), client.db('x').collection('y'), client.db('x').collection('y').find({}), new ObjectId()];
     const seen = new Set();
     const found = [];
     const queue = roots.slice();
     while (queue.length > 0) {
       const value = queue.shift();
       if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
       seen.add(value);
       const name = value.constructor && value.constructor.name;
       if (['Reference', 'ExternalCopy', 'Callback', 'Isolate', 'Context', 'Script', 'Module'].includes(name)) found.push(name);
       for (const key of Reflect.ownKeys(value)) {
         const descriptor = Object.getOwnPropertyDescriptor(value, key);
         if (!descriptor) continue;
         for (const part of [descriptor.value, descriptor.get, descriptor.set]) queue.push(part);
       }
       queue.push(Object.getPrototypeOf(value));
     }
     return { visited: seen.size, found };`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toMatchObject({ ok: true, value: { found: [] } });
  expect(outcome.ok && (outcome.value as { visited: number }).visited).toBeGreaterThan(50);
});

test('callbacks the shims call (validateStatus, sendMail callbacks) cannot climb to the shim through caller', async () => {
  const outcome = await runSnippet(
    `const leaks = [];
     function validateStatus(status) {
       try { if (validateStatus.caller) leaks.push('validateStatus.caller: ' + String(validateStatus.caller).slice(0, 30)); } catch (error) { /* refused */ }
       return status < 500;
     }
     await axios.get('${base}/echo', { validateStatus });
     await new Promise((resolve) => {
       nodemailer.createTransport({ host: '127.0.0.1', port: 1 }).sendMail({ text: 'x' }, function done() {
         try { if (done.caller) leaks.push('sendMail callback caller'); } catch (error) { /* refused */ }
         resolve();
       });
     });
     return leaks;`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toEqual({ ok: true, value: [] });
  await stillWorks();
});

test('a Proxy whose every trap throws, given as config, fails inside the isolate only', async () => {
  const outcome = await runSnippet(
    `const hostile = new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); }, getOwnPropertyDescriptor() { throw new Error('trap'); } });
     try { await axios.get('${base}/echo', hostile); return 'no error'; } catch (error) { return error.message; }`,
    { egress: OPEN_LOOPBACK },
  );
  expect(outcome).toEqual({ ok: true, value: 'trap' });
  await stillWorks();
});

test('prototype pollution sent through axios, nodemailer and MongoClient does not reach the host', async () => {
  const outcome = await runSnippet(
    `const polluted = JSON.parse('{"__proto__": {"pollutedByBridge": "yes"}, "constructor": {"prototype": {"pollutedByBridge": "yes"}}}');
     const attempts = [
       () => axios.get('${base}/echo', { params: polluted, headers: polluted }),
       () => axios.post('${base}/echo', polluted, { headers: polluted }),
       () => axios(polluted),
       () => nodemailer.createTransport(polluted).sendMail(polluted),
       () => new MongoClient('mongodb://127.0.0.1:1/x', polluted).connect(),
     ];
     const results = [];
     for (const attempt of attempts) {
       try { await attempt(); results.push('done'); } catch (error) { results.push(error.name); }
     }
     return results;`,
    { egress: OPEN_LOOPBACK, timeoutMs: 10_000 },
  );
  expect(outcome.ok).toBe(true);
  expect(({} as Record<string, unknown>).pollutedByBridge).toBeUndefined();
  expect((Object.prototype as Record<string, unknown>).pollutedByBridge).toBeUndefined();
  await stillWorks();
});

test('too many host calls at once are refused instead of queued without bound', async () => {
  // Requests that never get an answer stay in flight until the deadline, so exactly the limit is admitted.
  const outcome = await runSnippet(
    `const calls = Array.from({ length: 40 }, () => axios.get('${base}/never').then(() => 'answered', (error) => error.name + ': ' + error.message));
     const results = await Promise.all(calls);
     return { timedOut: results.filter((r) => r.startsWith('TimeoutError')).length, refused: results.filter((r) => /in flight at once/.test(r)).length };`,
    { egress: OPEN_LOOPBACK, timeoutMs: 2_000 },
  );
  expect(outcome).toEqual({ ok: true, value: { timedOut: 16, refused: 24 } });
  await stillWorks();
});
