/**
 * Test input taken from an earlier run: one of the flow's recent runs (GET /api/runs?flowId=…), then the output an
 * upstream node recorded in it (GET /api/runs/:runId). Loaded when asked for, so opening a node costs no request.
 */
import { useEffect, useId, useState } from 'react';
import { api } from '../api/client';
import type { RunSummary, RunView } from '../api/types';

const RECENT_RUNS = 20;
const NONE = '';

function runLabel(run: RunSummary): string {
  const started = new Date(run.startedAt ?? '');
  const when = Number.isNaN(started.getTime()) ? (run.startedAt ?? '') : started.toLocaleString();
  return `${when} · ${run.status} · ${run.runId}`;
}

export function RunOutputPicker({
  flowId,
  upstream,
  onPick,
}: {
  flowId: string;
  /** The nodes that can precede the one tested: only their outputs are offered. */
  upstream: readonly string[];
  onPick: (output: unknown) => void;
}) {
  const id = useId();
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [runId, setRunId] = useState(NONE);
  const [run, setRun] = useState<RunView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let active = true;
    api.listRuns(flowId, RECENT_RUNS).then(
      (answer) => active && setRuns(answer.runs),
      (caught: Error) => active && setError(caught.message),
    );
    return () => {
      active = false;
    };
  }, [flowId]);

  useEffect(() => {
    setRun(null);
    if (runId === NONE) return;
    let active = true;
    api.readRun(runId).then(
      (answer) => active && setRun(answer),
      (caught: Error) => active && setError(caught.message),
    );
    return () => {
      active = false;
    };
  }, [runId]);

  const outputs = (run?.nodes ?? []).filter((node) => upstream.includes(node.id) && node.output !== undefined);
  return (
    <div className="run-output-picker">
      <label htmlFor={`${id}-run`}>Earlier run</label>
      <select id={`${id}-run`} value={runId} onChange={(event) => setRunId(event.target.value)} disabled={!runs}>
        <option value={NONE}>
          {runs === null ? 'Loading runs…' : runs.length === 0 ? 'No runs yet' : 'Pick a run'}
        </option>
        {runs?.map((item) => (
          <option key={item.runId} value={item.runId}>
            {runLabel(item)}
          </option>
        ))}
      </select>
      {run && (
        <>
          <label htmlFor={`${id}-node`}>Output of</label>
          <select
            id={`${id}-node`}
            value={NONE}
            onChange={(event) => {
              const picked = outputs.find((node) => node.id === event.target.value);
              if (picked) onPick(picked.output);
            }}
          >
            <option value={NONE}>
              {outputs.length === 0 ? 'No upstream node has an output in this run' : 'Pick an upstream node'}
            </option>
            {outputs.map((node) => (
              <option key={node.id} value={node.id}>
                {node.name ? `${node.name} (${node.id})` : node.id}
              </option>
            ))}
          </select>
        </>
      )}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
