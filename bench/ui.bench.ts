/**
 * `npm run bench -- ui`: the studio in headless chromium against the real product.
 * - first-load bytes: every file the browser fetched from the gateway (not the API), gzip-compressed as a server would
 *   send it, for the sign-in screen and for a flow's canvas before any editor opens;
 * - a 200-node flow: from navigation until a node is clicked and its inspector shows (saved layout, and without one:
 *   auto-layout in the browser);
 * - keystroke → validation marker: the time from typing the last character of `require('fs')` into Monaco until the
 *   server's marker is drawn. Targets (issue 13): ≤ 200 kB, ≤ 1.5 s, ≤ 1 s.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchChromium, signedInPage } from '../test/support/browser';
import { startProduct, type Product } from '../test/support/product';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function largeFlow(id: string, count: number, withLayout: boolean) {
  const nodes = Array.from({ length: count }, (_, i) => ({
    id: `n${i}`,
    type: 'code',
    code: i % 10 === 0 ? "return { nextPath: input.x > 1 ? 'big' : 'small' };" : 'return input;',
  }));
  const edges = nodes.slice(1).map((node, i) => ({ from: `n${Math.floor(i / 2)}`, to: node.id }));
  const layout = {
    nodes: Object.fromEntries(
      nodes.map((node, i) => [
        node.id,
        { x: Math.floor(Math.log2(i + 1)) * 320, y: (i + 1 - 2 ** Math.floor(Math.log2(i + 1))) * 220 },
      ]),
    ),
  };
  return { id, name: `${count} nodes`, nodes, edges, ...(withLayout ? { layout } : {}) };
}

/** Bytes the page fetched from the gateway's static files while `go` runs, raw and gzip-compressed. */
async function staticBytes(
  page: Page,
  baseUrl: string,
  go: () => Promise<void>,
): Promise<{ raw: number; gzip: number; files: number }> {
  const pending: Promise<Buffer | null>[] = [];
  const listener = (response: import('playwright-core').Response) => {
    const url = response.url();
    if (url.startsWith(baseUrl) && !url.startsWith(`${baseUrl}/api/`)) pending.push(response.body().catch(() => null));
  };
  page.on('response', listener);
  await go();
  await page.waitForLoadState('networkidle');
  page.off('response', listener);
  const bodies = (await Promise.all(pending)).filter((body): body is Buffer => body !== null);
  return {
    raw: bodies.reduce((sum, body) => sum + body.length, 0),
    gzip: bodies.reduce((sum, body) => sum + zlib.gzipSync(body).length, 0),
    files: bodies.length,
  };
}

async function timeToInteractive(product: Product, page: Page, flowId: string): Promise<number> {
  await page.goto(`${product.baseUrl}/`);
  await page.getByRole('heading', { name: 'Flows' }).waitFor();
  const started = Date.now();
  await page.goto(`${product.baseUrl}/flows/${flowId}`);
  // Whichever node is drawn first (only those in view are): clicked, its inspector must open.
  const first = page.locator('.react-flow__node').first();
  await first.waitFor();
  const id = await first.getAttribute('data-id');
  await first.click({ position: { x: 4, y: 4 } });
  await page.getByRole('region', { name: `Node ${id}` }).waitFor();
  return Date.now() - started;
}

async function markerTime(page: Page): Promise<number> {
  const editor = page.locator('.monaco-editor').first();
  await editor.waitFor({ timeout: 60_000 });
  await editor.locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('return 1;');
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'detached' });
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type("require('fs'");
  const started = Date.now();
  await page.keyboard.type(')');
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 10_000 });
  return Date.now() - started;
}

export async function run(): Promise<void> {
  // Browser timings on a shared machine swing with its load: printed with every run so figures can be read.
  console.log(
    `load average at start: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (${(await import('node:os')).cpus().length} cores)`,
  );
  const product = await startProduct({ env: { NECTAR_LOG_LEVEL: 'warn' } });
  const browser = await launchChromium();
  try {
    for (const [id, count, withLayout] of [
      ['bench-200', 200, true],
      ['bench-200-unplaced', 200, false],
      ['bench-20', 20, true],
    ] as const) {
      const saved = await product.request('POST', '/api/flows', largeFlow(id, count, withLayout));
      if (saved.status !== 201) throw new Error(`could not save ${id}: ${JSON.stringify(saved.body)}`);
    }
    const fresh = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const firstPage = await fresh.newPage();
    const signInBytes = await staticBytes(
      firstPage,
      product.baseUrl,
      async () => void (await firstPage.goto(`${product.baseUrl}/`)),
    );
    await fresh.close();

    const { page, context } = await signedInPage(browser, product.baseUrl, product.adminKey);
    const editorBytes = await staticBytes(page, product.baseUrl, async () => {
      await page.goto(`${product.baseUrl}/flows/bench-200`);
      await page.locator('.react-flow__node').first().waitFor();
    });
    console.log(
      `first load, sign-in screen: ${(signInBytes.gzip / 1024).toFixed(1)} kB gzip (${(signInBytes.raw / 1024).toFixed(1)} kB raw, ${signInBytes.files} files)`,
    );
    console.log(
      `first load, a flow's canvas (no editor open): ${(editorBytes.gzip / 1024).toFixed(1)} kB gzip (${(editorBytes.raw / 1024).toFixed(1)} kB raw, ${editorBytes.files} files) — target ≤ 200 kB`,
    );

    // bench-20: the same path with a tenth of the nodes, the reference for what the machine's load adds.
    for (const id of ['bench-20', 'bench-200', 'bench-200-unplaced']) {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) times.push(await timeToInteractive(product, page, id));
      console.log(
        `${id}: navigation → node clicked and inspector shown, median of 5: ${median(times)} ms (${times.join(', ')}) — target ≤ 1500 ms`,
      );
    }

    await page.goto(`${product.baseUrl}/flows/bench-200`);
    await page
      .locator('.react-flow__node')
      .first()
      .click({ position: { x: 4, y: 4 } });
    const markers: number[] = [];
    for (let i = 0; i < 7; i++) markers.push(await markerTime(page));
    console.log(`load average at end: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    console.log(
      `keystroke → validation marker, median of 7: ${median(markers)} ms (${markers.join(', ')}) — target ≤ 1000 ms`,
    );
    await context.close();
  } finally {
    await browser.close();
    await product.stop();
  }
}
