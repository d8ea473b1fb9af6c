/** A credential the API never shows again: it reads back as a mask; typing replaces it, nothing displays it. */
import { useId, useState } from 'react';

export const REDACTED = '[redacted secret]';

export function SecretField({
  label,
  value,
  minLength,
  onCommit,
}: {
  label: string;
  value: string;
  minLength: number;
  onCommit: (value: string) => void;
}) {
  const id = useId();
  const saved = value === REDACTED;
  const [text, setText] = useState(saved ? '' : value);
  const problem =
    text === '' ? (saved ? null : 'Required.') : text.length < minLength ? `At least ${minLength} characters.` : null;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="password"
        autoComplete="new-password"
        value={text}
        placeholder={saved ? 'saved — type to replace' : ''}
        aria-invalid={problem !== null}
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value === '' && saved) onCommit(REDACTED);
          else if (event.target.value.length >= minLength) onCommit(event.target.value);
        }}
      />
      {problem && <span className="error">{problem}</span>}
    </div>
  );
}
