/** An error message announced to screen readers; nothing when there is none. */
export function Alert({ text }: { text: string | null | undefined }) {
  if (!text) return null;
  return (
    <p role="alert" className="error">
      {text}
    </p>
  );
}
