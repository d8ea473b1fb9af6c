/** The editor's keyboard: Ctrl/Cmd+S saves, Ctrl/Cmd+Enter runs, Delete removes the selection, Escape closes panels. */
import { useEffect } from 'react';
import { redo, undo } from '../stores/graph';
import { copy, deleteSelection, paste } from './actions';

export interface ShortcutHandlers {
  save: () => void;
  run: () => void;
  escape: () => void;
}

/** Whether a key press belongs to a text field or the code editor rather than to the canvas. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) ||
    target.closest('.monaco-editor') !== null
  );
}

export function useShortcuts(handlers: ShortcutHandlers): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (mod && key === 's') {
        event.preventDefault();
        event.stopPropagation();
        handlers.save();
        return;
      }
      if (mod && key === 'enter') {
        event.preventDefault();
        event.stopPropagation();
        handlers.run();
        return;
      }
      if (key === 'escape') {
        if (document.querySelector('dialog[open]')) return;
        handlers.escape();
        return;
      }
      if (isTyping(event.target)) return;
      if (key === 'delete' || key === 'backspace') {
        event.preventDefault();
        deleteSelection();
      } else if (mod && key === 'z') {
        event.preventDefault();
        if (event.shiftKey) redo();
        else undo();
      } else if (mod && key === 'y') {
        event.preventDefault();
        redo();
      } else if (mod && key === 'c') {
        if (copy()) event.preventDefault();
      } else if (mod && key === 'v') {
        event.preventDefault();
        paste();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [handlers]);
}
