/**
 * What the fault and soak scripts share: a product started as `npm start` does, flows whose regular-activity nodes
 * report every execution to a counter here, a mixed load of async and sync webhooks and API runs whose answers are
 * recorded, and the check afterwards that every request answered 2xx became exactly one completed run.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
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
  kind: Kind;
  n: number;
  /** The last answer's status (0: no answer), after any retries. */
  status: number;
  runId?: string;
  /** Sent with an Idempotency-Key: retried on 503 and on a cut connection, as a careful client does. */
  keyed: boolean;
  /** Every status answered on the way, retries included (a 503 retried into a 202 is here, not in `status`). */
  statuses: number[];
}

type Kind = 'async' | 'sync' | 'api' | 'flaky';

/** The flow each kind of request starts. */
const FLOW_OF: Record<Kind, string> = {
  async: 'load-async',
  sync: 'load-sync',
  api: 'load-api',
  flaky: 'load-flaky',
};

/** How long a keyed request keeps retrying (503 with Retry-After, or no answer) before it counts as unanswered. */
const RETRY_FOR_MS = 300_000;

/** Sends requests and records every answer (0: no answer). */
export class LoadRecorder {
  readonly answers: Answer[] = [];
  private n = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Keeps keys apart from an earlier run of the script against the same data. */
  private readonly session = crypto.randomUUID();

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

  private async once(
    path: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<Omit<Answer, 'kind' | 'n' | 'keyed' | 'statuses'> & { retryAfter?: number }> {
    try {
      const response = await fetch(`${this.product.baseUrl}${path}`, {
        method: 'POST',
        headers,
        body,
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
      const retryAfter = Number(response.headers.get('retry-after'));
      return { status: response.status, runId, retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined };
    } catch {
      return { status: 0 };
    }
  }

  /**
   * Sends one request. A keyed one (Idempotency-Key) is retried with the same key on 503 (after its Retry-After) and
   * when no answer came, until it has one or RETRY_FOR_MS pass: the key makes every retry answer the first run.
   */
  private async send(
    kind: Kind,
    path: string,
    body: (n: number) => unknown,
    auth: boolean,
    keyed: boolean,
  ): Promise<void> {
    const n = (this.n += 1);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth) headers.authorization = `Bearer ${this.product.adminKey}`;
    if (keyed) headers['idempotency-key'] = `load-${this.session}-${n}`;
    const text = JSON.stringify(body(n));
    const statuses: number[] = [];
    const started = Date.now();
    for (;;) {
      const answer = await this.once(path, text, headers);
      statuses.push(answer.status);
      const retry = keyed && (answer.status === 503 || answer.status === 0) && Date.now() - started < RETRY_FOR_MS;
      if (!retry) {
        this.answers.push({ kind, n, status: answer.status, runId: answer.runId, keyed, statuses });
        return;
      }
      await sleep(Math.min(30, answer.retryAfter ?? 2) * 1000);
    }
  }

  asyncWebhook = () => this.send('async', '/hooks/load-async', (n: number) => ({ n }), false, false);
  syncWebhook = () => this.send('sync', '/hooks/load-sync', (n: number) => ({ n }), false, true);
  apiRun = () => this.send('api', '/api/flows/load-api/runs', (n: number) => ({ input: { n } }), true, true);
  flakyRun = () => this.send('flaky', '/api/flows/load-flaky/runs', (n: number) => ({ input: { n } }), true, true);
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
  /** No answer, even after retrying (a keyed request) — an unkeyed one cut by a killed gateway is not retried. */
  unanswered: number;
  /** Answers whose last status was 5xx (after any retries). */
  fiveXx: number;
  /** Every 5xx answered on the way, retried ones included. */
  fiveXxSeen: number;
  /** Requests that met a 503 and were retried with their Idempotency-Key. */
  retried: number;
  statuses: Record<string, number>;
  /** Every status answered, retries included. */
  statusesSeen: Record<string, number>;
  requestsByKind: Record<string, number>;
  runsCompleted: number;
  /** Runs of the load's flows other than the schedule's: must be `accepted`, plus `runsOfCutRequests`. */
  runsStarted: number;
  /** Answered 2xx, and no completed run: never started (`missing`) or closed otherwise than completed (`failed`). */
  lost: number;
  missing: number;
  failed: number;
  duplicated: number;
  /** Runs of requests left without an answer (an unkeyed delivery journaled just before its gateway was killed). */
  runsOfCutRequests: number;
  /** Runs that no 2xx answer and no unanswered request explains (a start answered 5xx that left a run behind). */
  unexplained: number;
  /** Still open when the runs stopped making progress. */
  stuck: number;
  nodesRanTwice: number;
  cronRuns: number;
  lostRunIds: string[];
  unexplainedRuns: { runId: string; flowId: string; n?: number }[];
  drainMs: number;
}

/** How long the runs may make no progress (no run closing) before the open ones count as stuck. */
const NO_PROGRESS_MS = 180_000;

function tally(values: number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/**
 * Waits until every run of the load's flows has closed (or none has closed for three minutes), then checks: each 2xx
 * answer's run exists once and completed; no request's `n` ran as two runs; no run that no request explains; no run
 * still open; no node ran two executions of one attempt.
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
  // Each run's request, by the n its output carries: a request's n seen in two runs would be a duplicate of it.
  const requestRuns = runs.filter((run) => run.flowId !== 'load-cron');
  const nOf = new Map<string, number | undefined>();
  const byN = new Map<string, number>();
  for (const run of requestRuns.filter((run) => run.status === 'COMPLETED')) {
    try {
      const result = (await temporal.workflow.getHandle(run.id).result()) as { output?: { n?: number } };
      nOf.set(run.id, result.output?.n);
      const key = `${run.flowId} ${result.output?.n}`;
      byN.set(key, (byN.get(key) ?? 0) + 1);
    } catch {
      // counted as not completed above
    }
  }
  const duplicatedByN = [...byN.values()].filter((count) => count > 1).reduce((sum, count) => sum + count - 1, 0);
  const duplicatedById = [...byId.values()].filter((list) => list.length > 1).length;
  const acceptedIds = new Set(accepted.map((answer) => answer.runId!));
  const cut = new Set(
    answers.filter((answer) => answer.status === 0).map((answer) => `${FLOW_OF[answer.kind]} ${answer.n}`),
  );
  const unaccounted = requestRuns.filter((run) => !acceptedIds.has(run.id));
  const ofCutRequests = unaccounted.filter((run) => cut.has(`${run.flowId} ${nOf.get(run.id)}`));
  const unexplained = unaccounted.filter((run) => !cut.has(`${run.flowId} ${nOf.get(run.id)}`));
  let nodesRanTwice = 0;
  for (const attempts of counter.executions.values())
    if (new Set(attempts).size !== attempts.length) nodesRanTwice += 1;
  const seen = answers.flatMap((answer) => answer.statuses);
  return {
    requests: answers.length,
    accepted: accepted.length,
    unanswered: answers.filter((answer) => answer.status === 0).length,
    fiveXx: answers.filter((answer) => answer.status >= 500).length,
    fiveXxSeen: seen.filter((status) => status >= 500).length,
    retried: answers.filter((answer) => answer.statuses.length > 1).length,
    statuses: tally(answers.map((answer) => answer.status)),
    statusesSeen: tally(seen),
    requestsByKind: Object.fromEntries(
      Object.keys(FLOW_OF).map((kind) => [kind, answers.filter((answer) => answer.kind === kind).length]),
    ),
    runsCompleted: runs.filter((run) => run.status === 'COMPLETED').length,
    runsStarted: requestRuns.length,
    lost: missing + failed,
    missing,
    failed,
    duplicated: duplicatedByN + duplicatedById,
    runsOfCutRequests: ofCutRequests.length,
    unexplained: unexplained.length,
    stuck: runs.filter((run) => run.status === 'RUNNING').length,
    nodesRanTwice,
    cronRuns: runs.filter((run) => run.flowId === 'load-cron').length,
    lostRunIds: notCompleted.slice(0, 20).map((answer) => answer.runId!),
    unexplainedRuns: unexplained.slice(0, 20).map((run) => ({ runId: run.id, flowId: run.flowId, n: nOf.get(run.id) })),
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

/**
 * Where the worker's memory is, from its Prometheus endpoint (the URL its log printed last): the V8 heap in use, the
 * memory V8 holds outside it (buffers), and how many workflow runs the SDK keeps cached. Undefined fields when the
 * endpoint does not answer.
 */
export async function workerMemoryDetail(
  dataDir: string,
): Promise<{ heapUsed?: number; external?: number; cachedWorkflows?: number }> {
  try {
    const log = fs.readFileSync(`${dataDir}/logs/worker.log`, 'utf8');
    const url = [...log.matchAll(/Prometheus metrics at (\S+)/g)].pop()?.[1];
    if (!url) return {};
    const text = await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).text();
    const value = (name: string) => {
      const line = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
      return line ? Number(line[1]) : undefined;
    };
    const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : Math.round(bytes / 104857.6) / 10);
    return {
      heapUsed: mib(value('nectar_worker_nodejs_heap_size_used_bytes')),
      external: mib(value('nectar_worker_nodejs_external_memory_bytes')),
      cachedWorkflows: value('(?:temporal_)?sticky_cache_size'),
    };
  } catch {
    return {};
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
  describe: (
    verdict: Verdict,
  ) =>
    | { figures: Record<string, unknown>; broken: boolean }
    | Promise<{ figures: Record<string, unknown>; broken: boolean }>,
): Promise<void> {
  await load.settled();
  console.log(`[${script}] load over; waiting for every run to close`);
  const client = await temporal();
  const verdict = await verify(client, load.answers, counter);
  await client.connection.close();
  const { figures, broken } = await describe(verdict);
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
