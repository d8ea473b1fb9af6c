/** What the editor shows around the canvas: the open side panel, and a pending question (a loop's maximum). */
import { createStore, useStore } from './createStore';

export type SidePanel = 'inspector' | 'triggers' | 'versions' | 'settings' | 'run' | null;

export interface PendingLoop {
  from: string;
  to: string;
  sourceHandle: string;
}

export interface UiState {
  panel: SidePanel;
  pendingLoop: PendingLoop | null;
  notice: { kind: 'info' | 'error'; text: string } | null;
}

export const uiStore = createStore<UiState>({ panel: null, pendingLoop: null, notice: null });

export function useUi<S>(select: (state: UiState) => S): S {
  return useStore(uiStore, select);
}

export function openPanel(panel: SidePanel): void {
  uiStore.set((state) => ({ ...state, panel }));
}

export function notify(kind: 'info' | 'error', text: string): void {
  uiStore.set((state) => ({ ...state, notice: { kind, text } }));
}
