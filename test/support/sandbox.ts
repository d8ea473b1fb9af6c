/** What the sandbox's unit tests share: the compiled sandbox process (`npm run build` first) and a plain API context. */
import path from 'node:path';
import type { ExecutionRequest } from '../../sandbox/contract';

export const SANDBOX_CHILD_PATH = path.join(__dirname, '..', '..', 'dist', 'sandbox', 'child.js');

export const API_CONTEXT: ExecutionRequest['context'] = {
  trigger: { type: 'api', payload: null },
  workflowContext: {},
  steps: {},
  env: {},
};
