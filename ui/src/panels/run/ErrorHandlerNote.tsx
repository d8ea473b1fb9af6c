/** A failed run's error handler in the run's header: a link to the handler run, or why it did not start. */
import type { ErrorHandlerOutcome } from '../../../../flow/errorHandler';
import { Link } from '../../app/Link';
import { runUrl } from '../../app/router';

export function ErrorHandlerNote({ outcome }: { outcome: ErrorHandlerOutcome }) {
  if (outcome.runId)
    return (
      <span id="run-error-handler">
        error handler <Link href={runUrl(outcome.runId)}>{outcome.flowId ?? 'run'}</Link>
      </span>
    );
  if (!outcome.problem) return null;
  return (
    <span id="run-error-handler" className="error">
      error handler {outcome.flowId ? `${outcome.flowId} ` : ''}not started: {outcome.problem}
    </span>
  );
}
