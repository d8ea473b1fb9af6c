import { defineNodeKind, formatMs } from '../kind';

export const delayKind = defineNodeKind({
  kind: 'delay',
  label: 'Delay',
  description: 'A durable timer: passes its input on after a while, surviving restarts',
  create: (id) => ({ id, type: 'delay', durationMs: 60_000 }),
  summary: (node) => `waits ${formatMs(node.durationMs)}`,
});
