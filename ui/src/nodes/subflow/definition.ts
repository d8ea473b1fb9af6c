import { defineNodeKind } from '../kind';

export const subflowKind = defineNodeKind({
  kind: 'subflow',
  label: 'Subflow',
  description: 'Runs another flow of this workspace as a child run and passes on its output',
  create: (id) => ({ id, type: 'subflow', flowId: 'choose-a-flow' }),
  summary: (node) => `runs ${node.flowId}${node.version ? ` v${node.version}` : ' (newest)'}`,
});
