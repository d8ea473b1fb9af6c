/**
 * The studio end to end in Debian's chromium, against the real product: from an empty canvas, with mouse and keyboard,
 * build the seed's purchase-approval flow, see a validation marker, test a step, publish, run, reload, conflict, diff.
 * Screenshots go to NECTAR_UI_SCREENSHOTS (the README's, in docs/studio) or the product's data dir.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signedInPage, type PageWatch } from '../support/browser';
import { Product, startProduct } from '../support/product';
import { APPROVAL_LOGIC } from '../support/seedSamples';
import {
  connect,
  dropNode,
  node,
  openNode,
  pasteCode,
  renameNode,
  typeCode,
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
  await pasteCode(page, APPROVAL_LOGIC);
  await page.locator('.code-problems li').first().waitFor({ state: 'detached', timeout: 5_000 });
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
  await page.goto(`${product.baseUrl}/flows/large`);
  await node(page, 'n0').waitFor();
  await page.getByRole('button', { name: 'Zoom to fit' }).click();
  await page.waitForTimeout(500);
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

test('across the whole session nothing was loaded from another host and nothing logged an error', () => {
  expect(watch.offHost).toEqual([]);
  // The refused stale save is a 409 the browser itself logs as a failed request; it is the conflict the test provokes.
  expect(watch.consoleErrors.filter((text) => !/status of 409/.test(text))).toEqual([]);
});
