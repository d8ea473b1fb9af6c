/**
 * What the run debugger reads beyond the run view: one node's attempts, one node's input or output on demand (stored
 * references resolved, arrays paged), the inputs of a run for "debug in editor", and the seeds of a rerun from a node.
 */
import type { NodeRecord, RunState } from '../flow/contracts';
import { indexGraph, nodeInput } from '../flow/graph';
import { loopedNodes, RerunSeed, upstreamNodes } from '../flow/rerun';
import type { RunRequest } from '../flow/run';
import type { FlowDefinition } from '../flow/schema';
import type { FlowStore } from '../store/flows';
import type { AttemptRecord, RunJournal } from '../store/runJournal';
import { HttpError, notFound } from './errors';
import type {
  AttemptAnswer,
  NodeDataAnswer,
  NodeDetailAnswer,
  NodeViewAnswer,
  RunAttemptsAnswer,
  RunInputsAnswer,
} from './runAnswers';
import type { RunAttemptsQuery } from './schemas';
import type { RunList } from './runList';
import { PendingAttempt, pendingAttempts, RunDebugView, RunService } from './runService';

/** A run's input and each node's, resolved up to this size each for pinning as test data; larger stay references. */
const PINNED_INPUT_MAX_BYTES = 1024 * 1024;

export interface NodeValueQuery {
  which: 'output' | 'input';
  path?: string;
  offset: number;
  limit: number;
}

export interface RunDebugDependencies {
  runs: RunService;
  list: Pick<RunList, 'startRequest'>;
  flows: FlowStore;
  journal: Pick<RunJournal, 'attemptsOf' | 'attemptsPage'>;
  /** Replaces stored references inside a value with what they point at. */
  resolve(value: unknown): Promise<unknown>;
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null));

const LIVE_STATES = new Set(['running', 'retrying', 'queued']);

/** An attempt record as the API answers it: without the run id and the input (asked for on its own). */
function attemptView({ runId: _runId, input: _input, ...attempt }: AttemptRecord): AttemptAnswer {
  return attempt;
}

/** The attempt Temporal runs now (or has queued) for a node, which the journal records only once it ends. */
function runningAttempt(node: NodeViewAnswer, live: PendingAttempt): AttemptAnswer {
  const queueWaitMs =
    live.scheduledAt && live.startedAt ? Date.parse(live.startedAt) - Date.parse(live.scheduledAt) : undefined;
  return {
    nodeId: node.id,
    execution: node.runs ?? 1,
    attempt: live.attempt,
    status: 'running',
    ...(live.scheduledAt ? { scheduledAt: live.scheduledAt } : {}),
    startedAt: live.started ? (live.startedAt ?? node.startedAt ?? '') : '',
    ...(live.started && queueWaitMs !== undefined ? { queueWaitMs: Math.max(0, queueWaitMs) } : {}),
    ...(live.lastFailure ? { lastFailure: live.lastFailure } : {}),
  };
}

/** Adds the attempts running now of `nodes` (those `recorded` does not hold yet). */
function withRunningAttempts(
  recorded: AttemptAnswer[],
  nodes: NodeViewAnswer[],
  pending: Map<string, PendingAttempt>,
): AttemptAnswer[] {
  const attempts = [...recorded];
  for (const node of nodes) {
    const live = pending.get(node.id);
    if (!live || !LIVE_STATES.has(node.state)) continue;
    const execution = node.runs ?? 1;
    if (!attempts.some((a) => a.nodeId === node.id && a.execution === execution && a.attempt === live.attempt))
      attempts.push(runningAttempt(node, live));
  }
  return attempts;
}

/** Reads a dotted path (array items by index); undefined when it leads nowhere. */
function select(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  let selected: unknown = value;
  for (const part of path.split('.')) {
    if (selected === null || typeof selected !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(selected, part)) return undefined;
    selected = (selected as Record<string, unknown>)[part];
  }
  return selected;
}

export class RunDebug {
  constructor(private readonly deps: RunDebugDependencies) {}

  private async nodeOf(
    runId: string,
    workspace: string,
    nodeId: string,
  ): Promise<{ run: RunDebugView; node: NodeViewAnswer }> {
    const run = await this.deps.runs.read(runId, workspace);
    const node = run.nodes.find((candidate) => candidate.id === nodeId);
    if (!node) throw notFound(`node "${nodeId}" in run "${runId}"`);
    return { run, node };
  }

  /** One node's view and every attempt of it (recorded ones, then the one running now). */
  async node(runId: string, workspace: string, nodeId: string): Promise<NodeDetailAnswer> {
    const { node } = await this.nodeOf(runId, workspace, nodeId);
    const recorded = (await this.deps.journal.attemptsOf(runId, nodeId)).map(attemptView);
    if (!LIVE_STATES.has(node.state)) return { node, attempts: recorded };
    const pending = pendingAttempts(await this.deps.runs.describe(runId, workspace));
    return { node, attempts: withRunningAttempts(recorded, [node], pending) };
  }

  /**
   * Every node's attempts, a page at a time (by node, in the order nodes first started, then execution and attempt);
   * the last page adds the attempts running now.
   */
  async attempts(runId: string, workspace: string, query: RunAttemptsQuery): Promise<RunAttemptsAnswer> {
    const run = await this.deps.runs.read(runId, workspace);
    const after = query.pageToken === undefined ? undefined : Buffer.from(query.pageToken, 'base64url').toString();
    const page = await this.deps.journal.attemptsPage(runId, after, query.pageSize);
    let attempts = page.attempts.map(attemptView);
    if (page.last === undefined && run.nodes.some((node) => LIVE_STATES.has(node.state))) {
      attempts = withRunningAttempts(
        attempts,
        run.nodes,
        pendingAttempts(await this.deps.runs.describe(runId, workspace)),
      );
    }
    const order = new Map(run.nodes.map((node, index) => [node.id, index]));
    attempts.sort(
      (a, b) =>
        (order.get(a.nodeId) ?? order.size) - (order.get(b.nodeId) ?? order.size) ||
        a.nodeId.localeCompare(b.nodeId) ||
        a.execution - b.execution ||
        a.attempt - b.attempt,
    );
    return {
      attempts,
      ...(page.last === undefined ? {} : { nextPageToken: Buffer.from(page.last).toString('base64url') }),
    };
  }

  /** One node's output or input, resolved, selected by `path`, an array paged. */
  async value(runId: string, workspace: string, nodeId: string, query: NodeValueQuery): Promise<NodeDataAnswer> {
    const { run, node } = await this.nodeOf(runId, workspace, nodeId);
    const raw =
      query.which === 'output' ? node.output : await this.inputOf(run, node, await this.deps.list.startRequest(runId));
    if (raw === undefined) throw notFound(`${query.which} of node "${nodeId}" in run "${runId}"`);
    let resolved: unknown;
    try {
      resolved = await this.deps.resolve(raw);
    } catch {
      throw notFound(`the stored ${query.which} of node "${nodeId}" (it has expired)`);
    }
    const value = select(resolved, query.path);
    if (value === undefined) throw notFound(`path "${query.path}" in the ${query.which} of node "${nodeId}"`);
    const base = { nodeId, which: query.which, ...(query.path ? { path: query.path } : {}), bytes: jsonBytes(value) };
    if (!Array.isArray(value)) return { ...base, value };
    const page = value.slice(query.offset, query.offset + query.limit);
    return { ...base, value: page, total: value.length, offset: query.offset, limit: query.limit };
  }

  /** The run's trigger and each executed node's input, for pinning as test data. */
  async inputs(runId: string, workspace: string): Promise<RunInputsAnswer> {
    const run = await this.deps.runs.read(runId, workspace);
    const request = await this.deps.list.startRequest(runId);
    const nodes: Record<string, unknown> = {};
    for (const node of run.nodes) {
      if (node.status === 'pending' || node.status === 'skipped') continue;
      const input = await this.inputOf(run, node, request);
      if (input !== undefined) nodes[node.id] = await this.pinnable(input);
    }
    const trigger = { ...request.trigger, payload: await this.pinnable(request.trigger.payload) };
    return {
      runId,
      flowId: request.flowId,
      ...(request.draft === undefined ? { flowVersion: request.flowVersion } : { draft: request.draft }),
      trigger,
      nodes,
    };
  }

  private async pinnable(value: unknown): Promise<unknown> {
    try {
      const resolved = await this.deps.resolve(value);
      return jsonBytes(resolved) <= PINNED_INPUT_MAX_BYTES ? resolved : value;
    } catch {
      return value;
    }
  }

  /**
   * The input of the node's last execution: as the worker received it for a code node (its attempt record), else
   * worked out again from the recorded outputs, as the interpreter did.
   */
  private async inputOf(run: RunDebugView, node: NodeRecord, request: RunRequest): Promise<unknown> {
    const recorded = (await this.deps.journal.attemptsOf(run.runId, node.id)).filter((a) => a.input !== undefined);
    if (recorded.length > 0) return recorded[recorded.length - 1].input;
    const definition = await this.definitionOf(request);
    if (!definition || !run.edges) return undefined;
    const state: RunState = {
      v: 1,
      nodes: Object.fromEntries(run.nodes.map((record) => [record.id, record])),
      edges: run.edges,
      started: run.nodes.filter((record) => record.startedAt || record.reusedFrom).map((record) => record.id),
    };
    return nodeInput(indexGraph(definition), state, node.id, request.trigger);
  }

  private async definitionOf(request: Pick<RunRequest, 'flowId' | 'flowVersion' | 'draft'>) {
    if (request.draft !== undefined)
      return (await this.deps.flows.drafts.revision(request.flowId, request.draft))?.definition;
    return (await this.deps.flows.version(request.flowId, request.flowVersion))?.definition;
  }
}

/**
 * The seeds of a rerun from `fromNode` on `definition`: the recorded outcome of each node upstream of it in `run`,
 * in the order they ran. Refused when the rerun could not reproduce what led to the node.
 */
export function rerunSeeds(definition: FlowDefinition, run: RunDebugView, fromNode: string): RerunSeed[] {
  const graph = indexGraph(definition);
  if (!graph.nodes.has(fromNode)) {
    throw new HttpError(400, 'invalid_request', `fromNode: flow "${definition.id}" has no node "${fromNode}"`, [
      { path: 'body.fromNode', message: `flow "${definition.id}" has no node "${fromNode}"` },
    ]);
  }
  const recorded = new Map(run.nodes.map((node) => [node.id, node]));
  const chosen = recorded.get(fromNode);
  if (!chosen || chosen.status === 'pending' || chosen.status === 'skipped') {
    throw new HttpError(409, 'node_not_run', `node "${fromNode}" did not run in run "${run.runId}"`);
  }
  const upstream = upstreamNodes(graph, fromNode);
  const looped = loopedNodes(graph);
  const inLoop = [fromNode, ...upstream].find((id) => looped.has(id));
  if (inLoop) {
    throw new HttpError(
      409,
      'node_in_loop',
      `node "${inLoop}" is inside a loop: a rerun cannot start from "${fromNode}"`,
    );
  }
  const upstreamSet = new Set(upstream);
  const seeds: RerunSeed[] = [];
  for (const node of run.nodes) {
    if (!upstreamSet.has(node.id)) continue;
    if (node.status === 'succeeded') seeds.push({ nodeId: node.id, status: 'succeeded', output: node.output ?? null });
    else if (node.status === 'failed' && node.error)
      seeds.push({ nodeId: node.id, status: 'failed', error: node.error });
    else if (node.status !== 'skipped') {
      throw new HttpError(
        409,
        'no_recorded_outcome',
        `node "${node.id}" has no recorded outcome in run "${run.runId}"`,
      );
    }
  }
  const missing = upstream.find((id) => !recorded.has(id));
  if (missing) throw new HttpError(409, 'no_recorded_outcome', `node "${missing}" did not exist in run "${run.runId}"`);
  return seeds;
}
