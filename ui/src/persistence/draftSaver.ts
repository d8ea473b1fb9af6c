/**
 * Autosave of the draft: a change is saved within ~1 s (never more than one save in flight), with the revision it
 * was based on. A 409 from another writer puts the editor in a conflict state: autosave stops rather than overwrite.
 */
import { ApiError, api } from '../api/client';
import type { Problem } from '../domain/faults';
import type { FlowDefinition } from '../domain/model';
import { definitionProblems } from '../stores/checks';
import { createStore } from '../stores/createStore';

export type SaveStatus = 'new' | 'saved' | 'dirty' | 'saving' | 'invalid' | 'conflict' | 'error';

export interface SaveState {
  status: SaveStatus;
  /** The draft revision this editor last saved or loaded; null before the first save. */
  revision: number | null;
  savedAt?: string;
  problems: Problem[];
  message?: string;
}

export const DEBOUNCE_MS = 800;

export class DraftSaver {
  readonly state = createStore<SaveState>({ status: 'new', revision: null, problems: [] });
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> | null = null;
  private dirty = false;

  constructor(
    private readonly read: () => FlowDefinition | null,
    revision: number | null,
  ) {
    this.state.set({ status: revision === null ? 'new' : 'saved', revision, problems: [] });
  }

  /** The graph changed: save it soon. */
  changed(): void {
    if (this.state.get().status === 'conflict') return;
    this.dirty = true;
    this.state.set((state) => ({ ...state, status: state.status === 'saving' ? 'saving' : 'dirty' }));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), DEBOUNCE_MS);
  }

  /**
   * Saves now if anything is unsaved (with `ensureDraft`, also when no draft exists yet, as a test run needs one);
   * resolves when the draft holds the current graph, or saving failed.
   */
  async flush(ensureDraft = false): Promise<SaveState> {
    clearTimeout(this.timer);
    while (this.inFlight) await this.inFlight;
    if (ensureDraft && this.state.get().revision === null) this.dirty = true;
    if (this.dirty && this.state.get().status !== 'conflict') {
      this.inFlight = this.save().finally(() => (this.inFlight = null));
      await this.inFlight;
    }
    return this.state.get();
  }

  /** After a conflict: take the other writer's revision as the base and save this editor's graph over it. */
  async overwrite(): Promise<void> {
    const definition = this.read();
    if (!definition) return;
    const current = await api.readDraft(definition.id).catch(() => null);
    this.state.set((state) => ({ ...state, status: 'dirty', revision: current?.revision ?? null, message: undefined }));
    this.dirty = true;
    await this.flush();
  }

  /** A revision saved elsewhere in this editor (publishing discards the draft: null). */
  rebase(revision: number | null): void {
    this.dirty = false;
    this.state.set({ status: revision === null ? 'new' : 'saved', revision, problems: [] });
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private async save(): Promise<void> {
    const definition = this.read();
    this.dirty = false;
    if (!definition || definition.nodes.length === 0) {
      this.state.set((state) => ({ ...state, status: state.revision === null ? 'new' : 'saved' }));
      return;
    }
    // The API's checks first (POST /api/validate/flow answers problems with a 200): a draft that would be refused is
    // not sent, so the page never logs a refused request.
    let problems: Problem[];
    try {
      problems = await definitionProblems(definition);
    } catch (error) {
      this.dirty = true;
      this.state.set((state) => ({ ...state, status: 'error', message: (error as Error).message }));
      return;
    }
    if (problems.length > 0) {
      this.state.set((state) => ({
        ...state,
        status: 'invalid',
        problems,
        message: `the flow has ${problems.length} problem(s)`,
      }));
      return;
    }
    this.state.set((state) => ({ ...state, status: 'saving' }));
    try {
      const saved = await api.saveDraft(definition, this.state.get().revision);
      this.state.set({
        status: this.dirty ? 'dirty' : 'saved',
        revision: saved.revision,
        savedAt: saved.savedAt,
        problems: [],
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.code === 'draft_conflict') {
        this.state.set((state) => ({
          ...state,
          status: 'conflict',
          message:
            'This draft was changed elsewhere (another tab or person) since this editor loaded it. Your changes are not saved.',
        }));
      } else if (error instanceof ApiError && error.status === 400) {
        this.state.set((state) => ({ ...state, status: 'invalid', problems: error.problems, message: error.message }));
      } else {
        this.dirty = true;
        this.state.set((state) => ({ ...state, status: 'error', message: (error as Error).message }));
      }
    }
  }
}
