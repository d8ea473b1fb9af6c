/** The web UI in a real browser (Debian's chromium): enter the key, open a flow, run it (or its draft), watch the run finish. */
import fs from 'node:fs';
import { Browser, chromium, Page } from 'playwright-core';
import { Product, startProduct } from '../support/product';

const CHROMIUM = process.env.NECTAR_CHROMIUM ?? '/usr/bin/chromium';

let product: Product;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set NECTAR_CHROMIUM`);
  product = await startProduct();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const saved = await product.request('POST', '/api/flows', {
    id: 'greeter',
    name: 'Greeter',
    nodes: [
      { id: 'greet', type: 'code', name: 'Greet', code: "const greet = (input) => { console.log('greeting', input.name); return { greeting: `Hello ${input.name}` }; };" },
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

/** A new page with the key entered and the Greeter flow open. */
async function openGreeter(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(product.info.uiUrl);
  await page.fill('#api-key', product.adminKey);
  await page.click('#key-form button');
  await page.click('text=Greeter');
  await page.waitForSelector('#flow-title:has-text("Greeter")');
  return page;
}

test('a person opens a flow, runs it and sees every node finish with its output and logs', async () => {
  const page = await openGreeter();
  expect(await page.textContent('#graph')).toContain('→ shout');

  await page.fill('#run-input', '{"name": "Ada"}');
  await page.click('#run-form button');
  await page.waitForSelector('#run-meta .completed', { timeout: 30_000 });
  const rows = await page.$$eval('#run-nodes tr', (trs) =>
    trs.map((tr) => Array.from((tr as unknown as { children: ArrayLike<{ textContent: string | null }> }).children, (td) => td.textContent)),
  );
  expect(rows.map((row) => row[0])).toEqual(['Greet (greet)', 'shout']);
  expect(rows.map((row) => row[1])).toEqual(['succeeded', 'succeeded']);
  expect(rows[0][6]).toContain('log greeting Ada');
  expect(JSON.parse((await page.textContent('#run-output'))!)).toEqual({ loud: 'HELLO ADA' });
  await page.screenshot({ path: `${product.dataDir}/ui-run.png`, fullPage: true });
  if (process.env.NECTAR_UI_SCREENSHOT) fs.copyFileSync(`${product.dataDir}/ui-run.png`, process.env.NECTAR_UI_SCREENSHOT);
});

test('a person edits the flow, runs it as a draft, and the saved version stays as it was', async () => {
  const page = await openGreeter();
  await page.click('#flows-panel summary');
  const definition = JSON.parse(await page.inputValue('#definition'));
  definition.nodes[1].code = "return { loud: input.greeting.toUpperCase() + '!' };";
  definition.triggers = [{ type: 'webhook' }];
  await page.fill('#definition', JSON.stringify(definition, null, 2));
  await page.fill('#run-input', '{"name": "Ada"}');
  await page.click('#run-draft');
  await page.waitForSelector('#run-meta .completed', { timeout: 30_000 });
  expect(await page.textContent('#run-meta')).toContain('greeter draft 1');
  expect(JSON.parse((await page.textContent('#run-output'))!)).toEqual({ loud: 'HELLO ADA!' });
  expect((await product.request('GET', '/api/flows/greeter')).body.version).toBe(1);

  await page.click('#flows a:has-text("Greeter")');
  await page.waitForSelector('#flow-draft:has-text("Draft revision 1")');
  const hooks = await page.textContent('#flow-hooks');
  expect(hooks).toContain(`${product.baseUrl}/hooks-test/greeter`);
  expect(hooks).not.toContain('Production URL'); // the saved version has no webhook trigger
  expect(JSON.parse(await page.inputValue('#definition')).nodes[1].code).toContain("+ '!'");
});

test('a wrong key shows what to do instead of an empty page', async () => {
  const page = await browser.newPage();
  await page.goto(product.info.uiUrl);
  await page.fill('#api-key', 'wrong-key');
  await page.click('#key-form button');
  await page.waitForSelector('#status:has-text("Enter the API key")');
});
