import { useStore } from '../../stores/createStore';
import type { DraftSaver } from '../../persistence/draftSaver';

const LABELS = {
  new: 'No draft',
  saved: 'Draft saved',
  dirty: 'Unsaved changes',
  saving: 'Saving…',
  invalid: 'Not saved',
  conflict: 'Conflict',
  error: 'Not saved',
} as const;

/** Where the draft stands, and what to do about a conflict or a refused save. */
export function SaveStatus({ saver, onReload }: { saver: DraftSaver; onReload: () => void }) {
  const state = useStore(saver.state, (current) => current);
  return (
    <div className={`save-status ${state.status}`} role="status" aria-live="polite">
      <span>
        {LABELS[state.status]}
        {state.status === 'saved' && state.revision !== null && ` · revision ${state.revision}`}
      </span>
      {state.status === 'invalid' && (
        <span
          className="problems"
          title={state.problems
            .map(
              (problem) =>
                `${typeof problem.path === 'string' ? problem.path : problem.path.join('.')}: ${problem.message}`,
            )
            .join('\n')}
        >
          : {state.problems[0]?.message ?? state.message}
          {state.problems.length > 1 && ` (+${state.problems.length - 1} more)`}
        </span>
      )}
      {state.status === 'error' && <span>: {state.message}</span>}
      {state.status === 'conflict' && (
        <span className="conflict" role="alert">
          : {state.message}{' '}
          <button type="button" onClick={onReload}>
            Load their draft
          </button>{' '}
          <button type="button" onClick={() => void saver.overwrite()}>
            Keep mine
          </button>
        </span>
      )}
    </div>
  );
}
