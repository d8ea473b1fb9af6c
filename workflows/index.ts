export { interpreterWorkflow, runEventSignal, runStateQuery } from './interpreter';
export { triggerListenerWorkflow } from './triggerListener';
