/**
 * The run debugger end to end in Debian's chromium, against the real product: a run on its graph live (states, log
 * lines, edges taken), a failed run opening on its failed node with the stack, the runs list and the run actions.
 * Screenshots go to NECTAR_UI_SCREENSHOTS (the README's, in docs/studio) or the product's data dir.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signedInPage, type PageWatch } from '../support/browser';
import { eventually, Product, startProduct } from '../support/product';
import { node } from '../support/studioPage';

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

async function saveFlow(definition: object): Promise<void> {
  const answer = await product.request('POST', '/api/flows', definition);
  expect(answer.status).toBe(201);
}

async function runAndWait(flowId: string, input: unknown): Promise<{ runId: string; status: string }> {
  const answer = await product.request('POST', `/api/flows/${flowId}/runs?wait=true&timeoutMs=120000`, { input });
  expect([200, 202]).toContain(answer.status);
  return answer.body as { runId: string; status: string };
}

const CHARGE = `
const charge = (input) => {
  if (input.card === 'declined') throw new Error('card declined');
  return { charged: input.amount };
};`;

const checkout = {
  id: 'checkout',
  name: 'Checkout',
  nodes: [
    {
      id: 'validate',
      type: 'code',
      name: 'Validate order',
      code: 'return { amount: input.amount, card: input.card };',
    },
    { id: 'charge', type: 'code', name: 'Charge card', code: CHARGE },
    { id: 'receipt', type: 'code', code: 'return { sent: true };' },
  ],
  edges: [
    { from: 'validate', to: 'charge' },
    { from: 'charge', to: 'receipt' },
  ],
};

test('a failed run opens on its failed node with the error and its stack first; the edges it took are marked', async () => {
  await page.goto(`${product.baseUrl}/runs`);
  await page.getByText('No runs yet.').waitFor({ timeout: 30_000 });
  await shot('runs-empty');
  await saveFlow(checkout);
  const ok = await runAndWait('checkout', { amount: 12, card: 'good' });
  expect(ok.status).toBe('completed');
  const failed = await runAndWait('checkout', { amount: 30, card: 'declined' });
  expect(failed.status).toBe('failed');

  await page.goto(`${product.baseUrl}/runs/${failed.runId}`);
  const panel = page.getByRole('region', { name: 'Run of node charge' });
  await panel.waitFor({ timeout: 30_000 });
  await panel.getByRole('alert', { name: 'Error' }).getByText('card declined').first().waitFor();
  expect(await panel.locator('#node-error-stack').textContent()).toMatch(/card declined[\s\S]*at /);
  await node(page, 'charge').locator('[data-run-status="failed"]').waitFor();
  await node(page, 'validate').locator('[data-run-status="succeeded"]').waitFor();
  expect(await page.locator('.react-flow__edge-path.run-taken').count()).toBe(1);
  expect(await page.locator('.react-flow__edge-path.run-dead').count()).toBe(1);
  await page.locator('#run-status').getByText('failed').waitFor();
  expect(await page.getByRole('link', { name: 'Open in Temporal Web UI' }).getAttribute('href')).toContain(
    failed.runId,
  );
  await shot('run-failed');

  // Another node's output as a tree and as a table.
  await node(page, 'validate').locator('.node-title').click();
  const validate = page.getByRole('region', { name: 'Run of node validate' });
  await validate.getByLabel('Node output').getByText('"declined"').waitFor();
  await validate.getByRole('button', { name: 'Table' }).click();
  await validate.getByRole('table', { name: 'Node output' }).getByRole('cell', { name: 'card' }).waitFor();
});

test('the runs list shows each run with its duration, filters by status, and opens a run', async () => {
  await page.goto(`${product.baseUrl}/runs?flowId=checkout`);
  const table = page.getByRole('table', { name: 'Runs' });
  await eventually(async () => ((await table.locator('tbody tr').count()) === 2 ? true : undefined), 30_000);
  await page.getByLabel('Status').selectOption('failed');
  await eventually(async () => {
    const statuses = await table.locator('tbody tr .status').allTextContents();
    return statuses.length === 1 && statuses[0] === 'failed' ? true : undefined;
  }, 30_000);
  expect(new URL(page.url()).search).toBe('?flowId=checkout&status=failed');
  expect(await table.locator('tbody tr td').nth(6).textContent()).toMatch(/\d+(\.\d+)? (ms|s)/);
  expect(await table.locator('tbody tr td').nth(7).textContent()).toBe('charge');
  await shot('runs');
  await table.locator('tbody tr a').first().click();
  await page.getByRole('region', { name: 'Run of node charge' }).waitFor({ timeout: 30_000 });
});

test('rerun with the same input starts a new run that fails the same way', async () => {
  const before = page.url();
  await page.getByRole('button', { name: 'Rerun (same version)' }).click();
  await page.waitForURL((url) => url.toString() !== before && url.pathname.startsWith('/runs/run-checkout-'));
  await node(page, 'charge').locator('[data-run-status="failed"]').waitFor({ timeout: 60_000 });
  await page.getByRole('region', { name: 'Run of node charge' }).getByText('card declined').first().waitFor();
});

const TICKER = `
const tick = async (input, context) => {
  for (let i = 0; i < 25; i++) {
    console.log('tick', i);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { ticks: 25 };
};`;

test('a running node shows its running state on the canvas before it ends, and the run can be cancelled', async () => {
  await saveFlow({
    id: 'ticker',
    name: 'Ticker',
    nodes: [
      { id: 'tick', type: 'code', code: TICKER },
      { id: 'after', type: 'code', code: 'return input;' },
    ],
    edges: [{ from: 'tick', to: 'after' }],
  });
  const started = await product.request('POST', '/api/flows/ticker/runs', { input: {} });
  expect(started.status).toBe(202);
  const runId = (started.body as { runId: string }).runId;
  await page.goto(`${product.baseUrl}/runs/${runId}`);
  await node(page, 'tick').locator('[data-run-status="running"]').waitFor({ timeout: 30_000 });
  await node(page, 'tick').locator('.node-title').click();
  const panel = page.getByRole('region', { name: 'Run of node tick' });
  await panel.getByRole('tab', { name: /Logs/ }).click();
  // Lines written while the node runs show before it ends (it logs 25 lines over 5 s).
  await panel
    .getByRole('list', { name: 'Log lines' })
    .getByText('tick 3', { exact: true })
    .waitFor({ timeout: 30_000 });
  expect(await node(page, 'tick').locator('[data-run-status="running"]').count()).toBe(1);
  expect(await node(page, 'after').locator('[data-run-status="succeeded"]').count()).toBe(0);
  const shown = await panel.getByRole('list', { name: 'Log lines' }).locator('li').count();
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(25);
  await shot('run-live');
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.locator('#run-status').getByText('cancelled').waitFor({ timeout: 60_000 });
});

test('the dashboard shows 10 executions and 70 % after 7 successful and 3 failed runs, and the thrown error 3 times', async () => {
  await saveFlow({
    id: 'payments',
    name: 'Payments',
    nodes: [
      {
        id: 'authorize',
        type: 'code',
        code: "if (input.fail) throw new Error('insufficient funds'); return { ok: true };",
      },
    ],
    edges: [],
  });
  for (let i = 0; i < 10; i++) {
    const run = await runAndWait('payments', { fail: i % 10 >= 7 });
    expect(run.status).toBe(i % 10 >= 7 ? 'failed' : 'completed');
  }
  await page.goto(`${product.baseUrl}/dashboard?window=1h&flowId=payments`);
  await eventually(async () => {
    await page.reload();
    await page
      .locator('#metric-executions')
      .getByText('10', { exact: true })
      .waitFor({ timeout: 5_000 })
      .catch(() => undefined);
    return (await page.locator('#metric-executions').textContent()) === '10' ? true : undefined;
  }, 60_000);
  expect(await page.locator('#metric-success-rate').textContent()).toBe('70 %');
  const errors = page.getByRole('table', { name: 'Top errors' });
  const first = errors.locator('tbody tr').first();
  await first.getByText('insufficient funds').waitFor();
  expect(await first.locator('.error-count').textContent()).toBe('3');
  await page.getByRole('figure').first().waitFor();
  await shot('dashboard');
  const usage = page.getByRole('region', { name: 'Usage' });
  await usage.scrollIntoViewIfNeeded();
  await usage.getByRole('meter', { name: 'Executions used this month' }).waitFor();
  await shot('dashboard-usage');
  await first.getByRole('link', { name: 'Failed runs of payments' }).click();
  await page.waitForURL((url) => url.pathname === '/runs' && url.searchParams.get('status') === 'failed');
  const rows = page.getByRole('table', { name: 'Runs' }).locator('tbody tr');
  await eventually(async () => ((await rows.count()) === 3 ? true : undefined), 30_000);
});

test('an event is delivered to a waiting node from the run view’s form', async () => {
  await saveFlow({
    id: 'approval',
    name: 'Approval',
    nodes: [
      { id: 'ask', type: 'wait', event: 'approved', timeoutMs: 600_000 },
      { id: 'record', type: 'code', code: 'return { approvedBy: input.payload.by };' },
    ],
    edges: [{ from: 'ask', to: 'record' }],
  });
  const started = await product.request('POST', '/api/flows/approval/runs', { input: {} });
  expect(started.status).toBe(202);
  await page.goto(`${product.baseUrl}/runs/${(started.body as { runId: string }).runId}`);
  await node(page, 'ask').locator('[data-run-status="running"]').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Deliver event…' }).click();
  const form = page.getByRole('form', { name: 'Deliver an event' });
  expect(await form.getByLabel('Event').inputValue()).toBe('approved');
  await form.getByLabel('Payload (JSON)').fill('{"by": "ana"}');
  await form.getByRole('button', { name: 'Deliver' }).click();
  await page.locator('#run-status').getByText('completed').waitFor({ timeout: 60_000 });
  await page.keyboard.press('Escape'); // the run opened on its waiting node: back to the run's outcome
  await page.locator('#run-output').getByText('"ana"').waitFor();
});

test('the timeline shows each attempt of a node retried twice as a bar of its own', async () => {
  await saveFlow({
    id: 'flaky',
    name: 'Flaky',
    nodes: [
      {
        id: 'fetch',
        type: 'code',
        name: 'Fetch rates',
        code: "if (context.workflowContext.attempt < 3) throw new Error('upstream busy'); return { rate: 1.1 };",
        retry: { maximumAttempts: 3, initialIntervalMs: 200, backoffCoefficient: 2 },
      },
      { id: 'store', type: 'code', code: 'return input;' },
    ],
    edges: [{ from: 'fetch', to: 'store' }],
  });
  const run = await runAndWait('flaky', {});
  expect(run.status).toBe('completed');
  const asked: string[] = [];
  const onRequest = (request: { url(): string }) => asked.push(new URL(request.url()).pathname);
  page.on('request', onRequest);
  await page.goto(`${product.baseUrl}/runs/${run.runId}`);
  const timeline = page.getByRole('figure', { name: 'Timeline' });
  const row = timeline.locator('li[data-node-id="fetch"]');
  // The node's own record draws its last attempt first; its earlier attempts join once they are fetched.
  await row.locator('.bar-run[data-attempt="1"]').waitFor({ timeout: 30_000 });
  const bars = row.locator('.bar-run');
  await eventually(async () => ((await bars.count()) === 3 ? true : undefined), 30_000);
  for (let i = 0; i < 3; i++) expect(await bars.nth(i).getAttribute('data-attempt')).toBe(String(i + 1));
  expect(await row.locator('.bar-run.failed').count()).toBe(2);
  expect(await row.locator('.bar-backoff').count()).toBe(2);
  await timeline.locator('li[data-node-id="store"] .bar-run[data-attempt="1"]').waitFor();
  // Every node's attempts came from one request for the run, none from a request per node.
  page.off('request', onRequest);
  expect(asked.filter((pathname) => pathname === `/api/runs/${run.runId}/attempts`).length).toBeGreaterThanOrEqual(1);
  expect(asked.filter((pathname) => pathname.startsWith(`/api/runs/${run.runId}/nodes/`))).toEqual([]);
  await node(page, 'fetch').locator('.node-title').click();
  const panel = page.getByRole('region', { name: 'Run of node fetch' });
  await panel.getByRole('tab', { name: 'Attempts' }).click();
  const attempts = panel.getByRole('list', { name: 'Attempts' });
  await attempts.locator('li[data-attempt="3"]').waitFor();
  expect(await attempts.locator('summary', { hasText: 'upstream busy' }).count()).toBe(2);
  await shot('run-timeline');
});

test('the runs list follows its page live: a run started shows up, and its status changes as it ends', async () => {
  await saveFlow({
    id: 'held',
    name: 'Held',
    nodes: [{ id: 'hold', type: 'wait', event: 'release', timeoutMs: 600_000 }],
  });
  const listed: string[] = [];
  const onRequest = (request: { url(): string }) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/runs') && !url.pathname.startsWith('/api/runs/run-')) listed.push(url.pathname);
  };
  page.on('request', onRequest);
  await page.goto(`${product.baseUrl}/runs?flowId=held`);
  await page.getByText('No runs match these filters.').waitFor({ timeout: 30_000 });
  const started = await product.request('POST', '/api/flows/held/runs', { input: {} });
  expect(started.status).toBe(202);
  const runId = (started.body as { runId: string }).runId;
  const row = page.locator(`tr[data-run-id="${runId}"]`);
  await row.locator('.status.running').waitFor({ timeout: 60_000 });
  await eventually(async () => {
    const sent = await product.request('POST', `/api/runs/${runId}/events`, { event: 'release', payload: {} });
    return sent.status === 202 ? true : undefined;
  });
  await row.locator('.status.completed').waitFor({ timeout: 60_000 });
  page.off('request', onRequest);
  // Pushed over the list's stream, not polled.
  expect(listed.length).toBeGreaterThanOrEqual(1);
  expect(new Set(listed)).toEqual(new Set(['/api/runs/live']));
});

test('rerun from a node reuses the outputs of the nodes before it: they do not execute again', async () => {
  await saveFlow({
    id: 'pipeline',
    name: 'Pipeline',
    nodes: [
      { id: 'extract', type: 'code', code: 'return { stamp: Date.now() + Math.random() };' },
      { id: 'transform', type: 'code', code: 'return { stamp: input.stamp, doubled: input.stamp * 2 };' },
      { id: 'load', type: 'code', code: 'return { loaded: input.stamp };' },
    ],
    edges: [
      { from: 'extract', to: 'transform' },
      { from: 'transform', to: 'load' },
    ],
  });
  const first = await runAndWait('pipeline', {});
  expect(first.status).toBe('completed');
  const stamp = ((await product.request('GET', `/api/runs/${first.runId}`)).body as { output: { loaded: number } })
    .output.loaded;
  const executions = async () =>
    ((await product.request('GET', '/api/workspace')).body as { usage: { executions: number } }).usage.executions;
  const before = await executions();

  await page.goto(`${product.baseUrl}/runs/${first.runId}`);
  await node(page, 'load').locator('[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
  await node(page, 'load').locator('.node-title').click();
  await page
    .getByRole('region', { name: 'Run of node load' })
    .getByRole('button', { name: 'Rerun from this node' })
    .click();
  await page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(first.runId));
  await page.locator('#run-status').getByText('completed').waitFor({ timeout: 60_000 });
  await page.locator('#run-meta').getByText(`rerun of ${first.runId}`).waitFor();
  await node(page, 'extract').getByText('reused').waitFor();
  await node(page, 'transform').getByText('reused').waitFor();
  const rerunId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
  const rerun = (await product.request('GET', `/api/runs/${rerunId}`)).body as { output: { loaded: number } };
  expect(rerun.output.loaded).toBe(stamp);
  expect(await executions()).toBe(before + 1);
  await shot('run-rerun-from');
});

test('debug in editor opens the flow with the run’s inputs pinned as the step test’s input', async () => {
  const failed = (await product.request('GET', '/api/runs?flowId=checkout&status=failed&pageSize=1')).body as {
    runs: Array<{ runId: string }>;
  };
  await page.goto(`${product.baseUrl}/runs/${failed.runs[0].runId}`);
  await page.getByRole('button', { name: 'Debug in editor' }).click();
  await page.waitForURL('**/flows/checkout');
  await node(page, 'charge').locator('.node-title').click();
  await page.getByRole('region', { name: 'Node charge' }).waitFor();
  await page.locator('#step-pinned').getByText(failed.runs[0].runId).waitFor();
  expect(JSON.parse(await page.locator('#step-input').inputValue())).toEqual({ amount: 30, card: 'declined' });
  await page.getByRole('button', { name: 'Run…' }).click();
  expect(JSON.parse(await page.locator('#run-input').inputValue())).toEqual({ amount: 30, card: 'declined' });
});

test('screenshots: a run of a 200-node flow, and the run view on a narrow screen', async () => {
  const nodes = Array.from({ length: 200 }, (_, i) => ({ id: `n${i}`, type: 'code', code: 'return input;' }));
  await saveFlow({
    id: 'large-run',
    name: '200 nodes',
    nodes,
    edges: nodes.slice(1).map((n, i) => ({ from: `n${Math.floor(i / 2)}`, to: n.id })),
  });
  const run = await runAndWait('large-run', { x: 1 });
  expect(run.status).toBe('completed');
  await page.goto(`${product.baseUrl}/runs/${run.runId}`);
  await node(page, 'n0').locator('[data-run-status="succeeded"]').waitFor({ timeout: 60_000 });
  await page.getByRole('figure', { name: 'Timeline' }).locator('li').nth(199).waitFor();
  await shot('run-200');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${product.baseUrl}/runs?flowId=checkout`);
  await page.getByRole('table', { name: 'Runs' }).locator('tbody tr').first().waitFor({ timeout: 30_000 });
  await shot('narrow-runs');
  await page.getByRole('table', { name: 'Runs' }).locator('tbody tr a').first().click();
  await page.getByRole('region', { name: 'Run of node charge' }).waitFor({ timeout: 30_000 });
  await shot('narrow-run');
  await page.setViewportSize({ width: 1440, height: 900 });
});

test('across the whole session nothing was loaded from another host and nothing logged an error', () => {
  expect(watch.offHost).toEqual([]);
  expect(watch.consoleErrors).toEqual([]);
});
