/**
 * Correlation between events on the bus and runs waiting for them: a `wait` node with a `match` announces what it
 * waits for (the event type in the `NectarWaitingFor` search attribute, the key in the run's memo), and the bus
 * delivers an event to the runs whose announced key its payload matches. Pure, shared by the workflow and the bus.
 */

/** What one waiting node of a run announces. */
export interface WaitingSpec {
  nodeId: string;
  event: string;
  path: string;
  /** The value the payload must hold at `path`, resolved when the node started waiting. */
  equals: unknown;
}

/** The memo field holding a run's waiting specs. */
export const WAITS_MEMO = 'nectarWaits';

/** The value at a dotted path of a JSON value; undefined when it is not there. */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Whether a payload holds `equals` at `path` (JSON equality). */
export function payloadMatches(payload: unknown, path: string, equals: unknown): boolean {
  const found = valueAt(payload, path);
  if (found === undefined) return false;
  if (found === null || typeof found !== 'object') return found === equals;
  return JSON.stringify(found) === JSON.stringify(equals);
}

/** Whether an event of `type` with `payload` is for one of these waiting specs. */
export function eventFits(specs: readonly WaitingSpec[], type: string, payload: unknown): boolean {
  return specs.some((spec) => spec.event === type && payloadMatches(payload, spec.path, spec.equals));
}
