/** A JSON value, pretty-printed and bounded so a large output cannot freeze the page. */
const LIMIT = 20_000;

export function JsonView({ value, id, label }: { value: unknown; id?: string; label?: string }) {
  const text = value === undefined ? '' : JSON.stringify(value, null, 2);
  return (
    <pre className="json" id={id} aria-label={label}>
      {text.length > LIMIT ? `${text.slice(0, LIMIT)}\n… (${text.length - LIMIT} more characters)` : text}
    </pre>
  );
}
