/**
 * `npm run bench -- ui`: the studio in headless chromium against the real product.
 * - first-load bytes: every file the browser fetched from the gateway (not the API) as it crossed the wire (the
 *   gateway sends the build's brotli or gzip copies), and each file gzip-compressed here for comparison, for the
 *   sign-in screen and for a flow's canvas before any editor opens;
 * - a 200-node flow: from navigation until a node is clicked and its inspector shows (saved layout, and without one:
 *   auto-layout in the browser), wall-clock and the page's main-thread CPU time (which the machine's load hardly moves);
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

interface Fetched {
  url: string;
  body: Buffer;
  /** Body bytes as sent (compressed when the gateway compressed it). */
  wire: number;
  encoding: string;
}

/** Bytes the page fetched from the gateway's static files while `go` runs: as sent, decoded, and gzip-compressed here. */
async function staticBytes(
  page: Page,
  baseUrl: string,
  go: () => Promise<void>,
): Promise<{ wire: number; raw: number; gzip: number; files: number; encodings: string; largest: string }> {
  const pending: Promise<Fetched | null>[] = [];
  const listener = (response: import('playwright-core').Response) => {
    const url = response.url();
    if (!url.startsWith(baseUrl) || url.startsWith(`${baseUrl}/api/`)) return;
    pending.push(
      Promise.all([response.body(), response.request().sizes(), response.headerValue('content-encoding')]).then(
        ([body, sizes, encoding]) => ({
          url: url.slice(baseUrl.length),
          body,
          wire: sizes.responseBodySize,
          encoding: encoding ?? 'identity',
        }),
        () => null,
      ),
    );
  };
  page.on('response', listener);
  await go();
  await page.waitForLoadState('networkidle');
  page.off('response', listener);
  const fetched = (await Promise.all(pending)).filter((file): file is Fetched => file !== null);
  const gzipOf = new Map(fetched.map((file) => [file, zlib.gzipSync(file.body).length]));
  return {
    wire: fetched.reduce((sum, file) => sum + file.wire, 0),
    raw: fetched.reduce((sum, file) => sum + file.body.length, 0),
    gzip: fetched.reduce((sum, file) => sum + gzipOf.get(file)!, 0),
    files: fetched.length,
    encodings: [...new Set(fetched.map((file) => file.encoding))].join(', '),
    largest: [...fetched]
      .sort((a, b) => gzipOf.get(b)! - gzipOf.get(a)!)
      .slice(0, 5)
      .map((file) => `${file.url} ${kB(gzipOf.get(file)!)}`)
      .join(', '),
  };
}

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const describeBytes = (bytes: Awaited<ReturnType<typeof staticBytes>>) =>
  `${kB(bytes.wire)} sent (${bytes.encodings}); ${kB(bytes.gzip)} gzip, ${kB(bytes.raw)} raw, ${bytes.files} files (largest gzip: ${bytes.largest})`;

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  tdur?: number;
  args: { name?: string };
}

/**
 * CPU time of the page's main thread while `go` runs (the thread time of its tasks, from a chromium trace). Unlike the
 * wall-clock time it hardly moves with the machine's load, so it compares runs made in different conditions.
 */
async function mainThreadCpu(page: Page, go: () => Promise<void>): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (data) => events.push(...(data.value as unknown as TraceEvent[])));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,toplevel',
    transferMode: 'ReportEvents',
  });
  await go();
  await cdp.send('Tracing.end');
  await complete;
  await cdp.detach();
  const main = new Set(
    events
      .filter((event) => event.name === 'thread_name' && event.args.name === 'CrRendererMain')
      .map((event) => `${event.pid}:${event.tid}`),
  );
  const micros = events
    .filter((event) => event.ph === 'X' && event.name === 'RunTask' && main.has(`${event.pid}:${event.tid}`))
    .reduce((sum, event) => sum + (event.tdur ?? 0), 0);
  return Math.round(micros / 1000);
}

async function timeToInteractive(product: Product, page: Page, flowId: string): Promise<{ ms: number; cpu: number }> {
  await page.goto(`${product.baseUrl}/`);
  await page.getByRole('heading', { name: 'Flows' }).waitFor();
  let ms = 0;
  const cpu = await mainThreadCpu(page, async () => {
    const started = Date.now();
    await page.goto(`${product.baseUrl}/flows/${flowId}`);
    // Whichever node is drawn first (only those in view are): clicked, its inspector must open.
    const first = page.locator('.react-flow__node').first();
    await first.waitFor();
    const id = await first.getAttribute('data-id');
    await first.click({ position: { x: 4, y: 4 } });
    await page.getByRole('region', { name: `Node ${id}` }).waitFor();
    ms = Date.now() - started;
  });
  return { ms, cpu };
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
    console.log(`first load, sign-in screen: ${describeBytes(signInBytes)}`);
    console.log(`first load, a flow's canvas (no editor open): ${describeBytes(editorBytes)} — target ≤ 200 kB gzip`);

    // bench-20: the same path with a tenth of the nodes, the reference for what the machine's load adds.
    const cpuOf: Record<string, number> = {};
    for (const id of ['bench-20', 'bench-200', 'bench-200-unplaced']) {
      const runs: { ms: number; cpu: number }[] = [];
      for (let i = 0; i < 5; i++) runs.push(await timeToInteractive(product, page, id));
      cpuOf[id] = median(runs.map((run) => run.cpu));
      const ratio = id === 'bench-20' ? '' : `, ${(cpuOf[id] / cpuOf['bench-20']).toFixed(2)}× bench-20's`;
      console.log(
        `${id}: navigation → node clicked and inspector shown, median of 5: ${median(runs.map((run) => run.ms))} ms (${runs.map((run) => run.ms).join(', ')}) — target ≤ 1500 ms; main-thread CPU ${cpuOf[id]} ms${ratio}`,
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
