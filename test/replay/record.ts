/**
 * Records the histories that test/replay/replay.test.ts replays: representative runs of the interpreter on the whole
 * product. Re-record after an intended change to the workflow's commands (and keep the old files while runs recorded
 * with them may still be open). It drives the built product, through jest so paths resolve as in the other tests:
 * `npm run build && node --no-node-snapshot node_modules/jest/bin/jest.js --testMatch='<rootDir>/test/replay/record.ts'`
 * (`RECORD_ONLY=light-eager,…` records only those runs, leaving the other files as they are).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { eventually, startProduct } from '../support/product';

const OUT_DIR = path.join(__dirname, 'histories');
/**
 * Names the shape of the workflow's commands the files were recorded with; files of older generations stay, since
 * runs recorded with them may still be open somewhere. `local-plan`: the definition read by a local activity, light
 * nodes run locally. `fused`: light nodes in a row run as one local activity (flow/chains.ts). `run-debugger`: a
 * failed run names its failed node in the memo (a patch); reruns from a node start with the upstream nodes' recorded
 * outcomes. `error-handler`: a failed run starts its error handler flow through an activity (a patch); the handler
 * run, failing too, starts none. `stored-payload`: a trigger payload past 64 KiB travels as a reference into the store,
 * and a wait's correlation key inside it is read by a local activity (a patch). `entry-chain`: a fresh run's starter
 * proposes its entry chain, which the plan's local activity runs along when its nodes are light (flow/entryChain.ts).
 */
const GENERATION = 'entry-chain';

const code = (id: string, source: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'code',
  code: source,
  ...extra,
});

const FLOWS = [
  {
    id: 'branches',
    name: 'branch, default, join after if/else, input mapping, error edge, continue',
    nodes: [
      code('route', 'return { nextPath: input.tier };'),
      code('big', "return 'big';"),
      code('other', "return 'other';"),
      code('side', 'return { side: true };'),
      code('join', 'return input;'),
      code('mapped', 'return input;', {
        input: { tier: { path: 'trigger.payload.tier' }, joined: { path: 'steps.join' } },
      }),
      code('boom', "const boom = () => { throw new Error('expected'); };"),
      code('handler', 'return { handled: input.message };'),
      code('ignored', "const ignored = () => { throw new Error('ignored'); };", { onError: 'continue' }),
      code('after', 'return input;'),
    ],
    edges: [
      { from: 'route', to: 'big', path: 'big' },
      { from: 'route', to: 'other', path: 'default' },
      { from: 'route', to: 'side' },
      { from: 'big', to: 'join' },
      { from: 'other', to: 'join' },
      { from: 'side', to: 'join' },
      { from: 'join', to: 'mapped' },
      { from: 'mapped', to: 'boom' },
      { from: 'boom', to: 'handler', on: 'error' },
      { from: 'handler', to: 'ignored' },
      { from: 'ignored', to: 'after' },
    ],
  },
  {
    id: 'retry-delay',
    name: 'retry then success, then a durable delay',
    nodes: [
      code('flaky', "if (context.workflowContext.attempt < 2) throw new Error('again'); return { ok: true };", {
        retry: { maximumAttempts: 3, initialIntervalMs: 10 },
      }),
      { id: 'pause', type: 'delay', durationMs: 500 },
      code('done', 'return input;'),
    ],
    edges: [
      { from: 'flaky', to: 'pause' },
      { from: 'pause', to: 'done' },
    ],
  },
  {
    id: 'approval',
    name: 'wait for an event, or time out',
    nodes: [
      { id: 'approve', type: 'wait', event: 'approval', timeoutMs: 2_000 },
      code('approved', 'return input;'),
      code('expired', "return 'expired';"),
    ],
    edges: [
      { from: 'approve', to: 'approved', path: 'default' },
      { from: 'approve', to: 'expired', path: 'timeout' },
    ],
  },
  { id: 'child', name: 'child', nodes: [code('double', 'return { doubled: input.n * 2 };')], edges: [] },
  {
    id: 'parent',
    name: 'subflow and a bounded loop',
    nodes: [
      code('init', 'return { n: 1 };'),
      { id: 'sub', type: 'subflow', flowId: 'child' },
      code('check', 'return { n: input.doubled, nextPath: input.doubled < 8 ? "again" : "done" };'),
      code('large', "return { rows: Array.from({ length: 800 }, (_, i) => 'row ' + i + ' ' + 'x'.repeat(100)) };"),
    ],
    edges: [
      { from: 'init', to: 'sub' },
      { from: 'sub', to: 'check' },
      { from: 'check', to: 'sub', path: 'again', maxIterations: 5 },
      { from: 'check', to: 'large', path: 'done' },
    ],
  },
  {
    id: 'light-chain',
    name: 'light nodes in a row: a nextPath link, a failure with an error edge, a handler chain',
    nodes: [
      code('first', 'return { n: 1 };'),
      code('second', "console.log('second', input.n); return { n: input.n + 1, nextPath: 'go' };"),
      code('third', 'return { n: input.n + 1 };'),
      code('check', "if (input.n > 2) throw new Error('too big: ' + input.n); return input;"),
      code('handler', 'return { handled: input.message };'),
      code('after', 'return { ...input, steps: Object.keys(context.steps) };'),
    ],
    edges: [
      { from: 'first', to: 'second' },
      { from: 'second', to: 'third', path: 'go' },
      { from: 'third', to: 'check' },
      { from: 'check', to: 'handler', on: 'error' },
      { from: 'handler', to: 'after' },
    ],
  },
  {
    id: 'fails-handler',
    name: 'the error handler of "fails": reads its input, then fails (and starts no handler)',
    nodes: [code('notify', "const notify = (input) => { throw new Error('handler failed on ' + input.node); };")],
    edges: [],
  },
  {
    id: 'fails',
    name: 'a node fails the run, which starts its error handler; a rerun from it reuses the node before',
    nodes: [code('first', 'return { a: 1 };'), code('boom', "const boom = () => { throw new Error('expected'); };")],
    edges: [{ from: 'first', to: 'boom' }],
    errorHandler: { flowId: 'fails-handler' },
  },
  {
    id: 'stored-payload',
    name: 'a trigger payload kept in the store: read by the entry node, and a wait keyed by a field inside it',
    nodes: [
      code('measure', 'return { length: input.filler.length, orderId: context.trigger.payload.orderId };'),
      {
        id: 'paid',
        type: 'wait',
        event: 'replay.paid',
        match: { path: 'orderId', equals: { path: 'trigger.payload.orderId' } },
        timeoutMs: 60_000,
      },
      code('done', 'return input;'),
    ],
    edges: [
      { from: 'measure', to: 'paid' },
      { from: 'paid', to: 'done' },
    ],
  },
  {
    id: 'long-loop',
    name: 'a loop long enough to continue as new',
    nodes: [
      code('step', 'return { n: (input.n || 0) + 1, nextPath: (input.n || 0) + 1 < 380 ? "again" : "done" };'),
      code('end', 'return input;'),
    ],
    edges: [
      { from: 'step', to: 'step', path: 'again', maxIterations: 1000 },
      { from: 'step', to: 'end', path: 'done' },
    ],
  },
];

async function main(): Promise<void> {
  const product = await startProduct();
  const connection = await Connection.connect({ address: `127.0.0.1:${product.ports.temporal}` });
  const client = new Client({ connection });
  try {
    for (const flow of FLOWS) {
      const saved = await product.request('POST', '/api/flows', flow);
      if (saved.status !== 201) throw new Error(`saving ${flow.id}: ${JSON.stringify(saved.body)}`);
    }
    const start = async (flowId: string, input: unknown) =>
      (await product.request('POST', `/api/flows/${flowId}/runs`, { input })).body.runId as string;
    const only = process.env.RECORD_ONLY?.split(',');
    const wanted = (name: string) => !only || only.includes(name);
    const runs: Record<string, string> = {};
    const record = async (name: string, run: () => Promise<string>) => {
      if (wanted(name)) runs[name] = await run();
    };
    await record('branches', () => start('branches', { tier: 'big' }));
    await record('retry-delay', () => start('retry-delay', {}));
    await record('wait-signalled', () => start('approval', {}));
    await record('wait-timeout', () => start('approval', {}));
    await record('subflow-loop-large', () => start('parent', {}));
    await record('continued-as-new', () => start('long-loop', {}));
    await record('cancelled', () => start('approval', {}));
    await record('failed', () => start('fails', {}));
    // A flow's light nodes run locally once a worker has measured them: record a second run of a light flow.
    await record('light-local', async () => {
      await client.workflow.getHandle(await start('child', { n: 1 })).result();
      return start('child', { n: 2 });
    });
    // Light nodes in a row, measured by a first run.
    await record('light-chain', async () => {
      await client.workflow.getHandle(await start('light-chain', {})).result();
      return start('light-chain', {});
    });
    // A run the gateway waits for starts eagerly in its own worker (one workflow task, started by the start call).
    const waited = async (flowId: string, input: unknown) =>
      (await product.request('POST', `/api/flows/${flowId}/runs?wait=true`, { input })).body.runId as string;
    // Its node runs locally once that worker has measured it under 100 ms: a loaded machine may take a few runs.
    await record('light-eager', async () => {
      for (let n = 3; ; n++) {
        const runId = await waited('child', { n });
        const { events } = await client.workflow.getHandle(runId).fetchHistory();
        if (n >= 20 || !events?.some((event) => event.activityTaskScheduledEventAttributes)) return runId;
      }
    });
    if (runs['wait-signalled']) {
      await eventually(
        async () =>
          (
            await client.workflow.getHandle(runs['wait-signalled']).query<{ nodes: { status: string }[] }>('runState')
          ).nodes.some((n) => n.status === 'running') || undefined,
      );
      await product.request('POST', `/api/runs/${runs['wait-signalled']}/events`, {
        event: 'approval',
        payload: { by: 'ada' },
      });
    }
    await record('stored-payload', () => start('stored-payload', { orderId: 'r-1', filler: 'x'.repeat(100_000) }));
    if (runs['stored-payload']) {
      // The bus finds the waiting run through visibility, a moment after it starts waiting.
      await eventually(async () => {
        const published = await product.request('POST', '/api/events', {
          type: 'replay.paid',
          payload: { orderId: 'r-1' },
        });
        return published.body.delivered.includes(runs['stored-payload']) || undefined;
      }, 60_000);
    }
    if (runs.cancelled) await product.request('POST', `/api/runs/${runs.cancelled}/cancel`);
    if (runs.failed) {
      await client.workflow
        .getHandle(runs.failed)
        .result()
        .catch(() => undefined);
      const rerun = await product.request('POST', `/api/runs/${runs.failed}/rerun`, {
        version: 'same',
        fromNode: 'boom',
      });
      runs['rerun-from-node'] = rerun.body.runId as string;
      const handlerRunId = (await product.request('GET', `/api/runs/${runs.failed}`)).body.errorHandler?.runId;
      if (typeof handlerRunId !== 'string') throw new Error(`the failed run started no error handler`);
      runs['failed-handler'] = handlerRunId;
    }
    fs.mkdirSync(OUT_DIR, { recursive: true });
    // Replay needs each run's workflow ID (child workflow IDs derive from it).
    const idsFile = path.join(OUT_DIR, 'workflow-ids.json');
    const ids = JSON.parse(fs.readFileSync(idsFile, 'utf8')) as Record<string, string>;
    for (const [name, runId] of Object.entries(runs)) ids[`${name}.${GENERATION}`] = runId;
    fs.writeFileSync(idsFile, `${JSON.stringify(ids, null, 2)}\n`);
    for (const [name, runId] of Object.entries(runs)) {
      const handle = client.workflow.getHandle(runId);
      await handle.result().catch(() => undefined);
      // Binary protobuf: historyFromJSON cannot be used with this install (two protobufjs copies under @temporalio).
      const history = await handle.fetchHistory();
      fs.writeFileSync(
        path.join(OUT_DIR, `${name}.${GENERATION}.binpb`),
        temporal.api.history.v1.History.encode(history).finish(),
      );
      console.log(`recorded ${name}: ${history.events?.length} events`);
    }
  } finally {
    await connection.close();
    await product.stop();
  }
}

test('record the replay histories', main, 600_000);
