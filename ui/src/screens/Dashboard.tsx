/**
 * `/dashboard` (`?flowId=` for one flow, `&window=1h|24h|7d|30d`): executions over time, success rate, run and node
 * durations (p50/p95/p99), p95 memory per node, the top errors (each opening the runs it failed), and the month's
 * usage against the plan with its projection. Each panel asks for its own figures.
 */
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { metricsApi } from '../api/metrics';
import { Link } from '../app/Link';
import { replaceSearch } from '../app/router';
import { usageShares } from '../domain/run/charts';
import { formatBytes, formatCount, formatDuration, formatPercent, formatWhen } from '../domain/run/format';
import { filtersQuery, isWindow, WINDOWS, type TimeWindow } from '../domain/run/runFilters';
import { ColumnsChart, LineChart } from '../panels/dashboard/Charts';
import { useAnswer } from '../panels/dashboard/useAnswer';
import './run/run.css';

function rate(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : formatPercent(value, 1);
}

function Failed({ error }: { error: string | null }) {
  return error ? <p className="error">Could not load: {error}</p> : null;
}

function Summary({ window, flowId }: { window: TimeWindow; flowId?: string }) {
  const { value, error } = useAnswer(() => metricsApi.summary(window, flowId), `${window}.${flowId}`);
  return (
    <section className="cards" aria-label="Summary">
      <Failed error={error} />
      <div className="card">
        <h2>Executions</h2>
        <p className="figure" id="metric-executions">
          {value ? formatCount(value.runs.total) : '…'}
        </p>
        {value && (
          <p className="muted">
            {value.runs.completed} completed · {value.runs.failed} failed · {value.runs.cancelled} cancelled
          </p>
        )}
      </div>
      <div className="card">
        <h2>Success rate</h2>
        <p className="figure" id="metric-success-rate">
          {value ? rate(value.runs.successRate) : '…'}
        </p>
        {value && (
          <p className="muted">
            {formatCount(value.executions.total)} node executions, {rate(value.executions.successRate)} succeeded
          </p>
        )}
      </div>
      <div className="card">
        <h2>Run duration</h2>
        {value?.runDurationMs ? (
          <dl className="percentiles">
            <dt>p50</dt>
            <dd>{formatDuration(value.runDurationMs.p50)}</dd>
            <dt>p95</dt>
            <dd>{formatDuration(value.runDurationMs.p95)}</dd>
            <dt>p99</dt>
            <dd>{formatDuration(value.runDurationMs.p99)}</dd>
          </dl>
        ) : (
          <p className="figure">{value ? '—' : '…'}</p>
        )}
      </div>
    </section>
  );
}

function OverTime({ window, flowId }: { window: TimeWindow; flowId?: string }) {
  const { value, error } = useAnswer(() => metricsApi.timeseries(window, flowId), `${window}.${flowId}`);
  const at = value?.buckets.map((bucket) => bucket.at) ?? [];
  return (
    <section className="dash-panel" aria-label="Over time">
      <h2>Runs over time (UTC)</h2>
      <Failed error={error} />
      {value && (
        <>
          <ColumnsChart
            label="Runs per bucket: completed, failed, cancelled"
            at={at}
            bucketMs={value.bucketMs}
            series={[
              { name: 'completed', className: 'fill-ok' },
              { name: 'failed', className: 'fill-bad' },
              { name: 'cancelled', className: 'fill-muted' },
            ]}
            values={value.buckets.map((bucket) => [bucket.runs.completed, bucket.runs.failed, bucket.runs.cancelled])}
          />
          <h3>p95 run duration</h3>
          <LineChart
            label="p95 run duration per bucket"
            at={at}
            bucketMs={value.bucketMs}
            values={value.buckets.map((bucket) => bucket.runDurationMsP95)}
            format={formatDuration}
          />
        </>
      )}
    </section>
  );
}

function Nodes({ window, flowId }: { window: TimeWindow; flowId?: string }) {
  const { value, error } = useAnswer(() => metricsApi.nodes(window, flowId), `${window}.${flowId}`);
  const maxMemory = Math.max(1, ...(value?.nodes.map((node) => node.memoryBytes?.p95 ?? 0) ?? []));
  return (
    <section className="dash-panel" aria-label="Nodes">
      <h2>Nodes</h2>
      <Failed error={error} />
      {value && value.nodes.length === 0 && <p className="muted">No node ran in this window.</p>}
      {value && value.nodes.length > 0 && (
        <div className="json-table-wrap">
          <table className="flow-table node-metrics" aria-label="Node durations and memory">
            <thead>
              <tr>
                <th>Node</th>
                <th>Executions</th>
                <th>Succeeded</th>
                <th>p50</th>
                <th>p95</th>
                <th>p99</th>
                <th>p95 memory</th>
              </tr>
            </thead>
            <tbody>
              {value.nodes.map((node) => (
                <tr key={`${node.flowId}.${node.nodeId}`}>
                  <td>{flowId ? node.nodeId : `${node.flowId} · ${node.nodeId}`}</td>
                  <td>{formatCount(node.executions)}</td>
                  <td>{formatPercent(node.succeeded, node.succeeded + node.failed + node.cancelled)}</td>
                  <td>{formatDuration(node.durationMs?.p50)}</td>
                  <td>{formatDuration(node.durationMs?.p95)}</td>
                  <td>{formatDuration(node.durationMs?.p99)}</td>
                  <td>
                    <span className="meter" aria-hidden="true">
                      <span style={{ width: `${((node.memoryBytes?.p95 ?? 0) / maxMemory) * 100}%` }} />
                    </span>{' '}
                    {formatBytes(node.memoryBytes?.p95)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function windowOf(startedAfter: string | undefined, fallback: TimeWindow): TimeWindow {
  if (!startedAfter) return fallback;
  const span = Date.now() - Date.parse(startedAfter);
  return (Object.keys(WINDOWS) as TimeWindow[]).find((name) => WINDOWS[name] >= span) ?? '30d';
}

function TopErrors({ window, flowId }: { window: TimeWindow; flowId?: string }) {
  const { value, error } = useAnswer(() => metricsApi.errors(window, flowId), `${window}.${flowId}`);
  return (
    <section className="dash-panel" aria-label="Top errors">
      <h2>Top errors</h2>
      <Failed error={error} />
      {value && value.errors.length === 0 && <p className="muted">No errors in this window.</p>}
      {value && value.errors.length > 0 && (
        <table className="flow-table top-errors" aria-label="Top errors">
          <thead>
            <tr>
              <th>Error</th>
              <th>Where</th>
              <th>Count</th>
              <th>Last</th>
              <th>
                <span className="sr-only">Runs</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {value.errors.map((group) => {
              const runs = `/runs${filtersQuery({
                flowId: group.runsFilter.flowId ?? group.flowId,
                status: 'failed',
                window: windowOf(group.runsFilter.startedAfter, window),
              })}`;
              return (
                <tr key={`${group.flowId}.${group.nodeId}.${group.type}.${group.message}`}>
                  <td className="error">
                    {group.type}: {group.message}
                  </td>
                  <td>
                    {group.flowId} · {group.nodeId}
                  </td>
                  <td className="error-count">{formatCount(group.count)}</td>
                  <td>
                    <time dateTime={group.lastAt} title={group.lastAt}>
                      {formatWhen(group.lastAt)}
                    </time>
                  </td>
                  <td>
                    <Link href={runs} aria-label={`Failed runs of ${group.flowId}`}>
                      runs
                    </Link>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Usage() {
  const { value, error } = useAnswer(() => metricsApi.usage(), 'usage');
  if (!value) return <Failed error={error} />;
  const shares = usageShares(value.used, value.projected, value.limit);
  const maxDay = Math.max(1, ...value.daily.map((day) => day.executions));
  // One slot per day of the month, the days to come left empty, so the bars show how far the month has gone.
  const byDay = new Map(value.daily.map((day) => [Number(day.day.slice(8, 10)), day]));
  return (
    <section className="dash-panel usage" aria-label="Usage">
      <h2>
        Usage in {value.period} ({value.plan} plan)
      </h2>
      <p>
        <strong id="usage-used">{formatCount(value.used)}</strong>
        {value.limit ? ` of ${formatCount(value.limit)} executions` : ' executions (no monthly limit)'} · projected{' '}
        <strong className={value.projectedExceedsLimit ? 'error' : ''}>{formatCount(value.projected)}</strong> by the
        month’s end
        {value.projectedExceedsLimit ? ', past the limit' : ''}
      </p>
      {value.limit ? (
        <div
          className="usage-bar"
          role="meter"
          aria-label="Executions used this month"
          aria-valuemin={0}
          aria-valuemax={value.limit}
          aria-valuenow={value.used}
        >
          <span className={`projected ${shares.over ? 'over' : ''}`} style={{ width: `${shares.projectedPercent}%` }} />
          <span className="used" style={{ width: `${shares.usedPercent}%` }} />
        </div>
      ) : null}
      <div className="daily" aria-label="Executions per day of the month" role="img">
        {Array.from({ length: value.daysInMonth }, (_, index) => {
          const day = byDay.get(index + 1);
          return day === undefined ? (
            <span key={index} className="future" />
          ) : (
            <span
              key={index}
              title={`${day.day}: ${day.executions}`}
              style={{ height: `${(day.executions / maxDay) * 100}%` }}
            />
          );
        })}
      </div>
    </section>
  );
}

export default function Dashboard({ search }: { search: string }) {
  const params = new URLSearchParams(search);
  const requested = params.get('window');
  const window: TimeWindow = isWindow(requested) ? requested : '24h';
  const flowId = params.get('flowId') || undefined;
  const [flowIds, setFlowIds] = useState<string[]>([]);
  useEffect(() => {
    api.listFlows().then(
      (answer) => setFlowIds(answer.flows.map((flow) => flow.id)),
      () => setFlowIds([]),
    );
  }, []);
  const go = (next: { window: TimeWindow; flowId?: string }) => {
    const query = new URLSearchParams({ window: next.window });
    if (next.flowId) query.set('flowId', next.flowId);
    replaceSearch(`?${query.toString()}`);
  };
  return (
    <section className="dashboard" aria-labelledby="dashboard-title">
      <div className="flows-head">
        <h1 id="dashboard-title">{flowId ? `Dashboard: ${flowId}` : 'Dashboard'}</h1>
        <label className="filter">
          Flow
          <select value={flowId ?? ''} onChange={(event) => go({ window, flowId: event.target.value || undefined })}>
            <option value="">whole workspace</option>
            {[...new Set([...flowIds, ...(flowId ? [flowId] : [])])].map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <div className="segmented" role="group" aria-label="Time window">
          {(Object.keys(WINDOWS) as TimeWindow[]).map((name) => (
            <button
              key={name}
              type="button"
              aria-pressed={name === window}
              onClick={() => go({ window: name, flowId })}
            >
              {name}
            </button>
          ))}
        </div>
        <Link href={`/runs${filtersQuery({ flowId, window })}`}>Runs</Link>
      </div>
      <Summary window={window} flowId={flowId} />
      <div className="dash-grid">
        <OverTime window={window} flowId={flowId} />
        <TopErrors window={window} flowId={flowId} />
      </div>
      <Nodes window={window} flowId={flowId} />
      <Usage />
    </section>
  );
}
