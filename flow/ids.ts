/**
 * The identifier formats that outlive a process (Temporal workflow ids, search-attribute values, store keys), each
 * built and read here only. Pure, with no Node imports: the interpreter workflow builds child run ids with it.
 */

/** Flow and node ids: 1-64 letters, digits, "-" or "_", starting with a letter or digit (flow/schema.ts, the studio). */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const IDENTIFIER_RULE = 'must be 1-64 letters, digits, "-" or "_", starting with a letter or digit';

/** The workspace of everything made before workspaces existed, and of the admin key. */
export const DEFAULT_WORKSPACE = 'default';

/**
 * A run's id, which is its Temporal workflow id: `run-<flowId>-<unique>`, where `<unique>` is 32 hex digits for runs
 * started by the API, a webhook or a subflow node, and `cron-<triggerId>-<scheduled time>` for a schedule's runs.
 */
export function runIdOf(flowId: string, unique: string): string {
  return `${runIdPrefix(flowId)}${unique}`;
}

/** Every run of the flow has an id starting with this. */
export function runIdPrefix(flowId: string): string {
  return `run-${flowId}-`;
}

/** A schedule's runs: Temporal appends the scheduled time to this workflow id. */
export function scheduledRunIdPrefix(flowId: string, triggerId: string): string {
  return runIdOf(flowId, `cron-${triggerId}`);
}

const RUN_ID_PATTERN = /^run-([A-Za-z0-9_-]{1,64})-(?:[a-f0-9]{32}|cron-[A-Za-z0-9_-]{1,32}-\d{4}-\d\d-\d\dT[\d:.]+Z)$/;

/** The flow a run id names; undefined when the string is not a run id. */
export function flowIdOfRunId(value: string): string | undefined {
  return RUN_ID_PATTERN.exec(value)?.[1];
}

/** Whether the string has the form of a run id (checked before it is looked up). */
export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}

/** Which definition a run pinned: a saved version, or (with `draft`, the version then 0) a draft revision. */
export interface VersionPin {
  flowVersion: number;
  draft?: number;
}

/** How the key of a draft revision begins (a run of a draft, or a step test, is found by it in visibility). */
export const DRAFT_KEY_PREFIX = 'draft-';

/**
 * The key of a pinned definition: the version number, or `draft-<revision>` for a draft revision. It is the run's
 * `NectarFlowVersion` search attribute, and the tail of `versionRef`.
 */
export function versionKey(pin: VersionPin): string {
  return pin.draft === undefined ? String(pin.flowVersion) : `${DRAFT_KEY_PREFIX}${pin.draft}`;
}

/** Reads a version key back: `{ flowVersion }` for a saved version, `{ draft }` for a draft revision. */
export function parseVersionKey(value: string | undefined): { flowVersion?: number; draft?: number } {
  if (value === undefined) return {};
  const draft = /^draft-(\d+)$/.exec(value);
  if (draft) return { draft: Number(draft[1]) };
  const version = Number(value);
  return Number.isInteger(version) ? { flowVersion: version } : {};
}

/**
 * `<flowId>@<version key>`: names one immutable definition. It is the store's `_id` of a flow version and of a draft
 * revision, and the key definitions are cached under.
 */
export function versionRef(flowId: string, pin: VersionPin): string {
  return `${flowId}@${versionKey(pin)}`;
}
