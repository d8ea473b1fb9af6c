import { ReactNode, useEffect, useRef } from 'react';

/** A modal dialog (the browser's own <dialog>: focus trapped, Escape closes it). */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} aria-label={title} onClose={onClose} onCancel={onClose} className="dialog nokey">
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}
