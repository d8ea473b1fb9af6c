/**
 * Cron triggers as Temporal Schedules: created by saving a flow, triggered now, backfilled, paused and resumed,
 * updated by a new version, deleted with their trigger and with the flow.
 */
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { scheduledRunIdPrefix } from '../../flow/ids';
import { eventually, Product, startProduct } from '../support/product';

let product: Product;
let temporal: Client;

const ECHO = 'return { trigger: context.trigger, input };';

function cronFlow(cron: Record<string, unknown> | undefined) {
  return {
    id: 'nightly',
    name: 'Nightly report',
    nodes: [{ id: 'report', type: 'code', code: ECHO }],
    triggers: cron ? [{ type: 'cron', id: 'every-minute', ...cron }] : [],
  };
}

const SCHEDULE_ID = 'nectar-default-nightly-every-minute';
const schedulePath = '/api/flows/nightly/schedules/every-minute';

async function cronRunIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const workflow of temporal.workflow.list({ query: `NectarFlowId = 'nightly' AND NectarTrigger = 'cron'` }))
    ids.push(workflow.workflowId);
  return ids;
}

beforeAll(async () => {
  product = await startProduct();
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
});

afterAll(async () => {
  await temporal?.connection.close();
  await product?.stop();
});

describe('a cron schedule through its life', () => {
  test('saving a flow with a cron trigger creates its schedule, listed with its next run times', async () => {
    const saved = await product.request(
      'POST',
      '/api/flows',
      cronFlow({ cron: '* * * * *', timezone: 'Europe/Paris', input: { hello: 'cron' } }),
    );
    expect(saved.status).toBe(201);
    const list = await product.request('GET', '/api/flows/nightly/schedules');
    expect(list.status).toBe(200);
    expect(list.body.schedules).toHaveLength(1);
    const [schedule] = list.body.schedules;
    expect(schedule).toMatchObject({
      scheduleId: SCHEDULE_ID,
      triggerId: 'every-minute',
      flowId: 'nightly',
      flowVersion: 1,
      cron: '* * * * *',
      timezone: 'Europe/Paris',
      paused: false,
      overlap: 'skip',
    });
    expect(schedule.nextRunTimes.length).toBeGreaterThan(0);
    const next = schedule.nextRunTimes.map((time: string) => Date.parse(time));
    expect(next[0]).toBeGreaterThan(Date.now() - 1_000);
    if (next.length > 1) expect(next[1] - next[0]).toBe(60_000);
  });

  test('trigger now starts a run that carries the cron trigger and the search attributes', async () => {
    const triggered = await product.request('POST', `${schedulePath}/trigger`, {});
    expect(triggered.status).toBe(202);
    const [runId] = await eventually(async () => {
      const ids = await cronRunIds();
      return ids.length > 0 ? ids : undefined;
    });
    expect(runId.startsWith(scheduledRunIdPrefix('nightly', 'every-minute'))).toBe(true);
    const run = await eventually(async () => {
      const read = await product.request('GET', `/api/runs/${runId}`);
      return read.body.status === 'completed' ? read.body : undefined;
    });
    expect(run).toMatchObject({ flowId: 'nightly', flowVersion: 1, trigger: 'cron' });
    expect(run.output.trigger).toEqual({ type: 'cron', source: SCHEDULE_ID, payload: { hello: 'cron' } });
    expect(run.output.input).toEqual({ hello: 'cron' });
  });

  test('backfilling a range takes the actions the range held', async () => {
    const before = (await cronRunIds()).length;
    const end = new Date();
    end.setUTCSeconds(30, 0);
    const start = new Date(end.getTime() - 3 * 60_000);
    const backfill = await product.request('POST', `${schedulePath}/backfill`, {
      start: start.toISOString(),
      end: end.toISOString(),
    });
    expect(backfill.status).toBe(202);
    await eventually(async () => ((await cronRunIds()).length >= before + 3 ? true : undefined));
  });

  test('pause and resume', async () => {
    const paused = await product.request('POST', `${schedulePath}/pause`, { note: 'maintenance' });
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    const resumed = await product.request('POST', `${schedulePath}/resume`, {});
    expect(resumed.body.paused).toBe(false);
    expect((await product.request('POST', `${schedulePath}/pause`)).body.paused).toBe(true);
    expect((await product.request('GET', schedulePath)).body.paused).toBe(true);
  });

  test('a new version updates the schedule in place and keeps the pause made through the API', async () => {
    const saved = await product.request(
      'PUT',
      '/api/flows/nightly',
      cronFlow({ cron: '0 9 * * 1-5', timezone: 'America/New_York', overlap: 'buffer_one' }),
    );
    expect(saved.status).toBe(200);
    const schedule = (await product.request('GET', schedulePath)).body;
    expect(schedule).toMatchObject({
      flowVersion: 2,
      cron: '0 9 * * 1-5',
      timezone: 'America/New_York',
      overlap: 'buffer_one',
      paused: true,
    });
    const description = await temporal.schedule.getHandle(SCHEDULE_ID).describe();
    expect(description.spec.timezone).toBe('America/New_York');
    expect(description.state.paused).toBe(true);
  });

  test('a version without the trigger deletes its schedule; deleting the flow deletes the others', async () => {
    expect((await product.request('PUT', '/api/flows/nightly', cronFlow(undefined))).status).toBe(200);
    await expect(temporal.schedule.getHandle(SCHEDULE_ID).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await product.request('GET', '/api/flows/nightly/schedules')).body.schedules).toEqual([]);
    expect((await product.request('GET', schedulePath)).status).toBe(404);

    expect((await product.request('PUT', '/api/flows/nightly', cronFlow({ cron: '@hourly' }))).status).toBe(200);
    expect((await temporal.schedule.getHandle(SCHEDULE_ID).describe()).state.paused).toBe(false);
    expect((await product.request('DELETE', '/api/flows/nightly')).status).toBe(204);
    await expect(temporal.schedule.getHandle(SCHEDULE_ID).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await product.request('GET', '/api/flows/nightly/schedules')).status).toBe(404);
  });
});

describe('bad schedule requests', () => {
  beforeAll(async () => {
    await product.request('PUT', '/api/flows/hourly', {
      id: 'hourly',
      name: 'h',
      nodes: [{ id: 'a', type: 'code', code: 'return 1;' }],
      triggers: [{ type: 'cron', cron: '@hourly' }],
    });
  });

  test('an invalid cron expression or time zone is refused at save, naming the field', async () => {
    const flow = (trigger: Record<string, unknown>) => ({
      id: 'bad-cron',
      name: 'b',
      nodes: [{ id: 'a', type: 'code', code: 'return 1;' }],
      triggers: [{ type: 'cron', ...trigger }],
    });
    const cron = await product.request('PUT', '/api/flows/bad-cron', flow({ cron: 'every day at nine' }));
    expect(cron.status).toBe(400);
    expect(cron.body.error.problems.map((problem: { path: string }) => problem.path)).toContain('triggers[0].cron');
    const zone = await product.request(
      'PUT',
      '/api/flows/bad-cron',
      flow({ cron: '0 9 * * *', timezone: 'Mars/Olympus' }),
    );
    expect(zone.body.error.problems.map((problem: { path: string }) => problem.path)).toContain('triggers[0].timezone');
    const duplicate = await product.request('PUT', '/api/flows/bad-cron', {
      ...flow({ cron: '0 9 * * *' }),
      triggers: [
        { type: 'cron', cron: '@daily' },
        { type: 'cron', cron: '@hourly' },
      ],
    });
    expect(duplicate.body.error.problems.map((problem: { path: string }) => problem.path)).toContain('triggers[1].id');
  });

  test('unknown flows and triggers answer 404; a bad backfill range or overlap answers 400 naming the field', async () => {
    expect((await product.request('GET', '/api/flows/no-such-flow/schedules')).status).toBe(404);
    expect((await product.request('POST', '/api/flows/hourly/schedules/nope/trigger', {})).status).toBe(404);
    const backwards = await product.request('POST', '/api/flows/hourly/schedules/cron/backfill', {
      start: '2026-01-02T00:00:00Z',
      end: '2026-01-01T00:00:00Z',
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.problems[0].path).toBe('body.end');
    const overlap = await product.request('POST', '/api/flows/hourly/schedules/cron/trigger', { overlap: 'sometimes' });
    expect(overlap.status).toBe(400);
    expect(overlap.body.error.problems[0].path).toBe('body.overlap');
    expect((await product.request('GET', '/api/flows/hourly/schedules/cron')).body.cron).toBe('@hourly');
  });

  test('schedule routes need the API key', async () => {
    expect((await product.request('GET', '/api/flows/hourly/schedules', undefined, {})).status).toBe(401);
  });
});
