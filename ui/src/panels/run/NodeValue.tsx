/**
 * A node's input or output as a JSON tree or a table. A value stored apart from the run (a `$nectarRef`), or one not
 * sent with the run, is fetched only when asked for.
 */
import { useEffect, useState } from 'react';
import { runsApi } from '../../api/runs';
import { formatBytes } from '../../domain/run/format';
import { JsonTable } from './JsonTable';
import { JsonTree } from './JsonTree';

function referenceOf(value: unknown): { bytes?: number } | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return '$nectarRef' in value ? (value as { bytes?: number }) : null;
}

export interface NodeValueProps {
  runId: string;
  nodeId: string;
  which: 'input' | 'output';
  /** The value the run carries; undefined when it carries none (inputs are always fetched). */
  value: unknown;
}

export function NodeValue({ runId, nodeId, which, value }: NodeValueProps) {
  const reference = referenceOf(value);
  const [view, setView] = useState<'tree' | 'table'>('tree');
  const [fetched, setFetched] = useState<{ value: unknown; bytes: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const mustFetch = which === 'input' || reference !== null;

  const load = () => {
    setBusy(true);
    setError(null);
    runsApi
      .data(runId, nodeId, which)
      .then(
        (answer) => setFetched({ value: answer.value, bytes: answer.bytes }),
        (caught: Error) => setError(caught.message),
      )
      .finally(() => setBusy(false));
  };
  // Inputs are not part of the run's record: fetched when the tab opens. Large outputs wait for a click.
  useEffect(() => {
    if (which === 'input') load();
  }, [runId, nodeId, which]);

  if (mustFetch && !fetched) {
    return (
      <div className="node-value">
        {reference && (
          <p>
            Stored apart from the run{reference.bytes ? ` (${formatBytes(reference.bytes)})` : ''}.{' '}
            <button type="button" onClick={load} disabled={busy}>
              {busy ? 'Loading…' : `Load the ${which}`}
            </button>
          </p>
        )}
        {!reference && busy && <p className="muted">Loading the {which}…</p>}
        {error && (
          <p className="error">
            Could not load the {which}: {error}
          </p>
        )}
      </div>
    );
  }
  const shown = fetched ? fetched.value : value;
  if (shown === undefined) return <p className="muted">No {which}.</p>;
  const label = `Node ${which}`;
  return (
    <div className="node-value">
      <div className="segmented" role="group" aria-label={`Show the ${which} as`}>
        <button type="button" aria-pressed={view === 'tree'} onClick={() => setView('tree')}>
          Tree
        </button>
        <button type="button" aria-pressed={view === 'table'} onClick={() => setView('table')}>
          Table
        </button>
        {fetched && <span className="muted">{formatBytes(fetched.bytes)}</span>}
      </div>
      {view === 'tree' ? (
        <JsonTree value={shown} label={label} rootName={which} />
      ) : (
        <JsonTable value={shown} label={label} />
      )}
    </div>
  );
}
