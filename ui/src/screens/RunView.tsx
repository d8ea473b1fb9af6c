/**
 * `/runs/:runId`: the run on its flow's graph. Node states change live over the run's stream, the edges taken are
 * highlighted, a failed run opens on its failed node with the error and stack first; beside the canvas the selected
 * node's output, input, attempts and logs; below it the timeline.
 */
import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useState } from 'react';
import { runsApi } from '../api/runs';
import { Link } from '../app/Link';
import { flowUrl, navigate, runUrl } from '../app/router';
import { FlowCanvas } from '../canvas/FlowCanvas';
import { formatDuration, runDurationMs } from '../domain/run/format';
import { JsonView } from '../panels/JsonView';
import { NodeRunPanel } from '../panels/run/NodeRunPanel';
import { ErrorHandlerNote } from '../panels/run/ErrorHandlerNote';
import { RunActions } from '../panels/run/RunActions';
import { Timeline } from '../panels/run/Timeline';
import { useNow } from '../panels/run/useNow';
import { useStore } from '../stores/createStore';
import { applyView, useGraph } from '../stores/graph';
import { clearRun, runStatusStore } from '../stores/runStatus';
import { isOpen, RunSession, type RunMeta } from './run/runSession';
import './run/run.css';

function selectNode(nodeId: string | null): void {
  applyView(
    (graph) => ({ ...graph, nodes: graph.nodes.map((node) => ({ ...node, selected: node.id === nodeId })) }),
    false,
  );
}

function useSelectedNode(): string | null {
  return useGraph((graph) => {
    const selected = graph.nodes.filter((node) => node.selected);
    return selected.length === 1 ? selected[0].id : null;
  });
}

function rerunSource(meta: RunMeta): { runId: string; fromNode?: string } | null {
  return meta.run.rerunOf ?? null;
}

function RunScreen({ session, meta }: { session: RunSession; meta: RunMeta }) {
  const { run } = meta;
  const status = useStore(runStatusStore, (state) => state.status) ?? run.status;
  const output = useStore(runStatusStore, (state) => state.output);
  const runError = useStore(runStatusStore, (state) => state.error);
  const nodes = useStore(runStatusStore, (state) => state.nodes);
  const selected = useSelectedNode();
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') selectNode(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const [actionError, setActionError] = useState<string | null>(null);
  const open = isOpen(status);
  const now = useNow(open);
  const source = rerunSource(meta);
  const waiting = (meta.definition?.nodes ?? []).flatMap((node) =>
    node.type === 'wait' && nodes[node.id]?.status === 'running' ? [{ nodeId: node.id, event: node.event }] : [],
  );
  const label = (nodeId: string) => {
    const node = meta.definition?.nodes.find((candidate) => candidate.id === nodeId);
    return node?.name ? `${node.name} (${nodeId})` : nodeId;
  };
  const rerunFrom = async (nodeId: string) => {
    setActionError(null);
    try {
      navigate(runUrl((await runsApi.rerun(session.runId, 'same', nodeId)).runId));
    } catch (error) {
      setActionError(`Not rerun from ${nodeId}: ${(error as Error).message}`);
    }
  };
  const ranSelected =
    selected !== null && nodes[selected] !== undefined && !['pending', 'skipped'].includes(nodes[selected].status);
  return (
    <section className="run-debugger" aria-labelledby="run-title">
      <header className="run-head">
        <h1 id="run-title">Run of {run.flowId ? <Link href={flowUrl(run.flowId)}>{run.flowId}</Link> : 'a flow'}</h1>
        <p id="run-meta" className="run-meta">
          <span className={`status ${status}`} id="run-status">
            {status}
          </span>
          <span>{run.draft !== undefined ? `draft ${run.draft}` : `v${run.flowVersion ?? '?'}`}</span>
          {run.trigger && <span>{run.trigger}</span>}
          <span>started {new Date(run.startedAt).toLocaleString()}</span>
          <span id="run-duration">
            {formatDuration(run.durationMs ?? runDurationMs(run.startedAt, run.closedAt, now))}
          </span>
          <code>{session.runId}</code>
          {source && (
            <span>
              rerun of <Link href={runUrl(source.runId)}>{source.runId}</Link>
              {source.fromNode ? ` from ${source.fromNode}` : ''}
            </span>
          )}
          {run.errorHandler && <ErrorHandlerNote outcome={run.errorHandler} />}
          {run.errorOf && (
            <span id="run-error-of">
              error handler of <Link href={runUrl(run.errorOf)}>{run.errorOf}</Link>
            </span>
          )}
          {run.temporalUrl && (
            <a href={run.temporalUrl} target="_blank" rel="noreferrer">
              Open in Temporal Web UI
            </a>
          )}
          {run.flowId && <Link href={`/runs?flowId=${encodeURIComponent(run.flowId)}`}>All runs of this flow</Link>}
        </p>
        <RunActions runId={session.runId} flowId={run.flowId} open={open} waiting={waiting} onError={setActionError} />
        {actionError && (
          <p className="error" role="alert">
            {actionError}
          </p>
        )}
        {meta.definitionNote && <p className="muted">The graph is {meta.definitionNote}.</p>}
      </header>
      <div className="run-body">
        <ReactFlowProvider>
          <FlowCanvas readOnly />
        </ReactFlowProvider>
        <aside className="side run-side nokey" aria-label="Run details">
          {selected ? (
            <>
              <button
                type="button"
                className="close link"
                aria-label="Close node details"
                onClick={() => selectNode(null)}
              >
                ×
              </button>
              <NodeRunPanel
                key={selected}
                runId={session.runId}
                nodeId={selected}
                label={label(selected)}
                onRerunFrom={!open && ranSelected ? () => void rerunFrom(selected) : undefined}
              />
            </>
          ) : (
            <section className="panel" aria-label="Run outcome">
              <h2>Outcome</h2>
              {runError && (
                <div className="node-error" role="alert">
                  <p className="error">
                    <strong>{runError.name}</strong>: {runError.message}
                  </p>
                  {'stack' in runError && runError.stack && <pre className="stack">{runError.stack}</pre>}
                </div>
              )}
              {output !== undefined ? (
                <JsonView value={output} id="run-output" label="Run output" />
              ) : (
                <p className="muted">{open ? 'Running… select a node to follow it.' : 'No output.'}</p>
              )}
              <p className="muted">
                Select a node on the canvas or in the timeline to see its input, output, attempts and logs.
              </p>
            </section>
          )}
        </aside>
      </div>
      <details className="run-timeline" open>
        <summary>Timeline</summary>
        <Timeline runId={session.runId} startedAt={run.startedAt} onSelect={selectNode} />
      </details>
    </section>
  );
}

function Opened({ session, error }: { session: RunSession; error: string | null }) {
  const meta = useStore(session.meta, (value) => value);
  const failure = useStore(session.failure, (value) => value);
  if (error)
    return (
      <p role="alert" className="error">
        Run {session.runId}: {error}
      </p>
    );
  if (!meta) return <p className="loading">Loading run…</p>;
  return (
    <>
      {failure && (
        <p role="alert" className="error">
          The live stream stopped: {failure}
        </p>
      )}
      <RunScreen session={session} meta={meta} />
    </>
  );
}

export default function RunView({ runId }: { runId: string }) {
  const [opened, setOpened] = useState<{ session: RunSession; error: string | null } | null>(null);
  useEffect(() => {
    const session = new RunSession(runId);
    setOpened({ session, error: null });
    clearRun(runId);
    session.open().catch((caught: Error) => setOpened({ session, error: caught.message }));
    return () => {
      session.close();
      clearRun();
    };
  }, [runId]);
  if (!opened) return <p className="loading">Loading run…</p>;
  return <Opened session={opened.session} error={opened.error} />;
}
