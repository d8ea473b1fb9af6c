/**
 * The webhook journal on a full disk: a tmpfs of 1.2 MB mounted where the journal lives. Deliveries that no longer fit
 * answer 503 with Retry-After; every one answered 202 before still runs; once those have started the journal starts
 * over and accepts again. Needs to mount a tmpfs (root, as in CI's container); skipped, saying so, where it cannot.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually, Product, startProduct } from '../support/product';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nectar-full-disk-'));
const journalDir = path.join(dataDir, 'webhook-journal');

function mountSmallDisk(): boolean {
  fs.mkdirSync(journalDir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1200k', 'tmpfs', journalDir], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('journal-full-disk: cannot mount a tmpfs here (not root?); the full-disk test is skipped');
    return false;
  }
}

const mounted = mountSmallDisk();
let product: Product;

beforeAll(async () => {
  if (!mounted) return;
  product = await startProduct({ dataDir, env: { NECTAR_WEBHOOK_BODY_LIMIT: '256kb' } });
  const saved = await product.request('PUT', '/api/flows/disk-hook', {
    id: 'disk-hook',
    name: 'disk hook',
    nodes: [{ id: 'echo', type: 'code', code: 'return { n: input.body.n };' }],
    triggers: [{ type: 'webhook', auth: { type: 'none' }, respond: 'async' }],
  });
  expect(saved.status).toBe(200);
});

afterAll(async () => {
  await product?.stop();
  if (mounted) execFileSync('umount', [journalDir]);
});

(mounted ? test : test.skip)(
  'a full disk answers 503, loses nothing accepted, and accepts again once the journal is drained',
  async () => {
    const gatewayPid = product.pidOf('gateway');
    const deliver = (n: number) =>
      fetch(`${product.baseUrl}/hooks/disk-hook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n, pad: 'x'.repeat(100_000) }),
      });
    const accepted: string[] = [];
    let refused: Response | undefined;
    for (let n = 0; n < 60 && !refused; n += 1) {
      const response = await deliver(n);
      if (response.status === 202) accepted.push(((await response.json()) as { runId: string }).runId);
      else refused = response;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused!.json()) as { error: { code: string } }).error.code).toBe('journal_unavailable');
    expect(accepted.length).toBeGreaterThan(3);

    for (const runId of accepted) {
      await eventually(async () => {
        const run = await product.request('GET', `/api/runs/${runId}`);
        return run.body?.status === 'completed' ? true : undefined;
      }, 120_000);
    }
    // Every accepted run has started: the journal started over, and takes deliveries again.
    const again = await eventually(async () => {
      const response = await deliver(1_000);
      return response.status === 202 ? response : undefined;
    }, 60_000);
    expect(again.status).toBe(202);
    expect(product.pidOf('gateway')).toBe(gatewayPid);
    expect((await product.request('GET', '/healthz')).status).toBe(200);
  },
);
