/** A node's log lines, with level and time; follows the end while new lines stream in. */
import { useEffect, useRef } from 'react';
import type { LogEntry } from '../../api/types';

function text(entry: LogEntry): string {
  return entry.args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ');
}

export function LogLines({ entries, live, truncated }: { entries: LogEntry[]; live: boolean; truncated?: boolean }) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const element = list.current;
    if (live && element) element.scrollTop = element.scrollHeight;
  }, [entries.length, live]);
  if (entries.length === 0) return <p className="muted">{live ? 'No lines yet.' : 'No log lines.'}</p>;
  return (
    <>
      <ol className="log-lines" ref={list} aria-label="Log lines" aria-live={live ? 'polite' : undefined}>
        {entries.map((entry, index) => (
          <li key={index} className={`log-${entry.level}`}>
            <time dateTime={entry.timestamp}>{entry.timestamp.slice(11, 23)}</time>
            <span className="log-level">{entry.level}</span>
            <span className="log-text">{text(entry)}</span>
          </li>
        ))}
      </ol>
      {truncated && (
        <p className="muted">Live lines stopped at the stream’s limit; all lines show when the node ends.</p>
      )}
    </>
  );
}
