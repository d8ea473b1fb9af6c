/** The contract between the gateway (which starts and wakes listeners) and the trigger listener workflow. Lives in histories: versioned. */

export const TRIGGER_LISTENER_WORKFLOW = 'triggerListenerWorkflow';
/** Signalled when the trigger's configuration or paused flag changed, so a waiting listener looks again at once. */
export const LISTENER_WAKE_SIGNAL = 'listenerWake';

export interface ListenerInput {
  v: 1;
  /** The trigger's registry key, `<workspace>/<flowId>/<triggerId>`. */
  key: string;
  /** Consecutive failed reads of the source, for the back-off between them. */
  failures?: number;
}

/** How one slice of listening ended. */
export type ListenerOutcome =
  /** Read for the slice's length; listen again. */
  | { state: 'listening' }
  | { state: 'paused' }
  /** The source could not be read (the error is in the registry); try again after a back-off. */
  | { state: 'failing' }
  /** The trigger left its flow and what it installed was removed: the listener ends. */
  | { state: 'removed' };

/** One listener per trigger and deployment: Temporal runs at most one open workflow per id. */
export function listenerWorkflowId(key: string): string {
  return `trigger-listener:${key}`;
}
