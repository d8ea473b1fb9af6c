import { defineNodeKind, formatMs } from '../kind';

export const waitKind = defineNodeKind({
  kind: 'wait',
  label: 'Wait for event',
  description: 'Pauses until an event is posted to the run; takes its "timeout" edges after the timeout',
  create: (id) => ({ id, type: 'wait', event: 'approval', timeoutMs: 3_600_000 }),
  summary: (node) => `event "${node.event}" · timeout ${formatMs(node.timeoutMs)}`,
});
