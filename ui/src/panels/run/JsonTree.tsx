/**
 * A JSON value as a tree that opens level by level: children are rendered only once their parent is opened, and at
 * most 100 at a time, so a large output costs nothing until someone looks into it.
 */
import { useState } from 'react';

const PAGE = 100;

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return value !== null && typeof value === 'object';
}

function preview(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length}]`;
  if (isContainer(value)) return `{${Object.keys(value).length}}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 199)}…` : value);
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function Entry({ name, value, depth }: { name: string; value: unknown; depth: number }) {
  const [open, setOpen] = useState(depth < 1);
  const [shown, setShown] = useState(PAGE);
  if (!isContainer(value))
    return (
      <li>
        <span className="json-key">{name}</span>:{' '}
        <span className={`json-${value === null ? 'null' : typeof value}`}>{preview(value)}</span>
      </li>
    );
  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  return (
    <li>
      <button type="button" className="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? '▾' : '▸'} <span className="json-key">{name}</span> <span className="muted">{preview(value)}</span>
      </button>
      {open && (
        <ul>
          {entries.slice(0, shown).map(([key, inner]) => (
            <Entry key={key} name={key} value={inner} depth={depth + 1} />
          ))}
          {entries.length > shown && (
            <li>
              <button type="button" className="link" onClick={() => setShown(shown + PAGE)}>
                Show {Math.min(PAGE, entries.length - shown)} more of {entries.length - shown}
              </button>
            </li>
          )}
        </ul>
      )}
    </li>
  );
}

export function JsonTree({ value, label, rootName = 'output' }: { value: unknown; label: string; rootName?: string }) {
  return (
    <ul className="json-tree" aria-label={label}>
      <Entry name={rootName} value={value} depth={0} />
    </ul>
  );
}
