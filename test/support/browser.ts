/** Debian's chromium through playwright-core, with every page watched for off-host requests and console errors. */
import fs from 'node:fs';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

const CHROMIUM = process.env.NECTAR_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set NECTAR_CHROMIUM`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** What a page did that the studio must never do: load anything from another host, or log an error. */
export interface PageWatch {
  offHost: string[];
  consoleErrors: string[];
}

export function watchPage(
  page: Page,
  baseUrl: string,
  watch: PageWatch = { offHost: [], consoleErrors: [] },
): PageWatch {
  const origin = new URL(baseUrl).origin;
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) watch.offHost.push(url);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') watch.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => watch.consoleErrors.push(String(error)));
  return watch;
}

/** A new browser context (its own localStorage) signed in with `key`. */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  key: string,
  watch?: PageWatch,
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baseUrl).origin });
  const page = await context.newPage();
  const watched = watchPage(page, baseUrl, watch);
  await page.goto(baseUrl + '/');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Flows' }).waitFor();
  return { context, page, watch: watched };
}
