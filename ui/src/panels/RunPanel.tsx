/** Running the draft from the editor: the input, the run's status and output; the canvas shows each node's state. */
import { useState } from 'react';
import { Link } from '../app/Link';
import { runUrl } from '../app/router';
import { useStore } from '../stores/createStore';
import { runStatusStore } from '../stores/runStatus';
import { JsonView } from './JsonView';
import { Alert } from './Alert';

export interface RunPanelProps {
  input: string;
  onInput: (text: string) => void;
  onRun: () => Promise<void>;
  error: string | null;
}

export function RunPanel({ input, onInput, onRun, error }: RunPanelProps) {
  const run = useStore(runStatusStore, (state) => state);
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    await onRun().finally(() => setBusy(false));
  };
  return (
    <section className="panel run-panel" aria-label="Run the draft">
      <h2>Run the draft</h2>
      <label htmlFor="run-input">Input (JSON)</label>
      <textarea
        id="run-input"
        rows={5}
        value={input}
        onChange={(event) => onInput(event.target.value)}
        spellCheck={false}
      />
      <button type="button" className="primary" onClick={() => void start()} disabled={busy} title="Ctrl/Cmd+Enter">
        Run draft
      </button>
      <Alert text={error} />
      {run.runId && (
        <div className="run-summary">
          <p>
            <span className={`status ${run.status}`} id="run-status">
              {run.status}
            </span>{' '}
            <Link href={runUrl(run.runId)}>open run</Link>
          </p>
          {run.output !== undefined && (
            <>
              <h3>Output</h3>
              <JsonView value={run.output} id="run-output" />
            </>
          )}
          {run.error && (
            <p className="error" role="alert">
              {run.error.name}: {run.error.message}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
