/**
 * `npm run fuzz -- [--cases N] [--seed S]`: starts the product on free ports (as the tests do), fuzzes its HTTP surface
 * for N cases (default 10,000), prints the figures, and exits non-zero with fast-check's counterexample on a failure.
 */
import { FUZZ_BODY_LIMIT, fuzz, prepareFuzzTarget } from '../test/support/fuzz';
import { startProduct } from '../test/support/product';

function option(name: string): number | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : Number(process.argv[at + 1]);
}

async function main(): Promise<void> {
  const cases = option('cases') ?? 10_000;
  const seed = option('seed');
  const product = await startProduct({
    env: { NECTAR_WEBHOOK_BODY_LIMIT: `${FUZZ_BODY_LIMIT}b`, NECTAR_UPLOAD_LIMIT: `${FUZZ_BODY_LIMIT}b` },
  });
  const target = { baseUrl: product.baseUrl, adminKey: product.adminKey, gatewayPid: () => product.pidOf('gateway') };
  let failed = false;
  try {
    await prepareFuzzTarget(target);
    const started = Date.now();
    const figures = await fuzz(target, {
      cases,
      seed,
      healthEvery: 500,
      onProgress: (done) => {
        if (done % 5_000 === 0) console.log(`${done} cases, ${Math.round((Date.now() - started) / 1000)} s`);
      },
    });
    console.log(
      JSON.stringify({ result: 'passed', ...figures, gatewayPid: target.gatewayPid(), dataDir: product.dataDir }),
    );
  } catch (error) {
    failed = true;
    console.error(`fuzz: FAILED\n${(error as Error).message}`);
  } finally {
    await product.stop();
  }
  process.exit(failed ? 1 : 0);
}

void main();
