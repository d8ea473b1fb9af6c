/** The name given in "New flow", kept until the flow's first save (a flow exists on the server only once it has a node). */
const PREFIX = 'nectar.newFlow.';

export function rememberNewFlowName(flowId: string, name: string): void {
  sessionStorage.setItem(PREFIX + flowId, name);
}

export function newFlowName(flowId: string): string | null {
  return sessionStorage.getItem(PREFIX + flowId);
}
