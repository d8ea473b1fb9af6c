/** One open flow: its autosave, and running or publishing what the canvas holds. */
import { api } from '../../api/client';
import { followRun } from '../../api/runStream';
import { toDefinition } from '../../domain/convert';
import type { FlowDefinition } from '../../domain/model';
import { DraftSaver } from '../../persistence/draftSaver';
import { createStore } from '../../stores/createStore';
import { currentGraph, graphStore } from '../../stores/graph';
import { applyRunEvent, clearRun } from '../../stores/runStatus';

export interface SessionInfo {
  latestVersion: number | null;
}

export class EditorSession {
  readonly saver: DraftSaver;
  readonly info = createStore<SessionInfo>({ latestVersion: null });
  private runAbort: AbortController | null = null;
  /** Set when the editor closes: the last save must not read a graph another screen has loaded since. */
  private closedWith: FlowDefinition | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    readonly flowId: string,
    revision: number | null,
    latestVersion: number | null,
  ) {
    this.saver = new DraftSaver(() => this.definition(), revision);
    this.info.set({ latestVersion });
    let seen = graphStore.get().contentVersion;
    this.unsubscribe = graphStore.subscribe(() => {
      const { contentVersion } = graphStore.get();
      if (contentVersion === seen) return;
      seen = contentVersion;
      this.saver.changed();
    });
  }

  definition(): FlowDefinition {
    return this.closedWith ?? toDefinition(currentGraph());
  }

  /** Saves the draft and starts a test run of it; the canvas follows the run live. Throws when the draft cannot be saved. */
  async runDraft(input: unknown): Promise<string> {
    const saved = await this.saver.flush(true);
    if (saved.status !== 'saved')
      throw new Error(saved.message ?? 'the draft is not saved; fix the problems shown first');
    const { runId } = await api.runDraft(this.flowId, input);
    this.follow(runId);
    return runId;
  }

  follow(runId: string): void {
    this.runAbort?.abort();
    const abort = new AbortController();
    this.runAbort = abort;
    clearRun(runId);
    void followRun(runId, applyRunEvent, abort.signal).catch(() => undefined);
  }

  /** Saves the canvas as a new version, then discards the draft (it is now the version). */
  async publish(): Promise<number> {
    await this.saver.flush();
    const { version } = await api.publish(this.definition());
    await api.discardDraft(this.flowId).catch(() => undefined);
    this.saver.rebase(null);
    this.info.set({ latestVersion: version });
    return version;
  }

  /** Leaving the editor: unsaved changes are saved, then everything stops. */
  close(): void {
    this.closedWith = this.definition();
    this.unsubscribe();
    void this.saver.flush().finally(() => this.dispose());
  }

  dispose(): void {
    this.runAbort?.abort();
    this.saver.dispose();
    this.unsubscribe();
  }
}
