/**
 * `/runs` (`?flowId=` for one flow's): runs newest first, filtered by status, trigger and time, a page at a time,
 * each with its duration and the node that failed. The page shown is followed live (`GET /api/runs/live`): new runs
 * appear and listed runs change status as it happens, while the tab is visible.
 */
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { followRunList } from '../api/runStream';
import type { RunList, RunSummary } from '../api/types';
import { Link } from '../app/Link';
import { flowUrl, replaceSearch, runUrl } from '../app/router';
import { formatDuration, formatWhen, runDurationMs } from '../domain/run/format';
import {
  filtersQuery,
  parseFilters,
  RUN_STATUS_FILTERS,
  runListParams,
  TRIGGER_FILTERS,
  WINDOWS,
  type RunFilters,
} from '../domain/run/runFilters';
import './run/run.css';

const PAGE_SIZE = 25;

function usePage(filters: RunFilters, token: string | undefined) {
  const [page, setPage] = useState<RunList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const query = filtersQuery(filters);
  useEffect(() => {
    setPage(null);
    let following: AbortController | undefined;
    const follow = () => {
      following?.abort();
      following = new AbortController();
      followRunList(
        runListParams(parseFilters(query), PAGE_SIZE, token),
        (answer) => {
          setPage(answer);
          setError(null);
        },
        following.signal,
      ).catch((caught: Error) => setError(caught.message));
    };
    // A hidden tab follows nothing; shown again, it reads the page afresh and follows it.
    const onVisibility = () => (document.visibilityState === 'visible' ? follow() : following?.abort());
    if (document.visibilityState === 'visible') follow();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      following?.abort();
    };
  }, [query, token]);
  return { page, error };
}

function Select<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: T | undefined;
  options: ReadonlyArray<readonly [T, string]>;
  onChange: (value: T | undefined) => void;
}) {
  return (
    <label className="filter">
      {label}
      <select value={value ?? ''} onChange={(event) => onChange((event.target.value || undefined) as T | undefined)}>
        <option value="">any</option>
        {options.map(([option, name]) => (
          <option key={option} value={option}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

function RunRow({ run }: { run: RunSummary }) {
  const duration = run.durationMs ?? runDurationMs(run.startedAt, run.closedAt);
  return (
    <tr data-run-id={run.runId}>
      <td>
        <span className={`status ${run.status}`}>{run.status}</span>
      </td>
      <td>
        <Link href={runUrl(run.runId)}>{run.runId}</Link>
      </td>
      <td>{run.flowId && <Link href={flowUrl(run.flowId)}>{run.flowId}</Link>}</td>
      <td>
        {run.draft !== undefined ? `draft ${run.draft}` : run.flowVersion !== undefined ? `v${run.flowVersion}` : ''}
      </td>
      <td>{run.trigger ?? ''}</td>
      <td>
        <time dateTime={run.startedAt} title={run.startedAt}>
          {formatWhen(run.startedAt)}
        </time>
      </td>
      <td>{run.status === 'running' ? `${formatDuration(duration)} so far` : formatDuration(duration)}</td>
      <td className="error">{run.failedNode ?? ''}</td>
    </tr>
  );
}

export default function RunsList({ search }: { search: string }) {
  const filters = parseFilters(search);
  const [tokens, setTokens] = useState<string[]>([]);
  const [flowIds, setFlowIds] = useState<string[]>([]);
  const { page, error } = usePage(filters, tokens.at(-1));
  useEffect(() => {
    api.listFlows().then(
      (answer) => setFlowIds(answer.flows.map((flow) => flow.id)),
      () => setFlowIds([]),
    );
  }, []);
  const change = (next: RunFilters) => {
    setTokens([]);
    replaceSearch(filtersQuery(next));
  };
  const flowOptions = [...new Set([...flowIds, ...(filters.flowId ? [filters.flowId] : [])])].map(
    (id) => [id, id] as const,
  );
  return (
    <section className="runs-list" aria-labelledby="runs-title">
      <div className="flows-head">
        <h1 id="runs-title">{filters.flowId ? `Runs of ${filters.flowId}` : 'Runs'}</h1>
        <Link href={`/dashboard${filters.flowId ? `?flowId=${encodeURIComponent(filters.flowId)}` : ''}`}>
          Dashboard
        </Link>
      </div>
      <div className="filters" role="group" aria-label="Filters">
        <Select
          label="Flow"
          value={filters.flowId}
          options={flowOptions}
          onChange={(flowId) => change({ ...filters, flowId })}
        />
        <Select
          label="Status"
          value={filters.status}
          options={RUN_STATUS_FILTERS.map((status) => [status, status] as const)}
          onChange={(status) => change({ ...filters, status })}
        />
        <Select
          label="Trigger"
          value={filters.trigger}
          options={TRIGGER_FILTERS.map((trigger) => [trigger, trigger] as const)}
          onChange={(trigger) => change({ ...filters, trigger })}
        />
        <Select
          label="Started in the last"
          value={filters.window}
          options={(Object.keys(WINDOWS) as Array<keyof typeof WINDOWS>).map((window) => [window, window] as const)}
          onChange={(window) => change({ ...filters, window })}
        />
      </div>
      {error && (
        <p className="error" role="alert">
          Could not list the runs: {error}
        </p>
      )}
      {!page ? (
        <p className="loading">Loading runs…</p>
      ) : page.runs.length === 0 ? (
        <p className="empty">No runs{search ? ' match these filters' : ' yet'}.</p>
      ) : (
        <table className="flow-table run-table" aria-label="Runs">
          <thead>
            <tr>
              <th>Status</th>
              <th>Run</th>
              <th>Flow</th>
              <th>Version</th>
              <th>Trigger</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Failed node</th>
            </tr>
          </thead>
          <tbody>
            {page.runs.map((run) => (
              <RunRow key={run.runId} run={run} />
            ))}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={tokens.length === 0} onClick={() => setTokens(tokens.slice(0, -1))}>
          Newer
        </button>
        <span className="muted">Page {tokens.length + 1}</span>
        <button
          type="button"
          disabled={!page?.nextPageToken}
          onClick={() => page?.nextPageToken && setTokens([...tokens, page.nextPageToken])}
        >
          Older
        </button>
      </nav>
    </section>
  );
}
