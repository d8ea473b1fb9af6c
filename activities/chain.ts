/**
 * The fused-chain activity: light code nodes in a row (flow/chains.ts), run one after the other in the sandbox within
 * one local activity, each recorded as `runCode` records it. It stops where an unfused run would stop going on: at a
 * node that failed (the interpreter applies that node's error policy), or whose result does not follow the edge to
 * the next node; and, to keep its one result well under Temporal's payload limit, once the results grow large (the
 * interpreter then starts the rest as a chain of its own). Its nodes reach nothing outside their isolates, so running
 * the whole chain again after a crash is harmless.
 */
import crypto from 'node:crypto';
import { Context } from '@temporalio/activity';
import { continuesTo, stepsAt } from '../flow/chains';
import type { RunChainRequest } from '../flow/chains';
import { indexGraph, resolveInputMapping } from '../flow/graph';
import { inlineLimit, jsonBytes, recordBytes } from '../flow/inline';
import type { CodeNode, FlowDefinition } from '../flow/schema';
import type { ExecutionError } from '../sandbox/contract';
import type { CodeCall, StartedExecution } from './codeRun';
import { COUNTED_BY_CALLER, countExecution, resolveTrigger, runCodeCall, settled, startExecution } from './codeRun';
import type { Settled } from './codeRun';
import { AttemptBatches } from '../store/runJournal';
import { nodeFailure } from './failure';
import type { ActivityDependencies, FlowRef, RunCodeFailureDetails, RunCodeResult } from './index';

interface ChainNodeStart {
  nodeId: string;
  startedAt: string;
}

export type ChainNodeResult =
  | (ChainNodeStart & { ok: true } & RunCodeResult)
  | (ChainNodeStart & { ok: false; error: ExecutionError; details?: RunCodeFailureDetails });

export interface RunChainResult {
  v: 1;
  /** The nodes that ran, in order; the chain's later nodes did not run. */
  nodes: ChainNodeResult[];
}

/** Past this much JSON of results, the chain stops after the node that ran (Temporal warns at 512 KiB a payload). */
const CHAIN_RESULT_BUDGET_BYTES = 256 * 1024;

export interface ChainTools {
  requireDefinition(flowId: string, version: number, draft?: number): Promise<FlowDefinition>;
  envOf(flowId: string): Promise<Record<string, string>>;
}

function chainNodes(definition: FlowDefinition, request: RunChainRequest): CodeNode[] {
  return request.nodeIds.map((nodeId) => {
    const node = definition.nodes.find((candidate) => candidate.id === nodeId);
    if (!node || node.type !== 'code')
      throw nodeFailure('FlowNotFound', `flow ${request.flowId} has no code node "${nodeId}"`);
    return node;
  });
}

/** A value as the next node would read it from the run's history: JSON, `undefined` fields gone. */
function asRecorded(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

export async function runChain(
  deps: ActivityDependencies,
  tools: ChainTools,
  request: RunChainRequest,
): Promise<RunChainResult> {
  const flow: FlowRef = { flowId: request.flowId, version: request.flowVersion, draft: request.draft };
  const definition = await tools.requireDefinition(flow.flowId, flow.version, flow.draft);
  const graph = indexGraph(definition);
  const nodes = chainNodes(definition, request);
  const activity = Context.current();
  const [env, before, headInput, trigger] = await Promise.all([
    tools.envOf(request.flowId),
    deps.outputs.resolve(request.steps) as Promise<Record<string, unknown>>,
    deps.outputs.resolve(request.input),
    resolveTrigger(deps, request.trigger),
  ]);
  // Far from the quota, the chain's nodes are counted together while they run: one write, not one a node.
  const together = (deps.workspace?.canCountAlongside(request.flowId) ?? false) && nodes.length > 1;
  const countedAhead = together ? settled(deps.workspace!.countExecution(request.flowId, nodes.length)) : undefined;
  /** Each chain node's output as the nodes after it read it (references resolved). */
  const produced = new Map<string, unknown>();
  const inlineBytes = new Map(Object.entries(request.inlineBytes));
  const results: ChainNodeResult[] = [];
  // Each node's attempt record is written while the next nodes run, in batches; the chain ends once all are.
  const journalWrites: Promise<unknown>[] = [];
  const attempts = deps.journal && new AttemptBatches(deps.journal);
  let resultBytes = 0;
  // The chain's nodes are one run's, one flow's, one workspace's code: they may share an isolate (a fresh context
  // each), which no other execution ever joins. A chain of one node (an entry chain run with the plan) takes a
  // prepared isolate as an unfused node does: an isolate of its own would be made for it alone.
  const series = nodes.length > 1 ? crypto.randomUUID() : undefined;
  const callFor = (index: number, input: unknown, steps: Record<string, unknown>): CodeCall => ({
    ...request,
    trigger,
    node: nodes[index],
    input,
    steps,
    env,
    inlineLimitBytes: inlineLimit(inlineBytes),
    count: together ? COUNTED_BY_CALLER : countExecution(deps, request.flowId),
    journalWrites,
    attempts,
    execution: request.executions?.[index] ?? 1,
    chain: request.nodeIds[0],
    series,
  });
  // The next node's execution, asked for while this one runs: it takes this one's output in the sandbox.
  let ahead: StartedExecution | undefined;
  try {
    for (const [index, node] of nodes.entries()) {
      let call: CodeCall;
      if (ahead) call = { ...callFor(index, null, {}), requested: ahead };
      else {
        const previous = nodes[index - 1];
        let input = headInput;
        if (previous) {
          input =
            node.input === undefined
              ? (produced.get(previous.id) ?? null)
              : await deps.outputs.resolve(
                  resolveInputMapping(node.input, {
                    trigger,
                    steps: stepsAt(request.started, before, produced),
                  }),
                );
        }
        call = callFor(index, input, stepsAt(request.started, before, produced, node.id));
        // Counted together, a node runs whatever the quota says until the chain ends: it can be asked for now.
        if (together) call.requested = startExecution(deps, activity, call);
      }
      ahead = undefined;
      const next = nodes[index + 1];
      // Asked for ahead only where the sandbox can hand it everything it reads: this node's output as its input, in
      // the steps at this node's place (a node run before, in a loop, could leave an earlier output there).
      if (call.requested && next && next.input === undefined && !(node.id in before)) {
        const placeholder = new Map(produced).set(node.id, null);
        ahead = startExecution(
          deps,
          activity,
          callFor(index + 1, null, stepsAt(request.started, before, placeholder, next.id)),
          { nodeId: node.id, asInput: true },
        );
      }
      const startedAt = new Date().toISOString();
      const run = await runCodeCall(deps, activity, call);
      if (!run.ok) {
        results.push({ nodeId: node.id, startedAt, ok: false, error: run.error, details: run.details });
        break;
      }
      const { output } = run.result;
      results.push({ nodeId: node.id, startedAt, ok: true, ...run.result });
      inlineBytes.set(node.id, recordBytes({ output, logs: run.result.logs }));
      const value = asRecorded(await deps.outputs.resolve(output));
      if (value !== undefined) produced.set(node.id, value);
      resultBytes += jsonBytes(results[results.length - 1]);
      if (!next || !continuesTo(graph, node.id, output, next.id) || resultBytes > CHAIN_RESULT_BUDGET_BYTES) break;
    }
  } catch (error) {
    // The activity failed and runs again: its nodes are counted when it succeeds, not now.
    const counted = await countedAhead;
    if (counted?.ok && counted.value === undefined) {
      await deps.workspace!.uncountExecutions(request.flowId, nodes.length).catch(() => undefined);
    }
    throw error;
  } finally {
    // The chain ended before the node asked for ahead (a failure, its routing, the result budget): it is not run.
    ahead?.abandon();
    if (series !== undefined) deps.sandbox.endSeries(series);
    attempts?.finish();
  }
  const [counted] = await Promise.all([
    countedAhead ? countTogether(deps, request.flowId, results, nodes.length, countedAhead) : results,
    Promise.all(journalWrites),
  ]);
  return { v: 1, nodes: counted };
}

/**
 * Settles the count of the chain's nodes, counted all at once as the chain started: the nodes that did not run (it
 * ended early) are given back. Refused only in a race at the quota's edge: then the nodes that ran are counted one by
 * one, as unfused runs count them, and the chain ends at the first node refused, with its error.
 */
async function countTogether(
  deps: ActivityDependencies,
  flowId: string,
  results: ChainNodeResult[],
  countedNodes: number,
  countedAhead: Settled<string | undefined>,
): Promise<ChainNodeResult[]> {
  const workspace = deps.workspace!;
  const counted = await countedAhead;
  if (!counted.ok) throw counted.error;
  if (counted.value === undefined) {
    if (results.length < countedNodes) await workspace.uncountExecutions(flowId, countedNodes - results.length);
    return results;
  }
  for (const [index, { nodeId, startedAt }] of results.entries()) {
    const refusal = await workspace.countExecution(flowId);
    if (refusal !== undefined) {
      const error = { type: 'QuotaExceeded' as const, name: 'QuotaExceeded', message: refusal };
      return [...results.slice(0, index), { nodeId, startedAt, ok: false, error }];
    }
  }
  return results;
}
