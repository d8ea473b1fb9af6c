/**
 * What can be done with a run: cancel it while it runs, deliver an event to a waiting node, run it again with the same
 * input (on the version it ran, or the newest), and open its inputs as pinned test data in the flow's editor.
 */
import { useState, type FormEvent } from 'react';
import { runsApi } from '../../api/runs';
import { flowUrl, navigate, runUrl } from '../../app/router';
import { pinInputs } from '../../persistence/pinnedInputs';

export interface RunActionsProps {
  runId: string;
  flowId?: string;
  open: boolean;
  /** The run's wait nodes waiting now, with the event each waits for. */
  waiting: Array<{ nodeId: string; event?: string }>;
  onError: (message: string | null) => void;
}

function EventForm({
  runId,
  waiting,
  onError,
  onDone,
}: Pick<RunActionsProps, 'runId' | 'waiting' | 'onError'> & { onDone: () => void }) {
  const [event, setEvent] = useState(waiting[0]?.event ?? '');
  const [payload, setPayload] = useState('{}');
  const [busy, setBusy] = useState(false);
  const submit = async (formEvent: FormEvent) => {
    formEvent.preventDefault();
    let value: unknown;
    try {
      value = payload.trim() ? JSON.parse(payload) : undefined;
    } catch (error) {
      onError(`The payload is not JSON: ${(error as Error).message}`);
      return;
    }
    setBusy(true);
    try {
      await runsApi.sendEvent(runId, event.trim(), value);
      onError(null);
      onDone();
    } catch (error) {
      onError(`Not delivered: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="event-form" onSubmit={(formEvent) => void submit(formEvent)} aria-label="Deliver an event">
      <label htmlFor="event-type">Event</label>
      <input
        id="event-type"
        value={event}
        onChange={(change) => setEvent(change.target.value)}
        required
        list="waiting-events"
      />
      <datalist id="waiting-events">
        {waiting.flatMap((wait) => (wait.event ? [<option key={wait.nodeId} value={wait.event} />] : []))}
      </datalist>
      <label htmlFor="event-payload">Payload (JSON)</label>
      <textarea
        id="event-payload"
        rows={4}
        value={payload}
        onChange={(change) => setPayload(change.target.value)}
        spellCheck={false}
      />
      <div className="actions left">
        <button type="submit" className="primary" disabled={busy || !event.trim()}>
          Deliver
        </button>
        <button type="button" onClick={onDone}>
          Close
        </button>
      </div>
    </form>
  );
}

export function RunActions({ runId, flowId, open, waiting, onError }: RunActionsProps) {
  const [busy, setBusy] = useState(false);
  const [eventForm, setEventForm] = useState(false);
  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    onError(null);
    try {
      await action();
    } catch (error) {
      onError((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const rerun = (version: 'same' | 'latest') =>
    act(async () => navigate(runUrl((await runsApi.rerun(runId, version)).runId)));
  const debug = () =>
    act(async () => {
      const inputs = await runsApi.inputs(runId);
      pinInputs(inputs.flowId, { runId, trigger: inputs.trigger.payload, nodes: inputs.nodes });
      navigate(flowUrl(inputs.flowId));
    });
  return (
    <div className="run-actions">
      <div className="toolbar-group" role="group" aria-label="Run actions">
        {open && (
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => void act(async () => void (await runsApi.cancel(runId)))}
          >
            Cancel run
          </button>
        )}
        {open && (
          <button type="button" disabled={busy} aria-expanded={eventForm} onClick={() => setEventForm(!eventForm)}>
            Deliver event…
          </button>
        )}
        <button
          type="button"
          disabled={busy}
          onClick={() => void rerun('same')}
          title="The same trigger and input, on the version this run ran"
        >
          Rerun (same version)
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => void rerun('latest')}
          title="The same trigger and input, on the flow’s newest version"
        >
          Rerun (newest version)
        </button>
        {flowId && (
          <button
            type="button"
            disabled={busy}
            onClick={() => void debug()}
            title="Open the flow with this run’s inputs pinned as test data"
          >
            Debug in editor
          </button>
        )}
      </div>
      {eventForm && open && (
        <EventForm runId={runId} waiting={waiting} onError={onError} onDone={() => setEventForm(false)} />
      )}
    </div>
  );
}
