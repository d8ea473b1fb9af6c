export { interpreterWorkflow, runStateQuery } from './interpreter';
