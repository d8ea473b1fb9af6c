/**
 * Workflows for bench/interpreter.bench.ts: the interpreter itself, and the hand-written baselines it is measured
 * against, which call the same runCode activity, with the same options, the same number of times.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { NectarActivities, RunCodeRequest } from '../activities';

export { interpreterWorkflow } from '../workflows';

const options = { startToCloseTimeout: 35_000, heartbeatTimeout: 4_000, retry: { maximumAttempts: 3 } };

function request(flowId: string, nodeId: string, input: unknown, steps: Record<string, unknown>): RunCodeRequest {
  return { v: 1, flowId, flowVersion: 1, nodeId, input, trigger: { type: 'api', payload: input }, steps };
}

/** Calls runCode for each node id in turn, feeding each output to the next. */
export async function handWrittenChain(flowId: string, nodeIds: string[], local = false): Promise<unknown> {
  const { runCode } = local
    ? proxyLocalActivities<NectarActivities>({ startToCloseTimeout: 35_000, retry: { maximumAttempts: 3 } })
    : proxyActivities<NectarActivities>(options);
  let value: unknown = {};
  const steps: Record<string, unknown> = {};
  for (const nodeId of nodeIds) {
    value = (await runCode(request(flowId, nodeId, value, steps))).output;
    steps[nodeId] = value;
  }
  return value;
}

/** Calls runCode for `start`, then for every branch at once, then for `join` with the branches' outputs. */
export async function handWrittenFanOut(flowId: string, branches: string[]): Promise<unknown> {
  const { runCode } = proxyActivities<NectarActivities>(options);
  const first = (await runCode(request(flowId, 'start', {}, {}))).output;
  const outputs = await Promise.all(branches.map((id) => runCode(request(flowId, id, first, { start: first }))));
  const joined: Record<string, unknown> = {};
  branches.forEach((id, i) => (joined[id] = outputs[i].output));
  return (await runCode(request(flowId, 'join', joined, { start: first }))).output;
}
