/**
 * Opening a run on its graph: the run, the definition it ran (its pinned version; a draft run shows the draft), the
 * canvas loaded with the node to look at first selected, and the live stream applied to the run status store.
 */
import { api } from '../../api/client';
import type { RunView } from '../../api/types';
import { runsApi } from '../../api/runs';
import { followRun } from '../../api/runStream';
import { layoutPositions } from '../../canvas/autoLayout';
import { hasLayout, toCanvas } from '../../domain/convert';
import type { FlowDefinition } from '../../domain/model';
import { focusNodeId } from '../../domain/run/runGraph';
import { createStore } from '../../stores/createStore';
import { applyView, loadGraph } from '../../stores/graph';
import { applyRunEvent, runStatusStore } from '../../stores/runStatus';

/** What the run view shows besides the nodes' live states. */
export interface RunMeta {
  run: RunView;
  /** The definition the run's graph is drawn from; null when the flow is gone (nodes then stand alone). */
  definition: FlowDefinition | null;
  /** Set when the definition drawn is the draft now rather than the revision the run pinned. */
  definitionNote?: string;
}

async function definitionOf(run: RunView): Promise<Pick<RunMeta, 'definition' | 'definitionNote'>> {
  if (!run.flowId) return { definition: null };
  try {
    if (run.draft !== undefined) {
      const draft = await api.readDraft(run.flowId);
      return {
        definition: draft.definition,
        definitionNote:
          draft.revision === run.draft
            ? undefined
            : `drawn on the draft now (revision ${draft.revision}), not the revision it ran (${run.draft})`,
      };
    }
    return { definition: (await api.readFlow(run.flowId, run.flowVersion)).definition };
  } catch {
    return { definition: null };
  }
}

/** The definition drawn: the flow's own, or for a flow that is gone, its nodes from the run with no edges. */
function drawn(meta: RunMeta): FlowDefinition {
  if (meta.definition) return meta.definition;
  return {
    id: meta.run.flowId ?? 'run',
    name: meta.run.flowId ?? 'run',
    nodes: meta.run.nodes.map((node) => ({
      id: node.id,
      type: 'code',
      code: '',
      ...(node.name ? { name: node.name } : {}),
    })),
    edges: [],
  };
}

function showOnCanvas(meta: RunMeta, focus: string | undefined): void {
  const definition = drawn(meta);
  const graph = toCanvas(definition);
  if (!hasLayout(definition)) {
    const positions = layoutPositions(graph.nodes, graph.edges);
    for (const node of graph.nodes)
      node.position = definition.layout?.nodes[node.id] ?? positions.get(node.id) ?? node.position;
  }
  for (const node of graph.nodes) node.selected = node.id === focus;
  loadGraph(graph);
}

function showRun(run: RunView): void {
  runStatusStore.set({
    runId: run.runId,
    status: run.status,
    nodes: Object.fromEntries(run.nodes.map((node) => [node.id, node])),
    edges: run.edges,
    output: run.output,
    error: run.error,
  });
}

export const isOpen = (status: string | null) => status === 'running' || status === 'pending';

/** A run opened in the view; `meta` changes when the run is read again (at its end). */
export class RunSession {
  readonly meta = createStore<RunMeta | null>(null);
  readonly failure = createStore<string | null>(null);
  private readonly abort = new AbortController();

  constructor(readonly runId: string) {}

  async open(): Promise<void> {
    const run = await runsApi.read(this.runId);
    const meta: RunMeta = { run, ...(await definitionOf(run)) };
    if (this.abort.signal.aborted) return;
    showRun(run);
    showOnCanvas(
      meta,
      focusNodeId(run.nodes, run.failedNode ?? (run.error && 'nodeId' in run.error ? run.error.nodeId : undefined)),
    );
    this.meta.set(meta);
    if (isOpen(run.status)) void this.follow();
  }

  private async follow(): Promise<void> {
    try {
      await followRun(
        this.runId,
        (event) => {
          applyRunEvent(event);
          if (event.type === 'status' && (event.data.temporalUrl || event.data.rerunOf))
            this.meta.set((meta) =>
              meta
                ? {
                    ...meta,
                    run: {
                      ...meta.run,
                      temporalUrl: event.data.temporalUrl ?? meta.run.temporalUrl,
                      rerunOf: event.data.rerunOf ?? meta.run.rerunOf,
                    },
                  }
                : meta,
            );
        },
        this.abort.signal,
      );
    } catch (error) {
      this.failure.set((error as Error).message);
      return;
    }
    if (this.abort.signal.aborted) return;
    // The run ended: read it once more for what only a closed run has (its duration, the failed node).
    const run = await runsApi.read(this.runId).catch(() => null);
    if (!run || this.abort.signal.aborted) return;
    showRun(run);
    this.meta.set((meta) => (meta ? { ...meta, run } : meta));
    // A run watched until it failed shows its failed node, as one opened after its end does (unless one is chosen).
    const failed = run.failedNode ?? (run.error && 'nodeId' in run.error ? run.error.nodeId : undefined);
    if (run.status === 'failed' && failed)
      applyView(
        (graph) =>
          graph.nodes.some((node) => node.selected)
            ? graph
            : { ...graph, nodes: graph.nodes.map((node) => ({ ...node, selected: node.id === failed })) },
        false,
      );
  }

  close(): void {
    this.abort.abort();
  }
}
