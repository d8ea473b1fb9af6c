/**
 * The webhook path's last known settings, kept on local disk beside the webhook journal, so that a gateway started
 * while the store is down still accepts async webhooks (journaled, started once Temporal has them): each webhook flow's
 * newest version and workspace as last read, and the workspaces last known far from their month's executions. Read
 * once at start; written (a temporary file renamed over it) a second after what it holds changes, never per delivery.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FlowVersion } from '../flow/schema';
import { log } from './logging';

const SettingsFile = z.object({
  v: z.literal(1),
  flows: z.record(z.string(), z.object({ version: FlowVersion, workspace: z.string() })),
  farFromLimit: z.array(z.string()),
});
export type LastKnown = Omit<z.infer<typeof SettingsFile>, 'v'>;

const WRITE_DELAY_MS = 1_000;

export class LastKnownSettings {
  private timer?: NodeJS.Timeout;
  /** What was read at start: nothing when there was no file, or one this version cannot read. */
  readonly loaded: LastKnown;

  constructor(
    private readonly file: string,
    private readonly current: () => LastKnown,
  ) {
    this.loaded = LastKnownSettings.read(file);
  }

  /** The settings file in the journal's directory. */
  static beside(journalDir: string, current: () => LastKnown): LastKnownSettings {
    fs.mkdirSync(journalDir, { recursive: true });
    return new LastKnownSettings(path.join(journalDir, 'webhook-settings.json'), current);
  }

  private static read(file: string): LastKnown {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return { flows: {}, farFromLimit: [] };
    }
    try {
      const { v: _v, ...known } = SettingsFile.parse(JSON.parse(text));
      return known;
    } catch (error) {
      log.warn({ err: error }, `${file} is not readable: starting with no last known webhook settings`);
      return { flows: {}, farFromLimit: [] };
    }
  }

  /** Something it holds changed: written within a second (changes in that second are written together). */
  changed(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, WRITE_DELAY_MS);
    this.timer.unref();
  }

  /** Writes now (a stop writes what a pending change had not yet). */
  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.write();
  }

  private write(): void {
    const temporary = `${this.file}.tmp`;
    try {
      fs.writeFileSync(temporary, JSON.stringify({ v: 1, ...this.current() }));
      fs.renameSync(temporary, this.file);
    } catch (error) {
      // A full disk costs the cold start its cache, not a delivery: the journal answers for those.
      log.warn({ err: error }, `could not write ${this.file}`);
    }
  }
}
