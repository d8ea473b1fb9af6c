export { interpreterWorkflow, runEventSignal, runStateQuery } from './interpreter';
