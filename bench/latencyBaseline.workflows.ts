/**
 * Workflows for bench/latency.bench.ts: the hand-written run a one-node sync webhook is measured against (one local
 * activity calling the same runCode activity), and the floor (a workflow that does nothing).
 */
export { handWrittenChain } from './interpreterBaseline.workflows';

export async function bareWorkflow(): Promise<null> {
  return null;
}
