import { FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { FlowListItem } from '../api/types';
import { Link } from '../app/Link';
import { flowUrl, navigate, runUrl } from '../app/router';
import { freeId, isIdentifier, slugOf } from '../domain/ids';
import { Dialog } from '../panels/Dialog';
import { rememberNewFlowName } from '../persistence/newFlow';
import { Alert } from '../panels/Alert';

function triggerNames(item: FlowListItem): string {
  const names = item.triggers.map((trigger) => trigger.type);
  return names.length > 0 ? names.join(', ') : 'API only';
}

function successRate(item: FlowListItem): string {
  const rate = item.successRate;
  if (!rate || rate.runs === 0) return '—';
  return `${Math.round((rate.succeeded / rate.runs) * 100)}% of ${rate.runs}`;
}

function NewFlowDialog({ taken, onClose }: { taken: ReadonlySet<string>; onClose: () => void }) {
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const flowId = id || freeId(slugOf(name), taken);
  const problem = !isIdentifier(flowId)
    ? 'The id must be 1-64 letters, digits, "-" or "_".'
    : taken.has(flowId)
      ? 'A flow with this id exists.'
      : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (problem || !name.trim()) return;
    rememberNewFlowName(flowId, name.trim());
    navigate(flowUrl(flowId));
  };
  return (
    <Dialog title="New flow" onClose={onClose}>
      <form onSubmit={submit} className="form">
        <label>
          Name
          <input value={name} onChange={(event) => setName(event.target.value)} autoFocus required />
        </label>
        <label>
          Id
          <input value={flowId} onChange={(event) => setId(event.target.value)} aria-invalid={problem !== null} />
        </label>
        {problem && <p className="error">{problem}</p>}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={problem !== null || !name.trim()}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function FlowsList({ onUnauthorized }: { onUnauthorized: () => void }) {
  const [flows, setFlows] = useState<FlowListItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<FlowListItem | null>(null);

  const load = useCallback(async () => {
    try {
      setFlows((await api.listFlows()).flows);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 401) onUnauthorized();
      else setError((caught as Error).message);
    }
  }, [onUnauthorized]);
  useEffect(() => void load(), [load]);

  const taken = useMemo(() => new Set((flows ?? []).map((flow) => flow.id)), [flows]);
  const shown = useMemo(() => {
    const text = query.trim().toLowerCase();
    return (flows ?? []).filter(
      (flow) => !text || flow.id.toLowerCase().includes(text) || flow.name.toLowerCase().includes(text),
    );
  }, [flows, query]);

  const duplicate = async (item: FlowListItem) => {
    try {
      const source = item.hasDraft
        ? (await api.readDraft(item.id)).definition
        : (await api.readFlow(item.id)).definition;
      const id = freeId(`${item.id}-copy`, taken);
      await api.saveDraft({ ...source, id, name: `${source.name} (copy)` }, null);
      navigate(flowUrl(id));
    } catch (caught) {
      setError(`Could not duplicate ${item.id}: ${(caught as Error).message}`);
    }
  };

  const remove = async (item: FlowListItem) => {
    setDeleting(null);
    try {
      if (item.latestVersion) await api.deleteFlow(item.id);
      else await api.discardDraft(item.id);
      await load();
    } catch (caught) {
      setError(`Could not delete ${item.id}: ${(caught as Error).message}`);
    }
  };

  return (
    <section className="flows" aria-labelledby="flows-title">
      <div className="flows-head">
        <h1 id="flows-title">Flows</h1>
        <input
          type="search"
          aria-label="Search flows"
          placeholder="Search flows"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New flow
        </button>
      </div>
      <Alert text={error} />
      {flows === null && !error && <p className="loading">Loading…</p>}
      {flows !== null && shown.length === 0 && (
        <p className="empty">{flows.length === 0 ? 'No flows yet. Create one to start.' : 'No flow matches.'}</p>
      )}
      {shown.length > 0 && (
        <table className="flow-table">
          <thead>
            <tr>
              <th>Flow</th>
              <th>Version</th>
              <th>Triggers</th>
              <th>Last run</th>
              <th>Success (last 100)</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((item) => (
              <tr key={item.id}>
                <td>
                  <Link href={flowUrl(item.id)}>{item.name}</Link> <span className="muted">{item.id}</span>
                </td>
                <td>
                  {item.latestVersion ? `v${item.latestVersion}` : 'unpublished'}
                  {item.hasDraft && <span className="badge">draft</span>}
                </td>
                <td>{triggerNames(item)}</td>
                <td>
                  {item.lastRun ? (
                    <Link href={runUrl(item.lastRun.runId)}>
                      <span className={`status ${item.lastRun.status}`}>{item.lastRun.status}</span>{' '}
                      {item.lastRun.startedAt ? new Date(item.lastRun.startedAt).toLocaleString() : ''}
                    </Link>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{successRate(item)}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => void duplicate(item)} aria-label={`Duplicate ${item.name}`}>
                    Duplicate
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => setDeleting(item)}
                    aria-label={`Delete ${item.name}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && <NewFlowDialog taken={taken} onClose={() => setCreating(false)} />}
      {deleting && (
        <Dialog title={`Delete ${deleting.name}?`} onClose={() => setDeleting(null)}>
          <p>
            This deletes the flow <strong>{deleting.id}</strong>, its versions, its draft and its schedules. Runs
            already started finish.
          </p>
          <div className="actions">
            <button type="button" onClick={() => setDeleting(null)} autoFocus>
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void remove(deleting)}>
              Delete flow
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
