import { FormEvent } from 'react';
import { confirmLoop } from '../canvas/actions';
import { useUi } from '../stores/ui';
import { Dialog } from './Dialog';

/** An edge back to an earlier node is a loop: it needs the most times its target may run again. */
export function LoopDialog() {
  const pending = useUi((state) => state.pendingLoop);
  if (!pending) return null;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = Number(new FormData(event.currentTarget).get('maxIterations'));
    if (Number.isInteger(value) && value >= 1) confirmLoop(pending, value);
  };
  return (
    <Dialog title="This edge makes a loop" onClose={() => confirmLoop(pending, null)}>
      <form onSubmit={submit} className="form">
        <p>
          The edge from <strong>{pending.from}</strong> goes back to <strong>{pending.to}</strong>. How many times at
          most may the loop run?
        </p>
        <label>
          Maximum iterations
          <input name="maxIterations" type="number" min={1} max={10000} defaultValue={10} autoFocus required />
        </label>
        <div className="actions">
          <button type="button" onClick={() => confirmLoop(pending, null)}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Add loop
          </button>
        </div>
      </form>
    </Dialog>
  );
}
