/** Every attempt of a node in the run: status, queue wait, duration, memory, and its error with the stack. */
import type { Attempt } from '../../api/types';
import { formatBytes, formatDuration } from '../../domain/run/format';

export function Attempts({ attempts }: { attempts: Attempt[] }) {
  if (attempts.length === 0) return <p className="muted">No attempts recorded.</p>;
  const executions = new Set(attempts.map((attempt) => attempt.execution)).size;
  return (
    <ol className="attempts" aria-label="Attempts">
      {attempts.map((attempt) => (
        <li
          key={`${attempt.execution}.${attempt.attempt}`}
          data-attempt={attempt.attempt}
          className={`attempt ${attempt.status}`}
        >
          <div className="attempt-head">
            <strong>
              {executions > 1
                ? `Execution ${attempt.execution}, attempt ${attempt.attempt}`
                : `Attempt ${attempt.attempt}`}
            </strong>
            <span className={`status ${attempt.status}`}>{attempt.status}</span>
            <span className="muted">
              {new Date(attempt.startedAt).toLocaleTimeString()}
              {attempt.queueWaitMs !== undefined && ` · queued ${formatDuration(attempt.queueWaitMs)}`}
              {attempt.durationMs !== undefined && ` · ran ${formatDuration(attempt.durationMs)}`}
              {attempt.memoryBytes !== undefined && ` · ${formatBytes(attempt.memoryBytes)}`}
            </span>
          </div>
          {attempt.error && (
            <details open={attempt.status === 'failed' && attempt === attempts.at(-1)}>
              <summary className="error">
                {attempt.error.name}: {attempt.error.message}
              </summary>
              {attempt.error.stack && <pre className="stack">{attempt.error.stack}</pre>}
            </details>
          )}
        </li>
      ))}
    </ol>
  );
}
