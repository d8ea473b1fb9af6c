/**
 * `npm run faults -- [--seconds 150] [--kills 3]`: the product under a burst of async and sync webhooks, API runs and
 * a cron schedule, while the gateway, the worker, a sandbox process, the Temporal server and FerretDB are each killed
 * (SIGKILL) `kills` times at random moments, the launcher's supervision bringing them back. Then every request that was
 * answered 2xx must have exactly one completed run, every run must be a 2xx answer's (or an unkeyed delivery's whose
 * connection the killed gateway cut), no run may be left open, and no regular-activity node may have run twice for one
 * attempt. API runs and sync webhooks carry an Idempotency-Key and are retried on 503 and on a cut connection. Prints
 * the figures as JSON; exits non-zero when any is broken.
 */
import { sleep } from '../common/processes';
import { LoadRecorder, loadFlows, numberOption, sandboxPids, saveFlows, runLoadScript, verifyAndReport } from './load';

type Part = 'gateway' | 'worker' | 'sandbox' | 'temporal' | 'ferretdb';
const PARTS: Part[] = ['gateway', 'worker', 'sandbox', 'temporal', 'ferretdb'];

runLoadScript(async ({ product, counter, temporal }) => {
  const seconds = numberOption('seconds', 150);
  const kills = numberOption('kills', 3);
  const log = (message: string) => console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${message}`);
  await saveFlows(product, loadFlows(counter.port, { cron: '* * * * *' }));
  const load = new LoadRecorder(product);
  // Each part killed `kills` times, at random moments spread over the run (not in its last fifth, so it comes back).
  const schedule = PARTS.flatMap((part) =>
    Array.from({ length: kills }, () => ({ part, at: Math.random() * seconds * 800 })),
  ).sort((a, b) => a.at - b.at);
  const injected: { part: Part; at: number; pid: number }[] = [];
  const started = Date.now();
  let tick = 0;
  while (Date.now() - started < seconds * 1000) {
    tick += 1;
    load.fire(load.asyncWebhook);
    if (tick % 3 === 0) load.fire(load.apiRun);
    if (tick % 7 === 0) load.fire(load.syncWebhook);
    while (schedule.length > 0 && schedule[0].at <= Date.now() - started) {
      const { part, at } = schedule.shift()!;
      const pid = part === 'sandbox' ? sandboxPids(product.pidOf('worker'))[0] : product.pidOf(part);
      try {
        if (!pid) throw new Error('not running at the moment');
        process.kill(pid, 'SIGKILL');
        injected.push({ part, at: Math.round(at), pid });
        log(`killed ${part} (pid ${pid})`);
      } catch (error) {
        // Being restarted (a sandbox appears with its worker's first executions): try again a little later.
        log(`${part} not killed now (${(error as Error).message}); again in 3 s`);
        schedule.push({ part, at: Date.now() - started + 3_000 });
        schedule.sort((a, b) => a.at - b.at);
      }
    }
    await sleep(120);
  }
  await verifyAndReport('faults', load, counter, temporal, (verdict) => {
    const injectedByPart = Object.fromEntries(
      PARTS.map((part) => [part, injected.filter((fault) => fault.part === part).length]),
    );
    const figures = { seconds, faultsInjected: injected.length, injectedByPart, ...verdict };
    return {
      figures,
      broken:
        verdict.lost > 0 ||
        verdict.duplicated > 0 ||
        verdict.unexplained > 0 ||
        verdict.stuck > 0 ||
        verdict.nodesRanTwice > 0,
    };
  });
});
