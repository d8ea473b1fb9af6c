/** `/runs/:runId`: a run's nodes updating live (status, attempt, duration, memory, output or error, logs). */
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { followRun } from '../api/runStream';
import type { NodeRecord, RunView as Run } from '../api/types';
import { Link } from '../app/Link';
import { flowUrl } from '../app/router';
import { JsonView } from '../panels/JsonView';
import { reduceRunEvent, type RunStatusState } from '../stores/runStatus';

function logText(node: NodeRecord): string {
  return (node.logs ?? [])
    .map(
      (entry) =>
        `${entry.level} ${entry.args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')}`,
    )
    .join('\n');
}

function formatMs(ms: number | undefined): string {
  return ms === undefined ? '' : `${ms.toFixed(1)} ms`;
}

export default function RunView({ runId }: { runId: string }) {
  const [run, setRun] = useState<Run | null>(null);
  const [live, setLive] = useState<RunStatusState | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    api.readRun(runId).then(
      (loaded) => {
        setRun(loaded);
        const initial: RunStatusState = {
          runId,
          status: loaded.status,
          nodes: Object.fromEntries(loaded.nodes.map((node) => [node.id, node])),
          output: loaded.output,
          error: loaded.error,
        };
        setLive(initial);
        if (loaded.status === 'running' || loaded.status === 'pending') {
          void followRun(
            runId,
            (event) => setLive((state) => (state ? reduceRunEvent(state, event) : state)),
            abort.signal,
          ).catch((caught: Error) => setError(caught.message));
        }
      },
      (caught: Error) => setError(caught.message),
    );
    return () => abort.abort();
  }, [runId]);

  if (error)
    return (
      <p role="alert" className="error">
        Run {runId}: {error}
      </p>
    );
  if (!run || !live) return <p className="loading">Loading run…</p>;
  const nodes = Object.values(live.nodes);
  return (
    <section className="run-view" aria-labelledby="run-title">
      <h1 id="run-title">Run</h1>
      <p id="run-meta">
        {run.flowId && <Link href={flowUrl(run.flowId)}>{run.flowId}</Link>}{' '}
        {run.draft !== undefined ? `draft ${run.draft}` : `v${run.flowVersion ?? '?'}`} ·{' '}
        <span className={`status ${live.status}`}>{live.status}</span> · started{' '}
        {new Date(run.startedAt).toLocaleString()} · <code>{runId}</code>
      </p>
      <table className="run-nodes">
        <thead>
          <tr>
            <th>Node</th>
            <th>Status</th>
            <th>Attempt</th>
            <th>Duration</th>
            <th>Memory</th>
            <th>Output or error</th>
            <th>Logs</th>
          </tr>
        </thead>
        <tbody id="run-nodes">
          {nodes.map((node) => (
            <tr key={node.id} data-node-id={node.id}>
              <td>{node.name ? `${node.name} (${node.id})` : node.id}</td>
              <td>
                <span className={`status ${node.status}`}>{node.status}</span>
              </td>
              <td>{node.attempt ?? ''}</td>
              <td>{formatMs(node.durationMs)}</td>
              <td>{node.memoryBytes !== undefined ? `${Math.round(node.memoryBytes / 1024)} KiB` : ''}</td>
              <td>
                {node.error ? (
                  <span className="error">{`${node.error.name}: ${node.error.message}`}</span>
                ) : node.output !== undefined ? (
                  <JsonView value={node.output} />
                ) : (
                  ''
                )}
              </td>
              <td>
                <pre className="logs">{logText(node)}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Output</h2>
      <JsonView value={live.output} id="run-output" label="Run output" />
      {live.error && (
        <p className="error" role="alert">
          {live.error.name}: {live.error.message}
        </p>
      )}
    </section>
  );
}
