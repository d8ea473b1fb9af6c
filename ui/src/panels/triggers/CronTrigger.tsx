import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api/client';
import type { CronPreviewAnswer } from '../../api/types';
import type { CronTrigger } from '../../../../flow/triggers';
import { OVERLAP_POLICIES } from '../../../../flow/triggers';
import { describeCron, nextRunTimes } from '../../domain/cron';
import { SelectField, TextField } from '../fields';

const OVERLAP_LABELS: Record<(typeof OVERLAP_POLICIES)[number], string> = {
  skip: 'skip while a run is going',
  buffer_one: 'queue one',
  buffer_all: 'queue all',
  cancel_other: 'cancel the running one',
  terminate_other: 'terminate the running one',
  allow_all: 'run side by side',
};

function formatIn(timezone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(undefined, {
    timeZone: timezone,
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  });
}

/** Read here at once as the expression is typed; Temporal's own reading (POST /api/cron/preview) replaces the times when it answers. */
function preview(expression: string, timezone: string): { reading: string; times: string[] } | { error: string } {
  try {
    const format = formatIn(timezone);
    return {
      reading: describeCron(expression),
      times: nextRunTimes(expression, timezone, new Date()).map((time) => format.format(time)),
    };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export function CronTriggerEditor({
  trigger,
  onChange,
  schedule,
}: {
  trigger: CronTrigger;
  onChange: (field: string, trigger: CronTrigger) => void;
  schedule?: { paused: boolean; toggle: () => void };
}) {
  const shown = useMemo(() => preview(trigger.cron, trigger.timezone), [trigger.cron, trigger.timezone]);
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone'), []);
  const [temporal, setTemporal] = useState<CronPreviewAnswer | null>(null);
  const readable = !('error' in shown);
  useEffect(() => {
    setTemporal(null);
    if (!readable) return;
    const timer = setTimeout(
      () => void api.cronPreview(trigger.cron, trigger.timezone).then(setTemporal, () => undefined),
      300,
    );
    return () => clearTimeout(timer);
  }, [trigger.cron, trigger.timezone, readable]);
  const times = temporal
    ? temporal.next.map((time) => formatIn(trigger.timezone).format(new Date(time)))
    : 'times' in shown
      ? shown.times
      : [];
  return (
    <div className="trigger-body">
      <div className="field-grid">
        <TextField
          label="Cron expression"
          value={trigger.cron}
          onCommit={(cron) => onChange('cron', { ...trigger, cron })}
          validate={(text) => (text.trim() ? null : 'Required.')}
        />
        <TextField
          label="Time zone"
          value={trigger.timezone}
          onCommit={(timezone) => onChange('timezone', { ...trigger, timezone })}
          validate={(text) => (zones.includes(text) || text === 'UTC' ? null : 'Not an IANA time zone.')}
        />
      </div>
      {'error' in shown ? (
        <p className="error">{shown.error}</p>
      ) : (
        <div className="cron-preview" aria-label="Schedule preview">
          <p className="cron-reading">{shown.reading}</p>
          {temporal && <p className="muted">Temporal reads it as: {temporal.description}</p>}
          <ol className="next-runs" aria-label="Next five runs">
            {times.map((time) => (
              <li key={time}>{time}</li>
            ))}
          </ol>
        </div>
      )}
      <SelectField
        label="When a run is still going"
        value={trigger.overlap}
        options={OVERLAP_POLICIES.map((value) => ({ value, label: OVERLAP_LABELS[value] }))}
        onCommit={(overlap) => onChange('overlap', { ...trigger, overlap })}
      />
      <label className="check">
        <input
          type="checkbox"
          checked={trigger.paused}
          onChange={(event) => onChange('paused', { ...trigger, paused: event.target.checked })}
        />{' '}
        Paused in this draft
      </label>
      {schedule && (
        <p>
          Published schedule: {schedule.paused ? 'paused' : 'running'}{' '}
          <button type="button" onClick={schedule.toggle}>
            {schedule.paused ? 'Resume' : 'Pause'}
          </button>
        </p>
      )}
    </div>
  );
}
