/**
 * The product spec's code samples that need no network service, run exactly as the spec writes them. (The samples
 * that call axios, nodemailer or MongoDB are run against local servers by the bridge tests.)
 */
import type { ExecutionOutcome, ExecutionRequest } from '../../sandbox/contract';
import { InProcessExecutor } from '../../sandbox/inProcess';
import { APPROVAL_LOGIC } from '../support/seedSamples';

const sandbox = new InProcessExecutor();

const context: ExecutionRequest['context'] = {
  trigger: { type: 'webhook', source: 'signup-form', payload: {} },
  workflowContext: {
    workflowId: 'run-seed-1',
    runId: 'r-1',
    nodeId: 'node-1',
    flowId: 'seed',
    flowVersion: 1,
    attempt: 1,
  },
  steps: {},
  env: { EMAIL_USER: 'team@example.test' },
};

function run(code: string, input: unknown): Promise<ExecutionOutcome> {
  return sandbox.execute({ nodeId: 'seed', code, input, context });
}

afterAll(() => sandbox.close());

const PROCESS_USER_DATA = `// Transform and validate incoming data
const processUserData = (input, context) => {
  const user = input.userData;

  // Validate required fields
  if (!user.email || !user.name) {
    throw new Error('Missing required fields');
  }

  // Transform data
  const result = {
    email: user.email.toLowerCase(),
    name: user.name.trim(),
    createdAt: new Date().toISOString(),
    source: context.trigger.source || 'api'
  };

  return result;
};`;

describe('seed samples', () => {
  it('processUserData transforms a user', async () => {
    const outcome = await run(PROCESS_USER_DATA, { userData: { email: 'Ada@Example.COM', name: '  Ada Lovelace ' } });
    expect(outcome).toMatchObject({
      ok: true,
      output: { email: 'ada@example.com', name: 'Ada Lovelace', source: 'signup-form' },
    });
  });

  it('processUserData rejects a user without an email, with its message and line', async () => {
    const outcome = await run(PROCESS_USER_DATA, { userData: { name: 'Ada' } });
    expect(outcome).toMatchObject({
      ok: false,
      error: { type: 'CodeError', name: 'Error', message: 'Missing required fields' },
    });
    expect(!outcome.ok && outcome.error.stack).toContain('seed.js:7:');
  });

  it.each([
    [20000, 'executive-approval'],
    [5000, 'manager-approval'],
    [50, 'auto-approve'],
  ])('approvalLogic routes %d to %s', async (purchaseAmount, nextPath) => {
    expect(await run(APPROVAL_LOGIC, { purchaseAmount, requestingUser: 'u1' })).toMatchObject({
      ok: true,
      output: { nextPath },
    });
  });

  it('the pre-loaded libraries sample lines for moment and crypto', async () => {
    const code = `
// Date/time manipulation
const timestamp = moment().tz('America/New_York').format();

// Secure cryptographic operations
const hash = crypto.SHA256('sensitive-data').toString();
return { timestamp, hash };`;
    const outcome = await run(code, {});
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const CryptoJS = require('crypto-js') as typeof import('crypto-js');
    expect(outcome).toMatchObject({ ok: true, output: { hash: CryptoJS.SHA256('sensitive-data').toString() } });
    expect(outcome.ok && (outcome.output as { timestamp: string }).timestamp).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00$/,
    );
  });

  it('the "allowed and safe" lines run', async () => {
    const code = `
const data = JSON.stringify(input);
const fn = () => console.log('timer fired');
// ✅ Allowed and safe
console.log('Hello');    // Safe logging
JSON.parse(data);        // JSON operations
setTimeout(fn, 1000);    // Time operations (with limits)
await new Promise((resolve) => setTimeout(resolve, 1100));
return 'ok';`;
    const outcome = await run(code, { a: 1 });
    expect(outcome).toMatchObject({ ok: true, output: 'ok' });
    expect(outcome.logs.map((entry) => entry.args)).toEqual([['Hello'], ['timer fired']]);
  });

  it('the "blocked for security" lines are each refused at validation, with their line', async () => {
    const code = `const f = (input, context) => {
// ❌ Blocked for security
require('fs');           // No file system access
eval('malicious code');  // No code evaluation
process.exit(1);         // No process manipulation
global.sensitive = {};   // No global scope pollution
};`;
    const outcome = await run(code, {});
    expect(outcome).toMatchObject({ ok: false, error: { type: 'ValidationError' } });
    const message = !outcome.ok ? outcome.error.message : '';
    for (const expected of [
      'no-require, line 3',
      'no-fs, line 3',
      'no-eval, line 4',
      'no-process, line 5',
      'no-global, line 6',
    ]) {
      expect(message).toContain(expected);
    }
  });
});
