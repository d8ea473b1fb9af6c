/**
 * The sandbox's start-to-result time and throughput, against bare isolated-vm measured in the same run: a new
 * isolate and context, compile, run a trivial function, dispose — what every execution would cost without the pool.
 */
import os from 'node:os';
import ivm from 'isolated-vm';
import { analyzeCode } from '../flow/code';
import { DEFAULT_LIMITS, ExecutionRequest, Executor } from '../sandbox/contract';
import { Execution } from '../sandbox/execution';
import { planLibraries } from '../sandbox/libraries';
import { InProcessExecutor } from '../sandbox/inProcess';
import { libraryCodeCache, prepareIsolate } from '../sandbox/prepare';
import { SANDBOX_PROCESS_PATH, SandboxSupervisor } from '../sandbox/supervisor';

const TRIVIAL = 'const f = (input) => ({ y: input.x + 1 });';
const MOMENT_TZ = "const f = (input) => ({ at: moment().tz('America/New_York').format() });";
const CRYPTO_SHA256 = "const f = (input) => ({ hash: crypto.SHA256('sensitive-data').toString() });";
const EVERY_LIBRARY =
  "const f = (input) => ({ at: moment().tz('America/New_York').format(), hash: crypto.SHA256('x').toString(), aes: CryptoJS.AES.encrypt('a', 'b').toString() });";

const SAMPLES = 200;
const THROUGHPUT_MS = 4_000;
const CONCURRENCY = 4;

const context: ExecutionRequest['context'] = {
  trigger: { type: 'bench', payload: null },
  workflowContext: {},
  steps: {},
  env: {},
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(label: string, times: number[]): { p50: number; p99: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  console.log(
    `${label.padEnd(46)} p50 ${p50.toFixed(2).padStart(7)} ms   p99 ${p99.toFixed(2).padStart(7)} ms   (n=${times.length})`,
  );
  return { p50, p99 };
}

async function bareCycle(): Promise<void> {
  const isolate = new ivm.Isolate({ memoryLimit: DEFAULT_LIMITS.memoryMb });
  try {
    const context = await isolate.createContext();
    const script = await isolate.compileScript(`${TRIVIAL}\nJSON.stringify(f({ x: 1 }));`);
    const result: unknown = await script.run(context, { timeout: 1_000 });
    if (result !== '{"y":2}') throw new Error(`bare baseline answered ${String(result)}`);
  } finally {
    isolate.dispose();
  }
}

/** The executor measured: in this process first, then in sandbox processes. */
let executor: Executor;

async function execute(code: string): Promise<void> {
  const outcome = await executor.execute({ nodeId: 'bench', code, input: { x: 1 }, context });
  if (!outcome.ok) throw new Error(`${outcome.error.type}: ${outcome.error.message}`);
}

/** A cold execution: the isolate is prepared on the spot, as when the pool has nothing ready. */
async function executeCold(code: string): Promise<void> {
  const analysis = analyzeCode(code);
  if (!analysis.ok) throw new Error('bench code does not validate');
  const requestedAt = performance.now();
  const prepared = await prepareIsolate({ memoryMb: DEFAULT_LIMITS.memoryMb, libraries: planLibraries(analysis) });
  const outcome = await new Execution({
    request: { nodeId: 'bench', code, input: { x: 1 }, context },
    entry: analysis.entry,
    limits: DEFAULT_LIMITS,
    prepared,
    requestedAt,
  }).run();
  if (!outcome.ok) throw new Error(`${outcome.error.type}: ${outcome.error.message}`);
}

async function timeEach(samples: number, once: () => Promise<void>, pauseMs = 0): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
    // A pause lets the pool refill, as between requests on a worker that is not saturated.
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return times;
}

async function throughput(once: () => Promise<void>): Promise<number> {
  let done = 0;
  const until = performance.now() + THROUGHPUT_MS;
  const lane = async () => {
    while (performance.now() < until) {
      await once();
      done += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return done / ((performance.now() - started) / 1000);
}

const CASES = [
  ['trivial function', TRIVIAL],
  ["moment().tz('America/New_York')", MOMENT_TZ],
  ["crypto.SHA256('…')", CRYPTO_SHA256],
] as const;

/** Start-to-result of each case from a warm pool, and executions per second, against the bare figures. */
async function measureMode(bare: { p50: number }): Promise<void> {
  // Warm-up: JIT, the code caches, and one pool kind per case.
  for (const [, code] of CASES) await timeEach(20, () => execute(code), 20);
  for (const [label, code] of CASES) {
    const figures = summary(
      `${label}, warm pool`,
      await timeEach(SAMPLES, () => execute(code), code === TRIVIAL ? 10 : 20),
    );
    console.log(`${''.padEnd(46)} p50 ${(figures.p50 / bare.p50).toFixed(2)}x bare`);
  }
  summary('trivial function, back to back (pool drained)', await timeEach(SAMPLES, () => execute(TRIVIAL)));
  // Measured again just before, so both figures see the same load on the machine.
  const bareRate = await throughput(bareCycle);
  console.log(`${`bare isolated-vm, ${CONCURRENCY} in flight`.padEnd(46)} ${bareRate.toFixed(0).padStart(6)} /s`);
  for (const [label, code] of CASES) {
    const rate = await throughput(() => execute(code));
    console.log(
      `${`${label}, ${CONCURRENCY} in flight`.padEnd(46)} ${rate.toFixed(0).padStart(6)} /s   (${((rate / bareRate) * 100).toFixed(0)}% of bare)`,
    );
  }
}

export async function run(): Promise<void> {
  executor = new InProcessExecutor();
  await libraryCodeCache();
  await timeEach(20, bareCycle);
  console.log('baseline, bare isolated-vm in this process (new isolate, context, compile, run, dispose):');
  const bare = summary('bare isolated-vm, one at a time', await timeEach(SAMPLES, bareCycle, 10));

  console.log('\nisolates in this process (pool, one isolate per execution):');
  await measureMode(bare);
  summary('trivial function, cold (no pool)', await timeEach(50, () => executeCold(TRIVIAL)));
  const cold = summary('every library, cold (no pool)', await timeEach(50, () => executeCold(EVERY_LIBRARY)));
  console.log(`every library cold p50 ${cold.p50.toFixed(1)} ms, p99 ${cold.p99.toFixed(1)} ms (target < 100 ms)`);

  executor.close();
  const processes = Math.min(2, os.availableParallelism());
  executor = new SandboxSupervisor({ childPath: SANDBOX_PROCESS_PATH, processes, graceMs: 2_000 });
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  console.log(`\nas the worker runs them: ${processes} supervised sandbox processes (adds the IPC round trip):`);
  await measureMode(bare);
  executor.close();
}
