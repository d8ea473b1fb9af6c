/** New triggers of each kind the API knows, valid as they are. */
import type { FlowTrigger } from '../../../flow/triggers';
import { freeId } from './ids';

export type TriggerKind = FlowTrigger['type'];
export const TRIGGER_KINDS: { kind: TriggerKind; label: string; description: string }[] = [
  { kind: 'webhook', label: 'Webhook', description: 'Runs the flow when an HTTP request arrives at its URL' },
  { kind: 'cron', label: 'Schedule (cron)', description: 'Runs the flow on a cron schedule in a time zone' },
];

export function newTrigger(kind: TriggerKind, existing: readonly FlowTrigger[], timezone: string): FlowTrigger {
  switch (kind) {
    case 'webhook':
      return { type: 'webhook', auth: { type: 'none' }, respond: 'async', timeoutMs: 30_000 };
    case 'cron': {
      const ids = new Set(existing.flatMap((trigger) => (trigger.type === 'cron' ? [trigger.id] : [])));
      return { type: 'cron', id: freeId('cron', ids), cron: '0 9 * * 1-5', timezone, overlap: 'skip', catchupWindowMs: 86_400_000, paused: false };
    }
  }
}
