/**
 * The fuzz suite, a bounded number of cases per `npm test` (more, and a chosen seed: `npm run fuzz -- --cases N
 * --seed S`). Any failure prints fast-check's counterexample and seed, which `npm run fuzz -- --seed S` replays.
 */
import { FUZZ_BODY_LIMIT, fuzz, prepareFuzzTarget } from '../support/fuzz';
import { Product, startProduct } from '../support/product';

const CASES = Number(process.env.NECTAR_FUZZ_CASES ?? 3000);

let product: Product;

beforeAll(async () => {
  product = await startProduct({
    env: { NECTAR_WEBHOOK_BODY_LIMIT: `${FUZZ_BODY_LIMIT}b`, NECTAR_UPLOAD_LIMIT: `${FUZZ_BODY_LIMIT}b` },
  });
  await prepareFuzzTarget({
    baseUrl: product.baseUrl,
    adminKey: product.adminKey,
    gatewayPid: () => product.pidOf('gateway'),
  });
});

afterAll(async () => {
  await product?.stop();
});

test(`${CASES} random requests over the HTTP surface: no 5xx, no dropped connection, every error named, the gateway unchanged and healthy`, async () => {
  const figures = await fuzz(
    { baseUrl: product.baseUrl, adminKey: product.adminKey, gatewayPid: () => product.pidOf('gateway') },
    { cases: CASES },
  );
  expect(figures.cases).toBe(CASES);
  console.log(
    `fuzz: ${figures.cases} cases in ${figures.ms} ms, seed ${figures.seed}, answers ${JSON.stringify(figures.byStatus)}, by surface ${JSON.stringify(figures.bySurface)}`,
  );
}, 600_000);
