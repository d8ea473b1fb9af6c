/**
 * The studio end to end in Debian's chromium, against the real product: from an empty canvas, with mouse and keyboard,
 * build the seed's purchase-approval flow (its approvalLogic typed into Monaco), see a validation marker, test a step,
 * publish, run, reload, conflict, diff; edit an edge label, map an input, test a step with an earlier run's output,
 * pause and resume a schedule, restore a version.
 * Screenshots go to NECTAR_UI_SCREENSHOTS (the README's, in docs/studio) or the product's data dir.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signedInPage, type PageWatch } from '../support/browser';
import { APPROVAL_LOGIC } from '../support/seedSamples';
import { eventually, Product, startProduct } from '../support/product';
import {
  connect,
  dropNode,
  editorText,
  node,
  openNode,
  renameNode,
  typeCode,
  typeLines,
  waitForSaved,
} from '../support/studioPage';

let product: Product;
let browser: Browser;
let page: Page;
const watch: PageWatch = { offHost: [], consoleErrors: [] };
let shots: string;

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });

beforeAll(async () => {
  product = await startProduct();
  browser = await launchChromium();
  shots = process.env.NECTAR_UI_SCREENSHOTS ?? path.join(product.dataDir, 'screenshots');
  fs.mkdirSync(shots, { recursive: true });
  ({ page } = await signedInPage(browser, product.baseUrl, product.adminKey, watch));
});

afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

const APPROVERS = [
  { id: 'executive-approval', code: 'return { approvedBy: "executive" };', y: 60 },
  { id: 'manager-approval', code: 'return { approvedBy: "manager" };', y: 260 },
  { id: 'auto-approve', code: 'return { approvedBy: "auto" };', y: 460 },
];

test('from an empty canvas, a person builds the purchase-approval flow with four code nodes and three labelled edges', async () => {
  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByLabel('Name').fill('Purchase approval');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL('**/flows/purchase-approval');
  await page.locator('.react-flow__pane').waitFor();
  await shot('empty-canvas');

  const first = await dropNode(page, 'code', 120, 260);
  await renameNode(page, first, 'route');
  await page.getByLabel('Name', { exact: true }).fill('Approval logic');
  await typeCode(page, "const fs = require('fs');");
  await page.getByRole('list', { name: 'Code problems' }).getByText('Line 1').first().waitFor({ timeout: 5_000 });
  expect(await page.locator('.monaco-editor .squiggly-error').count()).toBeGreaterThan(0);
  // The canvas's graph checks (the API's rules) mark the node too, and unmark it once the code is fixed.
  await node(page, 'route').locator('.node-faults').getByText('not allowed').waitFor({ timeout: 10_000 });
  await typeLines(page, APPROVAL_LOGIC);
  expect(await editorText(page)).toBe(APPROVAL_LOGIC);
  await page.locator('.code-problems li').first().waitFor({ state: 'detached', timeout: 10_000 });
  await node(page, 'route').locator('.node-faults').waitFor({ state: 'detached', timeout: 10_000 });
  for (const handle of ['executive-approval', 'manager-approval', 'auto-approve', 'default'])
    await node(page, 'route').locator(`[data-handleid="path:${handle}"]`).waitFor();

  for (const approver of APPROVERS) {
    const id = await dropNode(page, 'code', 640, approver.y);
    await renameNode(page, id, approver.id);
    await typeCode(page, approver.code);
  }
  await page.keyboard.press('Escape');
  for (const approver of APPROVERS) await connect(page, 'route', `path:${approver.id}`, approver.id);
  expect(await page.locator('.react-flow__edge').count()).toBe(3);
  await page.getByRole('button', { name: 'Auto-layout' }).click();
  await waitForSaved(page);

  const draft = (await product.request('GET', '/api/flows/purchase-approval/draft')).body.definition;
  expect(draft.nodes.map((n: { id: string }) => n.id)).toEqual(['route', ...APPROVERS.map((a) => a.id)]);
  expect(draft.nodes[0].code).toBe(APPROVAL_LOGIC);
  expect(draft.edges).toEqual(APPROVERS.map((a) => ({ from: 'route', to: a.id, path: a.id })));
  expect(Object.keys(draft.layout.nodes)).toHaveLength(4);
});

test('the route step tested alone with {"purchaseAmount": 5000} answers manager-approval', async () => {
  await openNode(page, 'route');
  await page.locator('#step-input').fill('{"purchaseAmount": 5000}');
  await page.getByRole('button', { name: 'Test step' }).click();
  await page.locator('#step-output').getByText('manager-approval').waitFor({ timeout: 30_000 });
  await shot('inspector');
});

test('published and run from the studio, the manager branch is taken on the canvas', async () => {
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Published version 1.').waitFor();
  expect((await product.request('GET', '/api/flows/purchase-approval')).body.version).toBe(1);

  await page.getByRole('button', { name: 'Run…' }).click();
  await page.locator('#run-input').fill('{"purchaseAmount": 5000}');
  await page.keyboard.press('ControlOrMeta+Enter');
  await node(page, 'manager-approval').locator('[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
  await node(page, 'executive-approval').locator('[data-run-status="skipped"]').waitFor();
  await node(page, 'auto-approve').locator('[data-run-status="skipped"]').waitFor();
  await page.locator('#run-output').getByText('"manager"').waitFor();
  await shot('canvas-run');
});

test('an unpublished change survives a reload, and a second tab’s stale save is refused with the conflict message', async () => {
  await openNode(page, 'manager-approval');
  await typeCode(page, 'return { approvedBy: "manager", level: 2 };');
  await waitForSaved(page);
  await page.reload();
  await node(page, 'manager-approval').waitFor();
  const saved = (await product.request('GET', '/api/flows/purchase-approval/draft')).body;
  expect(saved.definition.nodes[2].code).toContain('level: 2');
  await page.getByRole('button', { name: 'Versions' }).click();

  const second = await signedInPage(browser, product.baseUrl, product.adminKey, watch);
  await second.page.goto(`${product.baseUrl}/flows/purchase-approval`);
  await node(second.page, 'route').waitFor();
  await openNode(page, 'auto-approve');
  await page.getByLabel('Name', { exact: true }).fill('Auto');
  await waitForSaved(page);
  await openNode(second.page, 'executive-approval');
  await second.page.getByLabel('Name', { exact: true }).fill('Executive');
  await second.page.getByRole('alert').getByText('changed elsewhere').waitFor({ timeout: 10_000 });
  await second.page.screenshot({ path: path.join(shots, 'conflict.png') });
  expect(
    (await product.request('GET', '/api/flows/purchase-approval/draft')).body.definition.nodes[1].name,
  ).toBeUndefined();
  await second.context.close();
});

test('the version history shows the changed line side by side', async () => {
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Published version 2.').waitFor();
  await page.getByRole('button', { name: 'Versions' }).click();
  await page.getByRole('region', { name: 'Versions' }).getByText('v2').first().waitFor();
  await page.getByLabel('Compare from').selectOption('1');
  await page.getByLabel('Compare with').selectOption('2');
  const changed = page.locator('.line-diff tr.diff-changed');
  await changed.first().waitFor();
  expect(await changed.locator('.code-left').textContent()).toBe('return { approvedBy: "manager" };');
  expect(await changed.locator('.code-right').textContent()).toBe('return { approvedBy: "manager", level: 2 };');
  await shot('versions');
});

test('the triggers panel shows the webhook URLs and the next runs of a schedule', async () => {
  await page.locator('.palette-item[data-kind="cron"]').click();
  await page.locator('.palette-item[data-kind="webhook"]').click();
  const panel = page.getByRole('region', { name: 'Triggers' });
  await panel.getByLabel('Production URL', { exact: true }).waitFor();
  expect(await panel.getByLabel('Test URL', { exact: true }).inputValue()).toBe(
    `${product.baseUrl}/hooks-test/purchase-approval`,
  );
  await panel.getByLabel('Cron expression').fill('0 9 * * 1-5');
  await panel.getByText('At 09:00, Monday through Friday').waitFor();
  expect(await panel.getByRole('list', { name: 'Next five runs' }).locator('li').count()).toBe(5);
  await waitForSaved(page);
  await shot('triggers');
});

test('keyboard: copy and paste, Delete, undo, Escape; an edge back to an earlier node asks for its loop limit', async () => {
  await page.keyboard.press('Escape');
  await page.getByRole('region', { name: 'Triggers' }).waitFor({ state: 'detached' });
  await node(page, 'auto-approve').locator('.node-title').click();
  await page.keyboard.press('ControlOrMeta+C');
  await page.keyboard.press('ControlOrMeta+V');
  await node(page, 'auto-approve-2').waitFor();
  await page.keyboard.press('Delete');
  await node(page, 'auto-approve-2').waitFor({ state: 'detached' });
  await page.keyboard.press('ControlOrMeta+Z');
  await node(page, 'auto-approve-2').waitFor();
  await page.keyboard.press('ControlOrMeta+Z');
  await node(page, 'auto-approve-2').waitFor({ state: 'detached' });
  await page.keyboard.press('Escape');

  await connect(page, 'manager-approval', 'out', 'route');
  const dialog = page.getByRole('dialog', { name: 'This edge makes a loop' });
  await dialog.getByLabel('Maximum iterations').fill('3');
  await dialog.getByRole('button', { name: 'Add loop' }).click();
  await page.locator('.edge-label.edge-loop').getByText('≤3').waitFor();
  await waitForSaved(page);
  const draft = (await product.request('GET', '/api/flows/purchase-approval/draft')).body.definition;
  expect(draft.edges).toContainEqual({ from: 'manager-approval', to: 'route', maxIterations: 3 });
  await page.keyboard.press('ControlOrMeta+Z');
  await page.locator('.edge-label.edge-loop').waitFor({ state: 'detached' });
});

test('an edge label is edited in place, and the edge follows the new label', async () => {
  await page.getByRole('button', { name: 'Edge route to auto-approve (auto-approve): edit label' }).dblclick();
  const label = page.getByLabel('Edge label (the nextPath it is taken for)');
  await label.fill('auto');
  await label.press('Enter');
  await page.getByRole('button', { name: 'Edge route to auto-approve (auto): edit label' }).waitFor();
  await node(page, 'route').locator('[data-handleid="path:auto"]').waitFor();
  await waitForSaved(page);
  let draft = (await product.request('GET', '/api/flows/purchase-approval/draft')).body.definition;
  expect(draft.edges).toContainEqual({ from: 'route', to: 'auto-approve', path: 'auto' });
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.getByRole('button', { name: 'Edge route to auto-approve (auto-approve): edit label' }).waitFor();
  await waitForSaved(page);
  draft = (await product.request('GET', '/api/flows/purchase-approval/draft')).body.definition;
  expect(draft.edges).toContainEqual({ from: 'route', to: 'auto-approve', path: 'auto-approve' });
});

test('a node’s input is mapped field by field from a path of an upstream output', async () => {
  // The paths offered come from the outputs of the run on the canvas: the draft is run first.
  await page.getByRole('button', { name: 'Run…', exact: true }).click();
  await page.locator('#run-input').fill('{"purchaseAmount": 5000}');
  await page.getByRole('button', { name: 'Run draft' }).click();
  await node(page, 'manager-approval').locator('[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
  await openNode(page, 'manager-approval');
  const inspector = page.getByRole('region', { name: 'Node manager-approval' });
  await inspector.getByLabel('Input mapping').selectOption('fields');
  await inspector.getByLabel('Field 1 name').fill('decision');
  await inspector.getByLabel('Field decision: kind').selectOption('path');
  const path = inspector.getByLabel('Field decision: path');
  const offered = await path.evaluate((input) =>
    Array.from(
      (input as unknown as { list: { options: ArrayLike<{ value: string }> } | null }).list?.options ?? [],
    ).map((option) => option.value),
  );
  expect(offered).toEqual(expect.arrayContaining(['trigger.payload', 'steps.route', 'steps.route.nextPath']));
  await path.fill('steps.route.nextPath');
  await waitForSaved(page);
  const draft = (await product.request('GET', '/api/flows/purchase-approval/draft')).body.definition;
  expect(draft.nodes.find((n: { id: string }) => n.id === 'manager-approval').input).toEqual({
    decision: { path: 'steps.route.nextPath' },
  });
});

test('a step is tested with an upstream node’s output from an earlier run of the flow', async () => {
  const started = await product.request('POST', '/api/flows/purchase-approval/runs', {
    input: { purchaseAmount: 20_000 },
  });
  expect(started.status).toBe(202);
  const runId: string = started.body.runId;
  await eventually(async () => {
    const run = await product.request('GET', `/api/runs/${runId}`);
    return run.body.status === 'completed' ? true : undefined;
  }, 60_000);
  await openNode(page, 'executive-approval');
  const test = page.getByRole('region', { name: 'Test this step' });
  await test.getByRole('button', { name: 'From a run' }).click();
  const runs = test.getByLabel('Earlier run');
  await runs.locator(`option[value="${runId}"]`).waitFor({ state: 'attached', timeout: 30_000 });
  await runs.selectOption(runId);
  await test.getByLabel('Output of').locator('option[value="route"]').waitFor({ state: 'attached' });
  await test.getByLabel('Output of').selectOption('route');
  await eventually(async () => {
    const text = await test.getByLabel('Test input (JSON)').inputValue();
    return text.includes('executive-approval') ? text : undefined;
  });
  expect(JSON.parse(await test.getByLabel('Test input (JSON)').inputValue())).toEqual({
    nextPath: 'executive-approval',
  });
  await test.getByRole('button', { name: 'Test step' }).click();
  await page.locator('#step-output').getByText('executive').waitFor({ timeout: 30_000 });
});

test('a published schedule is paused and resumed from the triggers panel', async () => {
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Published version 3.').waitFor();
  await page.getByRole('button', { name: 'Triggers' }).click();
  const panel = page.getByRole('region', { name: 'Triggers' });
  await panel.getByText('Published schedule: running').waitFor({ timeout: 30_000 });
  const schedule = async () => {
    const answer = await product.request('GET', '/api/flows/purchase-approval/schedules');
    return answer.body.schedules[0] as { paused: boolean };
  };
  expect((await schedule()).paused).toBe(false);
  await panel.getByRole('button', { name: 'Pause' }).click();
  await panel.getByText('Published schedule: paused').waitFor({ timeout: 30_000 });
  expect((await schedule()).paused).toBe(true);
  await panel.getByRole('button', { name: 'Resume' }).click();
  await panel.getByText('Published schedule: running').waitFor({ timeout: 30_000 });
  expect((await schedule()).paused).toBe(false);
});

test('a version is restored into the draft', async () => {
  await page.getByRole('button', { name: 'Versions' }).click();
  await page.getByRole('button', { name: 'Restore version 1 into the draft' }).click();
  await page.getByText('Version 1 restored into the draft').waitFor();
  await waitForSaved(page);
  const draft = (await product.request('GET', '/api/flows/purchase-approval/draft')).body.definition;
  const v1 = (await product.request('GET', '/api/flows/purchase-approval?version=1')).body.definition;
  expect(draft.nodes).toEqual(v1.nodes);
  expect(draft.edges).toEqual(v1.edges);
  expect(draft.triggers).toEqual(v1.triggers);
  await openNode(page, 'manager-approval');
  await page.locator('.monaco-editor').waitFor();
  await eventually(async () => ((await editorText(page)) === 'return { approvedBy: "manager" };' ? true : undefined));
});

test('screenshots: the flows list, narrow screens, and a 200-node flow', async () => {
  await page.goto(`${product.baseUrl}/`);
  await page.getByRole('link', { name: 'Purchase approval' }).waitFor();
  await shot('flows');
  const nodes = Array.from({ length: 200 }, (_, i) => ({ id: `n${i}`, type: 'code', code: 'return input;' }));
  const large = {
    id: 'large',
    name: '200 nodes',
    nodes,
    edges: nodes.slice(1).map((n, i) => ({ from: `n${Math.floor(i / 2)}`, to: n.id })),
  };
  expect((await product.request('POST', '/api/flows', large)).status).toBe(201);
  // Too large to read whole, it opens on its start at a readable zoom, drawing only the nodes in view.
  await page.goto(`${product.baseUrl}/flows/large`);
  await node(page, 'n0').waitFor();
  expect(await page.locator('.react-flow__node').count()).toBeLessThan(100);
  await shot('canvas-200');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${product.baseUrl}/`);
  await page.getByRole('link', { name: 'Purchase approval' }).waitFor();
  await shot('narrow-flows');
  await page.goto(`${product.baseUrl}/flows/purchase-approval`);
  await node(page, 'route').waitFor();
  await shot('narrow-canvas');
  await openNode(page, 'route');
  await page.locator('.monaco-editor').waitFor();
  await shot('narrow-inspector');
});

test('the settings panel names an error handler flow; a failed run links to the handler run it started', async () => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const flow = (id: string, source: string) => ({ id, name: id, nodes: [{ id: 'only', type: 'code', code: source }] });
  expect((await product.request('POST', '/api/flows', flow('e2e-alerts', 'return input;'))).status).toBe(201);
  expect(
    (await product.request('POST', '/api/flows', flow('e2e-fails', "const fail = () => { throw new Error('e2e'); };")))
      .status,
  ).toBe(201);
  await page.goto(`${product.baseUrl}/flows/e2e-fails`);
  await node(page, 'only').waitFor();
  await page.getByRole('button', { name: 'Settings' }).click();
  const panel = page.getByRole('region', { name: 'Flow settings' });
  const handler = panel.getByLabel('Error handler flow');
  await handler.selectOption('e2e-alerts');
  await waitForSaved(page);
  expect((await product.request('GET', '/api/flows/e2e-fails/draft')).body.definition.errorHandler).toEqual({
    flowId: 'e2e-alerts',
  });
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Published version 2.').waitFor();
  const runId = (await product.request('POST', '/api/flows/e2e-fails/runs', { input: { n: 1 } })).body.runId as string;
  await page.goto(`${product.baseUrl}/runs/${runId}`);
  const link = page.locator('#run-error-handler a');
  await link.waitFor({ timeout: 60_000 });
  await link.click();
  await page.locator('#run-status.completed').waitFor({ timeout: 60_000 });
  await page.locator('#run-meta').getByText('error', { exact: true }).waitFor();
  await page.locator('#run-error-of').getByRole('link', { name: runId }).waitFor();
  // Cleared again: the flow falls back to the workspace's default (none here).
  await page.goto(`${product.baseUrl}/flows/e2e-fails`);
  await page.getByRole('button', { name: 'Settings' }).click();
  await panel.getByRole('button', { name: 'Clear (use the workspace default)' }).click();
  await waitForSaved(page);
  expect((await product.request('GET', '/api/flows/e2e-fails/draft')).body.definition.errorHandler).toBeUndefined();
});

test('across the whole session nothing was loaded from another host and nothing logged an error', () => {
  expect(watch.offHost).toEqual([]);
  // The refused stale save is a 409 the browser itself logs as a failed request; it is the conflict the test provokes.
  expect(watch.consoleErrors.filter((text) => !/status of 409/.test(text))).toEqual([]);
});
