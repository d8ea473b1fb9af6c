/** The studio in a real browser (Debian's chromium): sign in, open a flow, run its draft, follow a run live. */
import { Browser } from 'playwright-core';
import { launchChromium, signedInPage, watchPage, type PageWatch } from '../support/browser';
import { Product, startProduct } from '../support/product';
import { node } from '../support/studioPage';

let product: Product;
let browser: Browser;
const watch: PageWatch = { offHost: [], consoleErrors: [] };

beforeAll(async () => {
  product = await startProduct();
  browser = await launchChromium();
  const saved = await product.request('POST', '/api/flows', {
    id: 'greeter',
    name: 'Greeter',
    nodes: [
      {
        id: 'greet',
        type: 'code',
        name: 'Greet',
        code: "const greet = (input) => { console.log('greeting', input.name); return { greeting: `Hello ${input.name}` }; };",
      },
      { id: 'shout', type: 'code', code: 'return { loud: input.greeting.toUpperCase() };' },
    ],
    edges: [{ from: 'greet', to: 'shout' }],
  });
  expect(saved.status).toBe(201);
});

afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

test('a person opens a flow from the list, sees its canvas, runs the draft and sees each node succeed', async () => {
  const { page, context } = await signedInPage(browser, product.baseUrl, product.adminKey, watch);
  await page.getByRole('link', { name: 'Greeter' }).click();
  await page.waitForURL('**/flows/greeter');
  await page.locator('[data-node-id="greet"]').waitFor();
  expect(await page.locator('.react-flow__node').count()).toBe(2);
  expect(await page.locator('.react-flow__edge').count()).toBe(1);

  await page.getByRole('button', { name: 'Run…' }).click();
  await page.locator('#run-input').fill('{"name": "Ada"}');
  await page.getByRole('button', { name: 'Run draft' }).click();
  await page.locator('[data-node-id="shout"] [data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
  await page.locator('#run-output').getByText('HELLO ADA').waitFor();
  expect((await product.request('GET', '/api/flows/greeter')).body.version).toBe(1);
  expect((await product.request('GET', '/api/flows/greeter/draft')).status).toBe(200);

  await page.reload(); // the client route survives a reload
  await page.locator('[data-node-id="greet"]').waitFor();
  await context.close();
});

test('the run view shows every node finish with its output and logs', async () => {
  const started = await product.request('POST', '/api/flows/greeter/runs', { input: { name: 'Ada' } });
  expect(started.status).toBe(202);
  const { page, context } = await signedInPage(browser, product.baseUrl, product.adminKey, watch);
  await page.goto(`${product.baseUrl}/runs/${started.body.runId}`);
  await page.locator('#run-status').getByText('completed').waitFor({ timeout: 30_000 });
  await node(page, 'greet').locator('[data-run-status="succeeded"]').waitFor();
  await node(page, 'shout').locator('[data-run-status="succeeded"]').waitFor();
  await node(page, 'greet').locator('.node-title').click();
  const greet = page.getByRole('region', { name: 'Run of node greet' });
  await greet.getByRole('tab', { name: /Logs/ }).click();
  await greet.getByRole('list', { name: 'Log lines' }).getByText('greeting Ada').waitFor();
  await node(page, 'shout').locator('.node-title').click();
  await page
    .getByRole('region', { name: 'Run of node shout' })
    .getByLabel('Node output')
    .getByText('HELLO ADA')
    .waitFor();
  await context.close();
});

test('a wrong key shows what to do instead of an empty page', async () => {
  const page = await browser.newPage();
  watchPage(page, product.baseUrl, watch);
  await page.goto(product.info.uiUrl);
  await page.getByLabel('API key').fill('wrong-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('Enter the API key').waitFor();
  await page.close();
});

test('nothing was loaded from another host and nothing logged an error', () => {
  expect(watch.offHost).toEqual([]);
  // The wrong-key attempt's 401 is the browser's own network log line, not the studio's.
  expect(watch.consoleErrors.filter((text) => !text.includes('401'))).toEqual([]);
});
