/**
 * The API the studio builds on, against the real product: validation as the user types, step tests (real Temporal
 * runs of one node), the canvas layout, draft revisions checked on save, the flows list with run figures, versions,
 * and the caller's workspace limits.
 */
import { Client, Connection } from '@temporalio/client';
import * as Answers from '../../gateway/answers';
import { cronProblem } from '../../flow/cron';
import { CronPreviewer, CronPreviewError } from '../../temporal/cronPreview';
import { FLOW_VERSION } from '../../temporal/searchAttributes';
import { nextRunTimes } from '../../ui/src/domain/cron';
import { eventually, Product, startProduct } from '../support/product';
import { APPROVAL_LOGIC, purchaseApprovalFlow } from '../support/seedSamples';

let product: Product;
let temporal: Client;
const keys: Record<string, string> = {};

/** An API call as the admin, or with the key of a workspace. */
function call(method: string, path: string, body?: unknown, workspace?: string) {
  if (!workspace) return product.request(method, path, body);
  return product.request(method, path, body, {
    authorization: `Bearer ${keys[workspace]}`,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  });
}

async function createWorkspace(id: string, body: Record<string, unknown> = {}): Promise<void> {
  expect((await product.request('POST', '/api/workspaces', { id, name: id, plan: 'starter', ...body })).status).toBe(
    201,
  );
  keys[id] = (await product.request('POST', `/api/workspaces/${id}/keys`, { name: 'tests' })).body.key;
}

const paths = (response: { body: any }) =>
  response.body.error.problems.map((problem: { path: string }) => problem.path);

const approvalFlow = (id: string, extra: Record<string, unknown> = {}) => ({ ...purchaseApprovalFlow(id), ...extra });

const layout = {
  nodes: {
    route: { x: 0, y: 100 },
    'executive-approval': { x: 300, y: 0 },
    'manager-approval': { x: 300, y: 100 },
    'auto-approve': { x: 300, y: 200 },
  },
};

beforeAll(async () => {
  product = await startProduct();
  temporal = new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  await createWorkspace('starter-co');
});

afterAll(async () => {
  await temporal?.connection.close();
  await product?.stop();
});

describe('validation as the user types', () => {
  test('code: the save rules with line and column; fine code has none; a body without code is a 400 naming it', async () => {
    expect((await call('POST', '/api/validate/code', { code: APPROVAL_LOGIC })).body).toEqual({ problems: [] });
    const forbidden = await call('POST', '/api/validate/code', {
      code: 'const main = (input) => {\n  const fs = require("fs");\n  return 1;\n};',
    });
    expect(forbidden.status).toBe(200);
    Answers.ProblemsAnswer.parse(forbidden.body);
    expect(forbidden.body.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'code',
          rule: 'no-require',
          line: 2,
          column: 14,
          message: expect.stringMatching(/require/),
        }),
      ]),
    );
    const syntax = (await call('POST', '/api/validate/code', { code: 'return (' })).body.problems;
    expect(syntax).toEqual([expect.objectContaining({ path: 'code', rule: 'syntax', line: 1, column: 9 })]);
    expect((await call('POST', '/api/validate/code', { code: '' })).body.problems).toEqual([
      expect.objectContaining({ path: 'code', message: 'code is empty' }),
    ]);

    for (const body of [{}, { code: 42 }, { code: 'x'.repeat(100_001) }]) {
      const refused = await call('POST', '/api/validate/code', body);
      expect(refused.status).toBe(400);
      expect(paths(refused)).toEqual(['body.code']);
    }
    expect(paths(await call('POST', '/api/validate/code', { code: 'return 1', extra: true }))).toEqual(['body']);
  });

  test('flow: every problem a save would refuse, plan limits included, and nothing is saved', async () => {
    expect((await call('POST', '/api/validate/flow', approvalFlow('checked-only', { layout }))).body).toEqual({
      problems: [],
    });
    const bad = approvalFlow('checked-only', { layout: { nodes: { ...layout.nodes, ghost: { x: 1, y: 1 } } } });
    bad.nodes[0] = { ...bad.nodes[0], code: 'const main = () => {\n  require("fs");\n};' };
    bad.edges.push({ from: 'route', to: 'nowhere', path: 'x' });
    const answer = await call('POST', '/api/validate/flow', bad);
    expect(answer.status).toBe(200);
    Answers.ProblemsAnswer.parse(answer.body);
    const found = answer.body.problems.map((problem: { path: string }) => problem.path);
    expect(found).toEqual(expect.arrayContaining(['edges[3].to']));
    // Graph problems come first; with the edge fixed, the code and the layout are named.
    bad.edges.pop();
    const next = (await call('POST', '/api/validate/flow', bad)).body.problems;
    expect(next).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'layout.nodes.ghost' }),
        expect.objectContaining({ path: 'nodes[0].code', rule: 'no-require', line: 2 }),
      ]),
    );
    // The starter plan allows 64 MB: more is a problem here as at save.
    const big = approvalFlow('checked-only');
    Object.assign(big.nodes[1], { memoryMb: 128 });
    expect((await call('POST', '/api/validate/flow', big, 'starter-co')).body.problems).toEqual([
      expect.objectContaining({ path: 'nodes[1].memoryMb' }),
    ]);
    expect((await call('POST', '/api/validate/flow', big)).body.problems).toEqual([]);
    expect((await call('POST', '/api/validate/flow', ['not', 'a flow'])).body.problems).toEqual([
      expect.objectContaining({ path: '(root)' }),
    ]);

    expect((await call('GET', '/api/flows/checked-only')).status).toBe(404);
    expect((await call('GET', '/api/flows/checked-only/draft')).status).toBe(404);
  });
});

describe('step tests', () => {
  test('the seed’s approvalLogic with {"purchaseAmount": 5000} answers manager-approval, from a real run that leaves the draft alone', async () => {
    const draft = await call('PUT', '/api/flows/steps-approval/draft', approvalFlow('steps-approval', { layout }));
    expect(draft.status).toBe(200);
    const answer = await call('POST', '/api/flows/steps-approval/steps/test', {
      node: {
        id: 'route',
        type: 'code',
        code: APPROVAL_LOGIC,
        input: { path: 'trigger.payload' },
        onError: 'error-edge',
        retry: { maximumAttempts: 3 },
      },
      input: { purchaseAmount: 5000 },
    });
    expect(answer.status).toBe(200);
    Answers.StepTestAnswer.parse(answer.body);
    expect(answer.body).toMatchObject({
      status: 'succeeded',
      output: { nextPath: 'manager-approval' },
      error: null,
      logs: [],
    });
    expect(answer.body.durationMs).toEqual(expect.any(Number));
    expect(answer.body.memoryBytes).toEqual(expect.any(Number));
    // A real Temporal run, of a draft revision of its own.
    const description = await temporal.workflow.getHandle(answer.body.runId).describe();
    expect(description.typedSearchAttributes.get(FLOW_VERSION)).toMatch(/^draft-\d+$/);
    const run = await call('GET', `/api/runs/${answer.body.runId}`);
    expect(run.body).toMatchObject({
      status: 'completed',
      flowId: 'steps-approval',
      nodes: [{ id: 'route', status: 'succeeded' }],
    });
    // The draft the user edits is where it was.
    const after = await call('GET', '/api/flows/steps-approval/draft');
    expect(after.body).toMatchObject({
      revision: draft.body.revision,
      definition: { nodes: [{ id: 'route' }, {}, {}, {}] },
    });
    expect(after.body.definition.nodes).toHaveLength(4);
  });

  test('code that throws answers its error with the stack, and its logs', async () => {
    const code =
      'const main = (input) => {\n  console.log("checking", input.order);\n  throw new TypeError(`no order ${input.order}`);\n};';
    const answer = await call('POST', '/api/flows/steps-throw/steps/test', {
      node: { id: 'check', type: 'code', code },
      input: { order: 7 },
    });
    expect(answer.status).toBe(200);
    Answers.StepTestAnswer.parse(answer.body);
    expect(answer.body).toMatchObject({
      status: 'failed',
      output: null,
      error: { name: 'TypeError', message: 'no order 7' },
    });
    expect(answer.body.error.stack).toMatch(/TypeError: no order 7/);
    expect(answer.body.error.stack).toMatch(/:3:/);
    expect(answer.body.logs).toEqual([expect.objectContaining({ level: 'log', args: ['checking', 7] })]);
    expect(answer.body.durationMs).toEqual(expect.any(Number));
  });

  test('a bad node or limits above the plan are a 400 naming the field; nothing runs', async () => {
    const above = await call(
      'POST',
      '/api/flows/steps-limits/steps/test',
      { node: { id: 'n', type: 'code', code: 'return 1', memoryMb: 128, timeoutMs: 60_000 }, input: {} },
      'starter-co',
    );
    expect(above.status).toBe(400);
    expect(paths(above).sort()).toEqual(['body.node.memoryMb', 'body.node.timeoutMs']);
    const wrongKind = await call('POST', '/api/flows/steps-limits/steps/test', {
      node: { id: 'n', type: 'delay', durationMs: 10 },
    });
    expect(wrongKind.status).toBe(400);
    expect(paths(wrongKind)).toContain('body.node.type');
    const badCode = await call('POST', '/api/flows/steps-limits/steps/test', {
      node: { id: 'n', type: 'code', code: 'return require("fs")' },
    });
    expect(badCode.status).toBe(400);
    expect(badCode.body.error.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'body.node.code', rule: 'no-require', line: 1 })]),
    );
    expect(paths(await call('POST', '/api/flows/steps-limits/steps/test', { input: 1 }))).toEqual(['body.node']);
    expect((await call('GET', '/api/workspace', undefined, 'starter-co')).body.usage.executions).toBe(0);
  });

  test('a step test counts against the quota like any execution, and is refused once it is used', async () => {
    await createWorkspace('two-runs', { plan: 'enterprise', limits: { executionsPerMonth: 2 } });
    const test = () =>
      call(
        'POST',
        '/api/flows/steps-quota/steps/test',
        { node: { id: 'n', type: 'code', code: 'return { ok: true }' }, input: null },
        'two-runs',
      );
    expect((await test()).body.status).toBe('succeeded');
    expect((await call('GET', '/api/workspace', undefined, 'two-runs')).body.usage).toMatchObject({
      executions: 1,
      remaining: 1,
    });
    expect((await test()).body.status).toBe('succeeded');
    const refused = await test();
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('quota_exceeded');
  });

  test('another workspace’s flow id is not tested', async () => {
    expect((await call('POST', '/api/flows', approvalFlow('steps-owned'))).status).toBe(201);
    const refused = await call(
      'POST',
      '/api/flows/steps-owned/steps/test',
      { node: { id: 'n', type: 'code', code: 'return 1' } },
      'starter-co',
    );
    expect(refused.status).toBe(409);
  });
});

describe('the canvas layout', () => {
  test('is kept across saves, versions and drafts, and runs do not see it', async () => {
    expect((await call('POST', '/api/flows', approvalFlow('laid-out', { layout }))).status).toBe(201);
    const moved = { nodes: { ...layout.nodes, route: { x: -50.5, y: 10 } } };
    expect((await call('PUT', '/api/flows/laid-out', approvalFlow('laid-out', { layout: moved }))).body.version).toBe(
      2,
    );
    expect((await call('GET', '/api/flows/laid-out?version=1')).body.definition.layout).toEqual(layout);
    expect((await call('GET', '/api/flows/laid-out')).body.definition.layout).toEqual(moved);
    expect((await call('PUT', '/api/flows/laid-out/draft', approvalFlow('laid-out', { layout }))).status).toBe(200);
    expect((await call('GET', '/api/flows/laid-out/draft')).body.definition.layout).toEqual(layout);
    const run = await call('POST', '/api/flows/laid-out/runs?wait=true', { input: { purchaseAmount: 5000 } });
    expect(run.body).toMatchObject({ status: 'completed', output: { approvedBy: 'manager' } });

    const ghost = await call(
      'PUT',
      '/api/flows/laid-out',
      approvalFlow('laid-out', { layout: { nodes: { ghost: { x: 0, y: 0 } } } }),
    );
    expect(ghost.status).toBe(400);
    expect(paths(ghost)).toEqual(['layout.nodes.ghost']);
    const notNumber = await call(
      'PUT',
      '/api/flows/laid-out/draft',
      approvalFlow('laid-out', { layout: { nodes: { route: { x: 'left', y: 0 } } } }),
    );
    expect(paths(notNumber)).toEqual(['layout.nodes.route.x']);
  });
});

describe('drafts checked against the revision an edit started from', () => {
  const draftOf = (code: string) => ({ id: 'two-tabs', name: 'Two tabs', nodes: [{ id: 'main', type: 'code', code }] });

  test('a stale save is refused with 409 and the current revision; a fresh one lands', async () => {
    const first = await call('PUT', '/api/flows/two-tabs/draft?baseRevision=0', draftOf('return 1'));
    expect(first.status).toBe(200);
    const base = first.body.revision;
    // Tab A saves from the revision both tabs loaded…
    const tabA = await call('PUT', `/api/flows/two-tabs/draft?baseRevision=${base}`, draftOf('return "a"'));
    expect(tabA.status).toBe(200);
    expect(tabA.body.revision).toBeGreaterThan(base);
    // …then tab B, still on that revision, is refused rather than overwriting A.
    const tabB = await call('PUT', `/api/flows/two-tabs/draft?baseRevision=${base}`, draftOf('return "b"'));
    expect(tabB.status).toBe(409);
    Answers.DraftConflictError.parse(tabB.body.error);
    expect(tabB.body.error).toMatchObject({
      code: 'draft_conflict',
      currentRevision: tabA.body.revision,
      savedAt: tabA.body.savedAt,
      message: expect.stringMatching(/reload/),
    });
    const read = await call('GET', '/api/flows/two-tabs/draft');
    expect(read.body).toMatchObject({ revision: tabA.body.revision, definition: { nodes: [{ code: 'return "a"' }] } });
    // "There was no draft" is stale too once there is one; a save without baseRevision is unconditional, as before.
    expect((await call('PUT', '/api/flows/two-tabs/draft?baseRevision=0', draftOf('return 0'))).status).toBe(409);
    expect((await call('PUT', '/api/flows/two-tabs/draft', draftOf('return "c"'))).status).toBe(200);
    expect(paths(await call('PUT', '/api/flows/two-tabs/draft?baseRevision=-1', draftOf('return 1')))).toEqual([
      'query.baseRevision',
    ]);
  });

  test('of two saves from the same revision at once, exactly one lands', async () => {
    const base = (await call('GET', '/api/flows/two-tabs/draft')).body.revision;
    const answers = await Promise.all(
      ['x', 'y', 'z'].map((tab) =>
        call('PUT', `/api/flows/two-tabs/draft?baseRevision=${base}`, draftOf(`return "${tab}"`)),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409]);
    const winner = answers.find((answer) => answer.status === 200)!;
    expect((await call('GET', '/api/flows/two-tabs/draft')).body.revision).toBe(winner.body.revision);
  });

  test('saves at once without a base revision, and versions published at once, each get a number of their own', async () => {
    const drafts = await Promise.all(
      [1, 2, 3].map((n) => call('PUT', '/api/flows/two-tabs/draft', draftOf(`return ${n}`))),
    );
    expect(drafts.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(new Set(drafts.map((answer) => answer.body.revision)).size).toBe(3);
    const published = await Promise.all(
      [1, 2, 3].map((n) => call('PUT', '/api/flows/two-tabs', draftOf(`return ${n}`))),
    );
    expect(published.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(published.map((answer) => answer.body.version).sort()).toEqual([1, 2, 3]);
    expect(
      (await call('GET', '/api/flows/two-tabs/versions')).body.versions.map(
        (entry: { version: number }) => entry.version,
      ),
    ).toEqual([3, 2, 1]);
  });

  test('a discarded draft: a save from its revision is refused, one from "none" lands', async () => {
    const base = (await call('GET', '/api/flows/two-tabs/draft')).body.revision;
    expect((await call('DELETE', '/api/flows/two-tabs/draft')).status).toBe(204);
    const stale = await call('PUT', `/api/flows/two-tabs/draft?baseRevision=${base}`, draftOf('return 1'));
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'draft_conflict', currentRevision: null, savedAt: null });
    expect((await call('PUT', '/api/flows/two-tabs/draft?baseRevision=0', draftOf('return 1'))).status).toBe(200);
  });
});

describe('the flows list', () => {
  test('lists drafts-only flows, each flow’s newest version, draft, triggers, last run and success rate of saved versions (none when not asked for)', async () => {
    const code = 'const main = (input) => { if (input.fail) throw new Error("no"); return { ok: true }; };';
    const webhook = { type: 'webhook', auth: { type: 'header', value: 'a-long-secret-value' } };
    const listed = { id: 'listed', name: 'Listed', nodes: [{ id: 'main', type: 'code', code }], triggers: [webhook] };
    expect((await call('POST', '/api/flows', listed, 'starter-co')).status).toBe(201);
    for (const input of [{}, { fail: true }, {}]) {
      expect((await call('POST', '/api/flows/listed/runs?wait=true', { input }, 'starter-co')).status).toBe(200);
    }
    // Runs of the draft and step tests are not the flow's record.
    expect(
      (await call('PUT', '/api/flows/listed/draft', { ...listed, name: 'Listed (editing)' }, 'starter-co')).status,
    ).toBe(200);
    expect(
      (await call('POST', '/api/flows/listed/draft/runs?wait=true', { input: { fail: true } }, 'starter-co')).status,
    ).toBe(200);
    expect(
      (
        await call(
          'POST',
          '/api/flows/listed/steps/test',
          { node: listed.nodes[0], input: { fail: true } },
          'starter-co',
        )
      ).body.status,
    ).toBe('failed');
    expect(
      (await call('POST', '/api/flows/steps-held/steps/test', { node: listed.nodes[0], input: {} }, 'starter-co')).body
        .status,
    ).toBe('succeeded');
    expect(
      (
        await call(
          'PUT',
          '/api/flows/sketch/draft',
          {
            id: 'sketch',
            name: 'Sketch',
            nodes: [{ id: 'a', type: 'code', code: 'return 1' }],
            triggers: [{ type: 'webhook', auth: { type: 'hmac', secret: 'sixteen-characters!' } }],
          },
          'starter-co',
        )
      ).status,
    ).toBe(200);

    const flows = await eventually(async () => {
      const answer = (await call('GET', '/api/flows', undefined, 'starter-co')).body.flows;
      const entry = answer.find((flow: { id: string }) => flow.id === 'listed');
      return entry?.successRate?.runs === 3 ? answer : undefined;
    });
    Answers.FlowListAnswer.parse({ flows });
    const byId = Object.fromEntries(flows.map((flow: { id: string }) => [flow.id, flow]));
    expect(byId.listed).toMatchObject({
      name: 'Listed',
      version: 1,
      latestVersion: 1,
      hasDraft: true,
      draftRevision: expect.any(Number),
      triggers: [{ type: 'webhook', auth: { type: 'header', value: '[redacted secret]' } }],
      lastRun: { runId: expect.stringMatching(/^run-listed-/), status: 'completed', startedAt: expect.any(String) },
      successRate: { runs: 3, succeeded: 2 },
    });
    expect(byId.sketch).toMatchObject({
      name: 'Sketch',
      version: 0,
      latestVersion: null,
      hasDraft: true,
      triggers: [{ type: 'webhook', auth: { type: 'hmac', secret: '[redacted secret]' } }],
      lastRun: null,
      successRate: { runs: 0, succeeded: 0 },
    });
    // Without run figures (the editor opening one flow): what exists, and no figures.
    const bare = (await call('GET', '/api/flows?runFigures=false', undefined, 'starter-co')).body.flows;
    Answers.FlowListAnswer.parse({ flows: bare });
    expect(bare.map((flow: { id: string }) => flow.id).sort()).toEqual(Object.keys(byId).sort());
    expect(bare.find((flow: { id: string }) => flow.id === 'listed')).toMatchObject({
      latestVersion: 1,
      hasDraft: true,
      lastRun: null,
      successRate: null,
    });
    expect((await call('GET', '/api/flows?runFigures=maybe', undefined, 'starter-co')).status).toBe(400);
    // A step test on an id that had nothing holds the id, but lists no flow: there is neither a version nor a draft.
    expect(byId['steps-held']).toBeUndefined();
    // Another workspace's flows are not listed.
    expect(byId['laid-out']).toBeUndefined();
  });

  test('versions list each with its creation time, newest first', async () => {
    const versions = (await call('GET', '/api/flows/laid-out/versions')).body.versions;
    expect(versions).toEqual([
      { version: 2, createdAt: expect.any(String) },
      { version: 1, createdAt: expect.any(String) },
    ]);
    expect(Date.parse(versions[0].createdAt)).toBeGreaterThanOrEqual(Date.parse(versions[1].createdAt));
  });
});

describe('cron preview', () => {
  test('reads an expression as Temporal does: the same next times as the schedule a save makes, and a plain description', async () => {
    const cases = [
      {
        cron: '0 9 * * 1-5',
        timezone: 'Europe/Berlin',
        description: 'At 09:00, on Monday through Friday (Europe/Berlin)',
      },
      // Temporal's cron: a date and a weekday must both match (Vixie cron would run on either).
      {
        cron: '0 9 1 * MON',
        timezone: 'UTC',
        description: 'At 09:00, on day 1 of the month, only when it is a Monday (UTC)',
      },
    ];
    for (const [index, { cron, timezone, description }] of cases.entries()) {
      const preview = await call('POST', '/api/cron/preview', { cron, timezone });
      expect(preview.status).toBe(200);
      Answers.CronPreviewAnswer.parse(preview.body);
      expect(preview.body).toEqual({ cron, timezone, description, next: expect.any(Array) });
      expect(preview.body.next).toHaveLength(5);
      const times = preview.body.next.map((time: string) => Date.parse(time));
      expect(times.every((time: number, at: number) => time > Date.now() && (at === 0 || time > times[at - 1]))).toBe(
        true,
      );

      const id = `cron-preview-${index}`;
      const saved = {
        id,
        name: id,
        nodes: [{ id: 'main', type: 'code', code: 'return 1' }],
        triggers: [{ type: 'cron', id: 'daily', cron, timezone, paused: true }],
      };
      expect((await call('POST', '/api/flows', saved)).status).toBe(201);
      const schedule = (await call('GET', `/api/flows/${id}/schedules/daily`)).body;
      expect(schedule.nextRunTimes.slice(0, 5)).toEqual(preview.body.next);
    }
  });

  test('an expression or time zone that is refused is a 400 naming it, and no preview schedule is left behind', async () => {
    const refused = async (body: unknown, path: string) => {
      const answer = await call('POST', '/api/cron/preview', body);
      expect(answer.status).toBe(400);
      expect(paths(answer)).toEqual([path]);
    };
    await refused({ cron: 'every day', timezone: 'UTC' }, 'body.cron');
    await refused({ cron: '0 0 L * *', timezone: 'UTC' }, 'body.cron'); // Quartz's L: Temporal has no such thing
    await refused({ cron: '0 9 * * *', timezone: 'Mars/Olympus_Mons' }, 'body.timezone');
    await refused({ timezone: 'UTC' }, 'body.cron');
    expect((await call('POST', '/api/cron/preview', { cron: '@hourly' })).body).toMatchObject({
      timezone: 'UTC',
      description: 'At minute 0 of every hour (UTC)',
    });
    // Visibility lists a deleted schedule for a moment; one left behind would stay.
    await eventually(async () => {
      for await (const schedule of temporal.schedule.list())
        if (schedule.scheduleId.startsWith('nectar:cron-preview:')) return undefined;
      return true;
    });
  });

  test('a save accepts exactly the expressions Temporal accepts, and the studio previews the times Temporal computes', async () => {
    const previewer = new CronPreviewer(temporal, 3);
    const after = new Date();
    const expressions = [
      '0 9 * * 1-5',
      '*/20 0-6/3 1,15 jan-Mar su,WED,fri',
      '5/20 * * september * *',
      '0 9 13 * fri',
      '0 12 1 1 * 2030',
      '30 0 9 * * * *',
      '0 0 * * 7',
      '0 0 * * 5-7',
      '@weekly',
      '@every 1d/2h',
      '@every 90m',
      '0 0 12 * * MON',
      '0 0 L * *',
      '0 0 ? * MON',
      '61 * * * *',
      '0 0 * * 5-2',
      '0 0 * * * 1999',
      '* * *',
    ];
    for (const cron of expressions) {
      const ours = cronProblem(cron);
      const theirs = await previewer.preview(cron, 'Europe/Paris').then(
        (preview) => preview,
        (error: unknown) => {
          if (error instanceof CronPreviewError) return null;
          throw error;
        },
      );
      expect({ cron, accepted: ours === null }).toEqual({ cron, accepted: theirs !== null });
      if (theirs) {
        const predicted = nextRunTimes(cron, 'Europe/Paris', after, 3).map((time) => time.toISOString());
        expect({ cron, next: predicted }).toEqual({ cron, next: theirs.next });
      }
    }
  });
});

describe('the caller’s workspace', () => {
  test('its plan and the ceilings of a node’s memory and time', async () => {
    const own = await call('GET', '/api/workspace', undefined, 'starter-co');
    expect(own.status).toBe(200);
    Answers.WorkspaceAnswer.parse(own.body);
    expect(own.body).toMatchObject({
      id: 'starter-co',
      plan: 'starter',
      maxMemoryMb: 64,
      maxTimeoutMs: 30_000,
      limits: { memoryMb: 64, timeoutMs: 30_000 },
      usage: { executions: expect.any(Number) },
    });
    expect((await call('GET', '/api/workspace')).body).toMatchObject({
      id: 'default',
      maxMemoryMb: 128,
      maxTimeoutMs: 60_000,
    });
  });

  test('the OpenAPI document lists every route the studio uses', async () => {
    const doc = (await product.request('GET', '/api/openapi.json', undefined, {})).body;
    for (const path of [
      '/api/validate/code',
      '/api/validate/flow',
      '/api/flows/{id}/steps/test',
      '/api/workspace',
      '/api/cron/preview',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
    const draftParameters = doc.paths['/api/flows/{id}/draft'].put.parameters.map(
      (parameter: { name: string }) => parameter.name,
    );
    expect(draftParameters).toContain('baseRevision');
    expect(doc.components.schemas.FlowDefinition.properties.layout).toBeDefined();
    expect(doc.paths['/api/flows/{id}/steps/test'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/StepTestBody',
    });
    expect(doc.paths['/api/flows/{id}/steps/test'].post.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/StepTestAnswer',
    });
    expect(doc.paths['/api/flows'].get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/FlowListAnswer',
    });
    expect(doc.components.schemas.FlowListAnswer.properties.flows.items.required).toEqual(
      expect.arrayContaining(['lastRun', 'successRate', 'hasDraft', 'latestVersion']),
    );
  });
});
