/** A node's `input` mapping: its predecessors' output (default), one source, or an object of fields, each a path or a constant. */
import { useId, useState } from 'react';
import type { InputMapping as Mapping, InputSource as Source } from '../../../flow/schema';

function isSource(mapping: Mapping): mapping is Source {
  return (
    ('path' in mapping && typeof mapping.path === 'string') || ('value' in mapping && Object.keys(mapping).length === 1)
  );
}

function SourceEditor({
  source,
  paths,
  onChange,
  label,
}: {
  source: Source;
  paths: readonly string[];
  onChange: (source: Source) => void;
  label: string;
}) {
  const listId = useId();
  const [constantText, setConstantText] = useState('value' in source ? JSON.stringify(source.value) : '');
  const [constantError, setConstantError] = useState<string | null>(null);
  const isPath = 'path' in source;
  return (
    <div className="source">
      <select
        aria-label={`${label}: kind`}
        value={isPath ? 'path' : 'value'}
        onChange={(event) => onChange(event.target.value === 'path' ? { path: 'trigger.payload' } : { value: null })}
      >
        <option value="path">from</option>
        <option value="value">constant</option>
      </select>
      {isPath ? (
        <>
          <input
            aria-label={`${label}: path`}
            list={listId}
            value={source.path}
            onChange={(event) => onChange({ path: event.target.value })}
            placeholder="steps.node.field"
          />
          <datalist id={listId}>
            {paths.map((path) => (
              <option key={path} value={path} />
            ))}
          </datalist>
        </>
      ) : (
        <>
          <input
            aria-label={`${label}: JSON value`}
            value={constantText}
            aria-invalid={constantError !== null}
            onChange={(event) => {
              setConstantText(event.target.value);
              try {
                // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- any JSON the user typed is a constant
                onChange({ value: JSON.parse(event.target.value) });
                setConstantError(null);
              } catch {
                setConstantError('Not JSON');
              }
            }}
          />
          {constantError && <span className="error">{constantError}</span>}
        </>
      )}
    </div>
  );
}

export function InputMappingEditor({
  mapping,
  paths,
  onChange,
}: {
  mapping: Mapping | undefined;
  paths: readonly string[];
  onChange: (mapping: Mapping | undefined) => void;
}) {
  const mode = mapping === undefined ? 'default' : isSource(mapping) ? 'source' : 'fields';
  const fields = mapping !== undefined && !isSource(mapping) ? Object.entries(mapping) : [];
  const setFields = (entries: [string, Source][]) => onChange(Object.fromEntries(entries));
  return (
    <fieldset className="input-mapping">
      <legend>Input</legend>
      <select
        aria-label="Input mapping"
        value={mode}
        onChange={(event) => {
          const next = event.target.value;
          onChange(
            next === 'default'
              ? undefined
              : next === 'source'
                ? { path: paths[0] ?? 'trigger.payload' }
                : // Not `value` or `path`: a single field so named would read as one source.
                  { field1: { path: paths[0] ?? 'trigger.payload' } },
          );
        }}
      >
        <option value="default">what the previous node returned</option>
        <option value="source">one value</option>
        <option value="fields">an object of fields</option>
      </select>
      {mode === 'source' && mapping && isSource(mapping) && (
        <SourceEditor source={mapping} paths={paths} onChange={onChange} label="Input" />
      )}
      {mode === 'fields' &&
        fields.map(([name, source], index) => (
          <div className="mapping-row" key={index}>
            <input
              aria-label={`Field ${index + 1} name`}
              value={name}
              onChange={(event) =>
                setFields(fields.map((entry, i) => (i === index ? [event.target.value, entry[1]] : entry)))
              }
            />
            <SourceEditor
              source={source}
              paths={paths}
              label={`Field ${name}`}
              onChange={(next) => setFields(fields.map((entry, i) => (i === index ? [entry[0], next] : entry)))}
            />
            {fields.length === 1 && (name === 'value' || name === 'path') && (
              <span className="error" role="alert">
                One field named “{name}” reads as a single {name === 'value' ? 'constant' : 'path'}: rename it or add
                another field.
              </span>
            )}
            <button
              type="button"
              aria-label={`Remove field ${name}`}
              onClick={() =>
                fields.length > 1 ? setFields(fields.filter((_, i) => i !== index)) : onChange(undefined)
              }
            >
              ×
            </button>
          </div>
        ))}
      {mode === 'fields' && (
        <button
          type="button"
          onClick={() => setFields([...fields, [`field${fields.length + 1}`, { path: paths[0] ?? 'trigger.payload' }]])}
        >
          Add field
        </button>
      )}
    </fieldset>
  );
}
