import { NODE_LIMITS } from '../flow/limits';
import type { CodeNode, FlowDefinition } from '../flow/schema';
import { checkDefinition } from '../flow/validate';
import { FlowExistsError, type FlowStore } from '../store/flows';
import type { StepTestAnswer } from './answers';
import { HttpError, placedProblems, type Problem } from './errors';
import { type FlowService, limitProblems } from './flowService';
import type { RunService } from './runService';

/** How long past the node's own time limit a step test waits for its run before answering 202 with the run id. */
const WAIT_MARGIN_MS = 30_000;
/** The trigger source of a step test's run, as `api-test` is a draft run's. */
const STEP_TEST_SOURCE = 'api-step-test';

/**
 * The one-node flow a step test runs: the node with its input given directly, so its input mapping (which names nodes
 * the one-node flow lacks), its error routing and its retries are left out: one attempt, its error answered.
 */
export function stepTestDefinition(flowId: string, node: CodeNode): FlowDefinition {
  const { input: _mapping, onError: _onError, retry: _retry, ...tested } = node;
  return { id: flowId, name: `step test of ${node.id}`, nodes: [tested], edges: [] };
}

/** A problem of the one-node flow, placed in the request body (`nodes[0].code` → `body.node.code`). */
function inBody(problem: Problem): Problem {
  return { ...problem, path: problem.path.replace(/^nodes\[0\]/, 'body.node') };
}

/**
 * Runs one code node with a given input, unpublished: the interpreter workflow on a one-node definition kept as a
 * draft revision that never becomes the flow's draft, so the run is a real Temporal run (visible in the Web UI,
 * counted against the quota, pinned to what it ran) and the draft the user edits is untouched.
 */
export class StepTests {
  constructor(
    private readonly flows: FlowStore,
    private readonly service: FlowService,
    private readonly runs: RunService,
    /** Replaces stored-output references in a node's output with the values (outputs over the inline threshold). */
    private readonly resolveOutput: (value: unknown) => Promise<unknown> = async (value) => value,
  ) {}

  async run(flowId: string, node: CodeNode, input: unknown, workspace: string): Promise<StepTestAnswer> {
    const definition = stepTestDefinition(flowId, node);
    const check = checkDefinition(definition);
    if (!check.ok)
      throw new HttpError(400, 'invalid_node', 'the node has problems', placedProblems(check.problems).map(inBody));
    const above = limitProblems(definition, await this.service.planLimits(workspace)).map(inBody);
    if (above.length > 0)
      throw new HttpError(400, 'above_plan_limits', `the node asks for more than the workspace's plan allows`, above);
    await this.runs.assertQuota(workspace);
    let revision: number;
    try {
      revision = (await this.flows.drafts.saveDetached(check.definition, workspace)).revision;
    } catch (error) {
      if (error instanceof FlowExistsError) throw new HttpError(409, 'flow_exists', error.message);
      throw error;
    }
    const trigger = { type: 'api' as const, source: STEP_TEST_SOURCE, payload: input ?? null };
    const runId = await this.runs.start(flowId, 0, trigger, {
      workspace,
      draft: revision,
      quotaChecked: true,
      awaited: true,
    });
    await this.runs.waitForClose(runId, (node.timeoutMs ?? NODE_LIMITS.timeoutMs.default) + WAIT_MARGIN_MS);
    const run = await this.runs.read(runId, workspace);
    if (run.status === 'running' || run.status === 'pending') return { runId, status: 'running' };
    const record = run.nodes.find((candidate) => candidate.id === node.id);
    return {
      runId,
      status: run.status === 'completed' && record?.status === 'succeeded' ? 'succeeded' : 'failed',
      output: record?.output === undefined ? null : await this.resolveOutput(record.output),
      error: record?.error ?? run.error ?? null,
      logs: record?.logs ?? [],
      durationMs: record?.durationMs ?? null,
      memoryBytes: record?.memoryBytes ?? null,
    };
  }
}
