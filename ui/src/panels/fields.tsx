/** Labelled inputs for the inspector: each commits only a valid value and says what is wrong with an invalid one. */
import { useEffect, useId, useState, type ReactNode } from 'react';

export function Field({
  label,
  error,
  hint,
  children,
  id,
}: {
  label: string;
  error?: string | null;
  hint?: ReactNode;
  children: ReactNode;
  id: string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && !error && <span className="hint">{hint}</span>}
      {error && (
        <span className="error" role="alert" id={`${id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

export function TextField({
  label,
  value,
  onCommit,
  validate,
  placeholder,
  hint,
}: {
  label: string;
  value: string;
  onCommit: (value: string) => void;
  validate?: (value: string) => string | null;
  placeholder?: string;
  hint?: ReactNode;
}) {
  const id = useId();
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const error = validate?.(text) ?? null;
  return (
    <Field label={label} error={error} hint={hint} id={id}>
      <input
        id={id}
        value={text}
        placeholder={placeholder}
        aria-invalid={error !== null}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => {
          setText(event.target.value);
          if (!validate?.(event.target.value)) onCommit(event.target.value);
        }}
      />
    </Field>
  );
}

export interface NumberFieldProps {
  label: string;
  value: number | undefined;
  min: number;
  max: number;
  /** Why `max` is the limit, for the message when a higher value is typed (e.g. "your plan"). */
  maxReason?: string;
  optional?: boolean;
  onCommit: (value: number | undefined) => void;
  hint?: ReactNode;
}

export function numberProblem(
  text: string,
  props: Pick<NumberFieldProps, 'min' | 'max' | 'maxReason' | 'optional'>,
): string | null {
  if (text.trim() === '') return props.optional ? null : 'Required.';
  const value = Number(text);
  if (!Number.isInteger(value)) return 'Enter a whole number.';
  if (value < props.min) return `At least ${props.min}.`;
  if (value > props.max) return `At most ${props.max}${props.maxReason ? ` (${props.maxReason})` : ''}.`;
  return null;
}

export function NumberField(props: NumberFieldProps) {
  const id = useId();
  const [text, setText] = useState(props.value === undefined ? '' : String(props.value));
  useEffect(() => setText(props.value === undefined ? '' : String(props.value)), [props.value]);
  const error = numberProblem(text, props);
  return (
    <Field label={props.label} error={error} hint={props.hint} id={id}>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        value={text}
        min={props.min}
        max={props.max}
        aria-invalid={error !== null}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => {
          setText(event.target.value);
          if (numberProblem(event.target.value, props) === null)
            props.onCommit(event.target.value.trim() === '' ? undefined : Number(event.target.value));
        }}
      />
    </Field>
  );
}

export function SelectField<T extends string>({
  label,
  value,
  options,
  onCommit,
}: {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onCommit: (value: T) => void;
}) {
  const id = useId();
  return (
    <Field label={label} id={id}>
      <select id={id} value={value} onChange={(event) => onCommit(event.target.value as T)}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </Field>
  );
}
