/**
 * Test one code node without publishing: input from an upstream node's output in the run on the canvas or in an earlier
 * run of the flow, or pasted JSON; see output, logs, error.
 */
import { useState } from 'react';
import { api } from '../api/client';
import type { StepTestAnswer } from '../api/types';
import { Link } from '../app/Link';
import { runUrl } from '../app/router';
import type { FlowNode } from '../domain/model';
import { JsonView } from './JsonView';
import { Alert } from './Alert';
import { RunOutputPicker } from './RunOutputPicker';

export function StepTest({
  flowId,
  node,
  upstream,
  suggestedInput,
  pinnedFrom,
  onResult,
}: {
  flowId: string;
  node: FlowNode;
  upstream: readonly string[];
  suggestedInput: unknown;
  /** The run whose input for this node is pinned as `suggestedInput` ("debug in editor"). */
  pinnedFrom?: string;
  onResult?: (result: StepTestAnswer) => void;
}) {
  const [text, setText] = useState(() => JSON.stringify(suggestedInput ?? {}, null, 2));
  const [result, setResult] = useState<StepTestAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [picking, setPicking] = useState(false);

  const run = async () => {
    setError(null);
    let input: unknown;
    try {
      input = text.trim() ? JSON.parse(text) : null;
    } catch (caught) {
      setError(`The input is not JSON: ${(caught as Error).message}`);
      return;
    }
    setBusy(true);
    try {
      const answer = await api.testStep(flowId, node, input);
      setResult(answer);
      onResult?.(answer);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="step-test" aria-label="Test this step">
      <h3>Test this step</h3>
      {pinnedFrom && (
        <p className="muted" id="step-pinned">
          Input pinned from run <Link href={runUrl(pinnedFrom)}>{pinnedFrom}</Link>
        </p>
      )}
      <label htmlFor="step-input">Test input (JSON)</label>
      <textarea
        id="step-input"
        rows={4}
        value={text}
        onChange={(event) => setText(event.target.value)}
        spellCheck={false}
      />
      <div className="actions left">
        <button
          type="button"
          onClick={() => setText(JSON.stringify(suggestedInput ?? {}, null, 2))}
          disabled={suggestedInput === undefined}
        >
          {pinnedFrom ? 'Use the pinned input' : 'Use last upstream output'}
        </button>
        <button type="button" onClick={() => setPicking(!picking)} aria-expanded={picking}>
          From a run
        </button>
        <button type="button" className="primary" onClick={() => void run()} disabled={busy}>
          {busy ? 'Testing…' : 'Test step'}
        </button>
      </div>
      {picking && (
        <RunOutputPicker
          flowId={flowId}
          upstream={upstream}
          onPick={(output) => setText(JSON.stringify(output ?? null, null, 2))}
        />
      )}
      <Alert text={error} />
      {result?.status === 'running' && (
        <p>
          Still running: <Link href={runUrl(result.runId)}>follow the run</Link>
        </p>
      )}
      {result && result.status !== 'running' && (
        <div className="step-result" aria-label="Step test result">
          <p>
            <span className={`status ${result.status}`} id="step-status">
              {result.status}
            </span>{' '}
            <span className="muted">
              {result.durationMs === null ? '' : `${result.durationMs.toFixed(1)} ms`}
              {result.memoryBytes === null ? '' : ` · ${Math.round(result.memoryBytes / 1024)} KiB`}
            </span>
          </p>
          {result.status === 'succeeded' && <JsonView value={result.output} id="step-output" label="Step output" />}
          {result.error && (
            <pre className="json error" id="step-error">
              {result.error.name}: {result.error.message}
              {'stack' in result.error && result.error.stack ? `\n${result.error.stack}` : ''}
            </pre>
          )}
          {result.logs.length > 0 && (
            <pre className="logs" aria-label="Step logs">
              {result.logs
                .map(
                  (entry) =>
                    `${entry.level} ${entry.args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')}`,
                )
                .join('\n')}
            </pre>
          )}
        </div>
      )}
    </section>
  );
}
