/**
 * What the fault and soak scripts share: a product started as `npm start` does, flows whose regular-activity nodes
 * report every execution to a counter here, a mixed load of async and sync webhooks and API runs whose answers are
 * recorded, and the check afterwards that every request answered 2xx became exactly one completed run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { freePort, sleep } from '../common/processes';
import { Product, startProduct } from '../test/support/product';

/** Executions reported by nodes, per run and node: one entry per attempt the node ran. */
export class ExecutionCounter {
  readonly executions = new Map<string, number[]>();
  private server?: http.Server;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        try {
          const { runId, nodeId, attempt } = JSON.parse(body) as { runId: string; nodeId: string; attempt: number };
          const key = `${runId} ${nodeId}`;
          this.executions.set(key, [...(this.executions.get(key) ?? []), attempt]);
        } catch {
          // not a report
        }
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  stop(): void {
    this.server?.close();
  }
}

/** A node that reports its execution (a regular activity: it calls out), then does the work the flow asks. */
function reportingNode(
  id: string,
  counterPort: number,
  work = 'return { n: input && input.body ? input.body.n : input && input.n };',
) {
  const code = `async function main(input, context) {
  const w = context.workflowContext;
  await axios.post('http://127.0.0.1:${counterPort}/', { runId: w.workflowId, nodeId: w.nodeId, attempt: w.attempt });
  ${work}
}`;
  return { id, type: 'code', code, retry: { maximumAttempts: 5, initialIntervalMs: 200 } };
}

export function loadFlows(counterPort: number, options: { cron?: string; failing?: boolean } = {}) {
  const nodes = (work?: string) => [reportingNode('first', counterPort), reportingNode('second', counterPort, work)];
  const edges = [{ from: 'first', to: 'second' }];
  const flows: Record<string, unknown>[] = [
    {
      id: 'load-async',
      name: 'load async',
      nodes: nodes(),
      edges,
      triggers: [{ type: 'webhook', auth: { type: 'none' }, respond: 'async' }],
    },
    {
      id: 'load-sync',
      name: 'load sync',
      nodes: nodes(),
      edges,
      triggers: [{ type: 'webhook', auth: { type: 'none' }, respond: 'sync', timeoutMs: 20_000 }],
    },
    { id: 'load-api', name: 'load api', nodes: nodes(), edges },
  ];
  if (options.cron) {
    flows.push({
      id: 'load-cron',
      name: 'load cron',
      nodes: nodes('return { cron: true };'),
      edges,
      triggers: [{ type: 'cron', id: 'tick', cron: options.cron }],
    });
  }
  if (options.failing) {
    // Fails its first two attempts, then succeeds: retries under load.
    const flaky =
      "if (context.workflowContext.attempt < 3) throw new Error('flaky on attempt ' + context.workflowContext.attempt); return { n: input.n };";
    flows.push({
      id: 'load-flaky',
      name: 'load flaky',
      nodes: [reportingNode('first', counterPort), reportingNode('second', counterPort, flaky)],
      edges,
    });
  }
  return flows;
}

export interface Answer {
  kind: string;
  n: number;
  status: number;
  runId?: string;
}

/** Sends requests and records every answer (0: no answer). */
export class LoadRecorder {
  readonly answers: Answer[] = [];
  private n = 0;
  private readonly inFlight = new Set<Promise<void>>();

  /** Sends without waiting for the answer, unless 64 are already awaited (then nothing is sent). */
  fire(send: () => Promise<void>): void {
    if (this.inFlight.size >= 64) return;
    const sent = send().finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
  }

  /** Resolves when every request sent has its answer. */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  constructor(private readonly product: Product) {}

  private async send(kind: string, path: string, body: (n: number) => unknown, auth: boolean): Promise<void> {
    const n = (this.n += 1);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth) headers.authorization = `Bearer ${this.product.adminKey}`;
    try {
      const response = await fetch(`${this.product.baseUrl}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body(n)),
        signal: AbortSignal.timeout(60_000),
      });
      const text = await response.text();
      let runId: string | undefined;
      try {
        const parsed = JSON.parse(text) as { runId?: string };
        runId = parsed.runId ?? response.headers.get('x-nectar-run-id') ?? undefined;
      } catch {
        runId = response.headers.get('x-nectar-run-id') ?? undefined;
      }
      this.answers.push({ kind, n, status: response.status, runId });
    } catch {
      this.answers.push({ kind, n, status: 0 });
    }
  }

  asyncWebhook = () => this.send('async', '/hooks/load-async', (n: number) => ({ n }), false);
  syncWebhook = () => this.send('sync', '/hooks/load-sync', (n: number) => ({ n }), false);
  apiRun = () => this.send('api', '/api/flows/load-api/runs', (n: number) => ({ input: { n } }), true);
  flakyRun = () => this.send('flaky', '/api/flows/load-flaky/runs', (n: number) => ({ input: { n } }), true);
}

export async function startLoadProduct(
  env: Record<string, string> = {},
): Promise<{ product: Product; counter: ExecutionCounter; temporal: () => Promise<Client> }> {
  const counter = new ExecutionCounter();
  await counter.start();
  const product = await startProduct({
    env: { NECTAR_EGRESS_ALLOW: '127.0.0.1', NECTAR_RATE_LIMIT_PER_MINUTE: '0', ...env },
    timeoutMs: 180_000,
  });
  const temporal = async () =>
    new Client({ connection: await Connection.connect({ address: product.info.temporalAddress }) });
  return { product, counter, temporal };
}

export async function saveFlows(product: Product, flows: Record<string, unknown>[]): Promise<void> {
  for (const flow of flows) {
    const saved = await product.request('PUT', `/api/flows/${String(flow.id)}`, flow);
    if (saved.status !== 200)
      throw new Error(`could not save ${String(flow.id)}: ${saved.status} ${JSON.stringify(saved.body)}`);
  }
}

export interface Verdict {
  requests: number;
  accepted: number;
  unanswered: number;
  fiveXx: number;
  statuses: Record<string, number>;
  runsCompleted: number;
  /** Answered 2xx, and no completed run: never started (`missing`) or closed otherwise than completed (`failed`). */
  lost: number;
  missing: number;
  failed: number;
  duplicated: number;
  /** Still open when the runs stopped making progress. */
  stuck: number;
  nodesRanTwice: number;
  cronRuns: number;
  lostRunIds: string[];
  drainMs: number;
}

/** How long the runs may make no progress (no run closing) before the open ones count as stuck. */
const NO_PROGRESS_MS = 180_000;

/**
 * Waits until every run of the load's flows has closed (or none has closed for three minutes), then checks: each 2xx
 * answer's run exists once and completed; no request's `n` ran as two runs; no run still open; no node ran two
 * executions of one attempt.
 */
export async function verify(temporal: Client, answers: Answer[], counter: ExecutionCounter): Promise<Verdict> {
  const query = "NectarFlowId IN ('load-async', 'load-sync', 'load-api', 'load-cron', 'load-flaky')";
  const accepted = answers.filter((answer) => answer.status >= 200 && answer.status < 300 && answer.runId);
  const started = Date.now();
  let runs: { id: string; status: string; flowId: string }[];
  let lastOpen = Infinity;
  let lastProgress = Date.now();
  for (;;) {
    runs = [];
    try {
      for await (const workflow of temporal.workflow.list({ query })) {
        runs.push({
          id: workflow.workflowId,
          status: workflow.status.name,
          flowId: String(workflow.searchAttributes?.NectarFlowId ?? ''),
        });
      }
    } catch {
      await sleep(2_000);
      continue;
    }
    const known = new Set(runs.map((run) => run.id));
    const open = runs.filter((run) => run.status === 'RUNNING').length;
    const unknown = accepted.filter((answer) => !known.has(answer.runId!)).length;
    if (open + unknown < lastOpen) {
      lastOpen = open + unknown;
      lastProgress = Date.now();
    }
    if ((open === 0 && unknown === 0) || Date.now() - lastProgress > NO_PROGRESS_MS) break;
    await sleep(5_000);
  }
  const drainMs = Date.now() - started;
  const byId = new Map<string, { status: string }[]>();
  for (const run of runs) byId.set(run.id, [...(byId.get(run.id) ?? []), run]);
  const notCompleted = accepted.filter((answer) => byId.get(answer.runId!)?.[0]?.status !== 'COMPLETED');
  const missing = notCompleted.filter((answer) => !byId.has(answer.runId!)).length;
  const failed = notCompleted.filter(
    (answer) => byId.get(answer.runId!) && byId.get(answer.runId!)![0].status !== 'RUNNING',
  ).length;
  // A request's n seen in two runs' outputs would be a duplicate of that request.
  const byN = new Map<string, number>();
  for (const run of runs.filter((run) => run.status === 'COMPLETED' && run.flowId !== 'load-cron')) {
    try {
      const result = (await temporal.workflow.getHandle(run.id).result()) as { output?: { n?: number } };
      const key = `${run.flowId} ${result.output?.n}`;
      byN.set(key, (byN.get(key) ?? 0) + 1);
    } catch {
      // counted as not completed above
    }
  }
  const duplicatedByN = [...byN.values()].filter((count) => count > 1).reduce((sum, count) => sum + count - 1, 0);
  const duplicatedById = [...byId.values()].filter((list) => list.length > 1).length;
  let nodesRanTwice = 0;
  for (const attempts of counter.executions.values())
    if (new Set(attempts).size !== attempts.length) nodesRanTwice += 1;
  const statuses: Record<string, number> = {};
  for (const answer of answers) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  return {
    requests: answers.length,
    accepted: accepted.length,
    unanswered: answers.filter((answer) => answer.status === 0).length,
    fiveXx: answers.filter((answer) => answer.status >= 500).length,
    statuses,
    runsCompleted: runs.filter((run) => run.status === 'COMPLETED').length,
    lost: missing + failed,
    missing,
    failed,
    duplicated: duplicatedByN + duplicatedById,
    stuck: runs.filter((run) => run.status === 'RUNNING').length,
    nodesRanTwice,
    cronRuns: runs.filter((run) => run.flowId === 'load-cron').length,
    lostRunIds: notCompleted.slice(0, 20).map((answer) => answer.runId!),
    drainMs,
  };
}

/** Resident memory of a process, in MiB (undefined once it is gone). */
export function rssMiB(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return undefined;
  }
}

/** The worker's sandbox processes (its node children). */
export function sandboxPids(workerPid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(workerPid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
  } catch {
    return [];
  }
}

/** A script's `--name value` option as a number. */
export function numberOption(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

/** Waits for the load's answers and runs, checks them, prints the figures; sets a failing exit code when broken. */
export async function verifyAndReport(
  script: string,
  load: LoadRecorder,
  counter: ExecutionCounter,
  temporal: () => Promise<Client>,
  describe: (verdict: Verdict) => { figures: Record<string, unknown>; broken: boolean },
): Promise<void> {
  await load.settled();
  console.log(`[${script}] load over; waiting for every run to close`);
  const client = await temporal();
  const verdict = await verify(client, load.answers, counter);
  await client.connection.close();
  const { figures, broken } = describe(verdict);
  console.log(JSON.stringify(figures, null, 2));
  if (broken) console.error(`${script}: FAILED (see the figures above)`);
  process.exitCode = broken ? 1 : 0;
}

/** Runs a load script on a product started for it, stopping the product (and the counter) however the script ends. */
export function runLoadScript(script: (loaded: Awaited<ReturnType<typeof startLoadProduct>>) => Promise<void>): void {
  const run = async () => {
    const loaded = await startLoadProduct();
    try {
      await script(loaded);
    } finally {
      loaded.counter.stop();
      await loaded.product.stop();
    }
  };
  run().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
