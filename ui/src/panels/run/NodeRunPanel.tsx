/**
 * One node of the run: its state, its error and stack first when it failed, then its output (tree or table), input,
 * attempts and logs (streaming while it runs). Values and attempts are fetched when their tab opens.
 */
import { useEffect, useState } from 'react';
import type { Attempt } from '../../api/types';
import { runsApi } from '../../api/runs';
import { Link } from '../../app/Link';
import { runUrl } from '../../app/router';
import { formatBytes, formatDuration } from '../../domain/run/format';
import { useStore } from '../../stores/createStore';
import { runStatusStore, useNodeRun } from '../../stores/runStatus';
import { Attempts } from './Attempts';
import { LogLines } from './LogLines';
import { NodeValue } from './NodeValue';

type Tab = 'output' | 'input' | 'attempts' | 'logs';
const TABS: Array<[Tab, string]> = [
  ['output', 'Output'],
  ['input', 'Input'],
  ['attempts', 'Attempts'],
  ['logs', 'Logs'],
];

function useAttempts(runId: string, nodeId: string, wanted: boolean, version: string): Attempt[] | string | null {
  const [attempts, setAttempts] = useState<Attempt[] | string | null>(null);
  useEffect(() => {
    if (!wanted) return;
    let active = true;
    runsApi.node(runId, nodeId).then(
      (detail) => active && setAttempts(detail.attempts),
      (error: Error) => active && setAttempts(error.message),
    );
    return () => {
      active = false;
    };
  }, [runId, nodeId, wanted, version]);
  return attempts;
}

export interface NodeRunPanelProps {
  runId: string;
  nodeId: string;
  label: string;
  /** Rerun from this node (absent while the run is open, or when the node never ran). */
  onRerunFrom?: () => void;
}

export function NodeRunPanel({ runId, nodeId, label, onRerunFrom }: NodeRunPanelProps) {
  const node = useNodeRun(nodeId);
  const live = useStore(runStatusStore, (state) => state.liveLogs?.[nodeId]);
  const running = node?.status === 'running';
  const [tab, setTab] = useState<Tab>(running ? 'logs' : 'output');
  const attempts = useAttempts(runId, nodeId, tab === 'attempts', `${node?.status}.${node?.attempt}`);
  const state = node?.state ?? 'pending';
  const logs = running && live ? live.entries : (node?.logs ?? live?.entries ?? []);
  return (
    <section className="panel node-run-panel" aria-label={`Run of node ${nodeId}`}>
      <h2>{label}</h2>
      <p className="node-run-meta">
        <span className={`status ${state}`} id="node-run-state">
          {state}
        </span>
        {node?.attempt !== undefined && <span>attempt {node.attempt}</span>}
        {node?.durationMs !== undefined && <span>{formatDuration(node.durationMs)}</span>}
        {node?.memoryBytes !== undefined && <span>{formatBytes(node.memoryBytes)}</span>}
        {(node?.runs ?? 1) > 1 && <span>{node?.runs} executions</span>}
      </p>
      {node?.reusedFrom && (
        <p className="note">
          Not executed in this run: its outcome is reused from{' '}
          <Link href={runUrl(node.reusedFrom)}>{node.reusedFrom}</Link>.
        </p>
      )}
      {node?.lastFailure && state === 'retrying' && <p className="error">Last attempt failed: {node.lastFailure}</p>}
      {node?.childRunId && (
        <p>
          Child run: <Link href={runUrl(node.childRunId)}>{node.childRunId}</Link>
        </p>
      )}
      {node?.error && (
        <div className="node-error" role="alert" aria-label="Error">
          <p className="error">
            <strong>{node.error.name}</strong>: {node.error.message}
          </p>
          {node.error.stack && (
            <pre className="stack" id="node-error-stack">
              {node.error.stack}
            </pre>
          )}
        </div>
      )}
      {onRerunFrom && (
        <div className="actions left">
          <button type="button" onClick={onRerunFrom}>
            Rerun from this node
          </button>
        </div>
      )}
      <div role="tablist" aria-label="Node details" className="tabs">
        {TABS.map(([id, name]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`node-tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`node-panel-${id}`}
            onClick={() => setTab(id)}
          >
            {name}
            {id === 'logs' && logs.length > 0 ? ` (${logs.length})` : ''}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`node-panel-${tab}`} aria-labelledby={`node-tab-${tab}`} className="tab-body">
        {tab === 'output' &&
          (node?.output !== undefined ? (
            <NodeValue key={`${nodeId}.out`} runId={runId} nodeId={nodeId} which="output" value={node.output} />
          ) : (
            <p className="muted">
              {running
                ? 'Running…'
                : node?.pendingRecord
                  ? 'It ran in a fused chain still running: its output comes when the chain ends.'
                  : 'No output.'}
            </p>
          ))}
        {tab === 'input' && (
          <NodeValue key={`${nodeId}.in`} runId={runId} nodeId={nodeId} which="input" value={undefined} />
        )}
        {tab === 'attempts' &&
          (typeof attempts === 'string' ? (
            <p className="error">Could not read the attempts: {attempts}</p>
          ) : attempts ? (
            <Attempts attempts={attempts} />
          ) : (
            <p className="muted">Loading…</p>
          ))}
        {tab === 'logs' && <LogLines entries={logs} live={running} truncated={live?.truncated} />}
      </div>
    </section>
  );
}
