/**
 * Event triggers (PostgreSQL, MongoDB, S3, signed webhooks, Salesforce, the event bus): one field per setting of the
 * kind's schema, optional ones included (domain/triggerFields.ts). Each value is checked as the API checks it and
 * committed only when it passes. Credentials are never here: the trigger names the workspace variable holding them.
 */
import { useEffect, useState } from 'react';
import type { SourceTrigger } from '../../../../flow/eventTriggers';
import { fieldProblem, parseList, triggerFields, withField, type TriggerField } from '../../domain/triggerFields';
import { NumberField, SelectField, TextField } from '../fields';

const ABSENT = '';

/** Several of a fixed set, as checkboxes; a selection the API would refuse (none, for most) is shown, not committed. */
function Choices({
  field,
  label,
  value,
  problemOf,
  onCommit,
}: {
  field: TriggerField & { kind: 'choices' };
  label: string;
  value: string[] | undefined;
  problemOf: (value: string[] | undefined) => string | null;
  onCommit: (value: string[] | undefined) => void;
}) {
  const [chosen, setChosen] = useState(value);
  useEffect(() => setChosen(value), [value]);
  const problem = problemOf(chosen);
  return (
    <fieldset className="field choices">
      <legend>{label}</legend>
      {field.options.map((option) => (
        <label key={option} className="check">
          <input
            type="checkbox"
            checked={chosen?.includes(option) ?? false}
            onChange={(event) => {
              const picked = field.options.filter((candidate) =>
                candidate === option ? event.target.checked : chosen?.includes(candidate),
              );
              const next = picked.length === 0 && field.optional ? undefined : picked;
              setChosen(next);
              if (problemOf(next) === null) onCommit(next);
            }}
          />{' '}
          {option}
        </label>
      ))}
      {problem && (
        <span className="error" role="alert">
          {problem}
        </span>
      )}
    </fieldset>
  );
}

export function SourceTriggerEditor({
  trigger,
  onChange,
}: {
  trigger: SourceTrigger;
  onChange: (field: string, trigger: SourceTrigger) => void;
}) {
  const values = trigger as Record<string, unknown>;
  const problemOf = (field: string, value: unknown) => fieldProblem(trigger.type, field, value);
  const set = (field: string, value: unknown) => onChange(field, withField(trigger, field, value));
  const label = (field: TriggerField) => (field.optional ? `${field.name} (optional)` : field.name);
  return (
    <div className="trigger-body">
      <div className="field-grid">
        {triggerFields(trigger.type).map((field) => {
          const value = values[field.name];
          switch (field.kind) {
            case 'text':
              return (
                <TextField
                  key={field.name}
                  label={label(field)}
                  value={typeof value === 'string' ? value : ''}
                  validate={(text) => problemOf(field.name, text === '' && field.optional ? undefined : text)}
                  onCommit={(text) => set(field.name, text === '' && field.optional ? undefined : text)}
                />
              );
            case 'number':
              return (
                <NumberField
                  key={field.name}
                  label={label(field)}
                  value={typeof value === 'number' ? value : undefined}
                  min={field.min}
                  max={field.max}
                  optional={field.optional}
                  onCommit={(next) => set(field.name, next)}
                />
              );
            case 'choice':
              return (
                <SelectField
                  key={field.name}
                  label={label(field)}
                  value={typeof value === 'string' ? value : ABSENT}
                  options={[
                    ...(field.optional ? [{ value: ABSENT, label: '(not set)' }] : []),
                    ...field.options.map((option) => ({ value: option, label: option })),
                  ]}
                  onCommit={(next) => set(field.name, next === ABSENT ? undefined : next)}
                />
              );
            case 'choices':
              return (
                <Choices
                  key={field.name}
                  field={field}
                  label={label(field)}
                  value={Array.isArray(value) ? (value as string[]) : undefined}
                  problemOf={(next) => problemOf(field.name, next)}
                  onCommit={(next) => set(field.name, next)}
                />
              );
            case 'list':
              return (
                <TextField
                  key={field.name}
                  label={`${label(field)}, comma-separated`}
                  value={Array.isArray(value) ? value.join(', ') : ''}
                  validate={(text) => problemOf(field.name, parseList(text))}
                  onCommit={(text) => set(field.name, parseList(text))}
                />
              );
          }
        })}
      </div>
      <label className="check">
        <input type="checkbox" checked={trigger.paused} onChange={(event) => set('paused', event.target.checked)} />{' '}
        Paused
      </label>
    </div>
  );
}
