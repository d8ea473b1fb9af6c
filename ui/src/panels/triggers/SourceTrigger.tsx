/**
 * Event triggers (PostgreSQL, S3, signed webhooks, Salesforce, the event bus): one field per setting the trigger holds.
 * Credentials are never here: the trigger names the workspace variable that holds them. The API checks every value.
 */
import type { SourceTrigger } from '../../../../flow/eventTriggers';
import { NumberField, TextField } from '../fields';

type Value = string | number | boolean | string[] | undefined;

export function SourceTriggerEditor({
  trigger,
  onChange,
}: {
  trigger: SourceTrigger;
  onChange: (field: string, trigger: SourceTrigger) => void;
}) {
  const set = (field: string, value: Value) => onChange(field, { ...trigger, [field]: value });
  const entries = Object.entries(trigger as Record<string, Value>).filter(
    ([field]) => field !== 'type' && field !== 'paused',
  );
  return (
    <div className="trigger-body">
      <div className="field-grid">
        {entries.map(([field, value]) =>
          typeof value === 'number' ? (
            <NumberField
              key={field}
              label={field}
              value={value}
              min={0}
              max={1_000_000_000}
              onCommit={(next) => next !== undefined && set(field, next)}
            />
          ) : Array.isArray(value) ? (
            <TextField
              key={field}
              label={`${field} (comma-separated)`}
              value={value.join(', ')}
              onCommit={(text) =>
                set(
                  field,
                  text
                    .split(',')
                    .map((item) => item.trim())
                    .filter(Boolean),
                )
              }
            />
          ) : typeof value === 'string' ? (
            <TextField key={field} label={field} value={value} onCommit={(text) => set(field, text)} />
          ) : null,
        )}
      </div>
      <label className="check">
        <input type="checkbox" checked={trigger.paused} onChange={(event) => set('paused', event.target.checked)} />{' '}
        Paused
      </label>
    </div>
  );
}
