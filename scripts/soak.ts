/**
 * `npm run soak -- [--minutes 30] [--rate 8]`: mixed load for the given time — async and sync webhooks, API runs, a
 * cron schedule every minute, and runs whose node fails twice and then succeeds on retry — at about `rate` requests a
 * second; sync webhooks and API runs carry an Idempotency-Key and are retried on 503 (after Retry-After), as a careful
 * client does. Each minute it records the resident memory (RSS, MiB) of the gateway, the worker and the sandbox processes.
 * At the end: no 5xx (not even one a retry got past), every 2xx answer one completed run (none lost or duplicated), no
 * run that no 2xx answer explains, no run left open (the queue drained). Prints the figures as JSON; exits non-zero when any is broken.
 */
import { sleep } from '../common/processes';
import {
  LoadRecorder,
  loadFlows,
  numberOption,
  rssMiB,
  sandboxPids,
  saveFlows,
  runLoadScript,
  verifyAndReport,
  workerMemoryDetail,
} from './load';

runLoadScript(async ({ product, counter, temporal }) => {
  const minutes = numberOption('minutes', 30);
  const rate = numberOption('rate', 8);
  const log = (message: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}`);
  await saveFlows(product, loadFlows(counter.port, { cron: '* * * * *', failing: true }));
  const load = new LoadRecorder(product);
  const memory: {
    minute: number;
    gateway?: number;
    worker?: number;
    sandboxes: (number | undefined)[];
    /** The worker's V8 heap in use and memory outside it (MiB), and the workflow runs its SDK keeps cached. */
    workerDetail: Awaited<ReturnType<typeof workerMemoryDetail>>;
  }[] = [];
  const sample = async (minute: number) => {
    const worker = product.pidOf('worker');
    const row = {
      minute,
      gateway: rssMiB(product.pidOf('gateway')),
      worker: rssMiB(worker),
      sandboxes: sandboxPids(worker).map(rssMiB),
      workerDetail: await workerMemoryDetail(product.dataDir),
    };
    memory.push(row);
    const { heapUsed, external, cachedWorkflows } = row.workerDetail;
    log(
      `minute ${minute}: RSS MiB gateway ${row.gateway}, worker ${row.worker} (heap ${heapUsed}, external ${external}, ${cachedWorkflows} cached workflows), sandboxes ${row.sandboxes.join(' ')}; ${load.answers.length} answers`,
    );
  };
  await sample(0);
  const started = Date.now();
  const mix = [
    load.asyncWebhook,
    load.asyncWebhook,
    load.asyncWebhook,
    load.syncWebhook,
    load.apiRun,
    load.apiRun,
    load.asyncWebhook,
    load.syncWebhook,
    load.apiRun,
    load.flakyRun,
  ];
  let sent = 0;
  let nextSample = 1;
  while (Date.now() - started < minutes * 60_000) {
    load.fire(mix[sent % mix.length]);
    sent += 1;
    if (Date.now() - started >= nextSample * 60_000) await sample(nextSample++);
    await sleep(1000 / rate);
  }
  await verifyAndReport('soak', load, counter, temporal, async (verdict) => {
    await sample(nextSample);
    const figures = { minutes, rate, ...verdict, memoryStart: memory[0], memoryEnd: memory[memory.length - 1], memory };
    const broken =
      verdict.fiveXxSeen > 0 ||
      verdict.unexplained > 0 ||
      verdict.lost > 0 ||
      verdict.duplicated > 0 ||
      verdict.stuck > 0 ||
      verdict.nodesRanTwice > 0 ||
      verdict.unanswered > 0;
    return { figures, broken };
  });
});
