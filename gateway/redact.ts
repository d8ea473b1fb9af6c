/**
 * Webhook credentials are write-only through the API: every response shows them as REDACTED_SECRET, and a save that
 * sends REDACTED_SECRET back keeps the previous version's credential, so GET → edit → PUT neither leaks nor wipes it.
 */
import type { FlowDefinition } from '../flow/schema';
import type { FlowTrigger, WebhookAuth } from '../flow/triggers';
import { HttpError, Problem } from './errors';

/**
 * What the API shows in place of a credential. Long enough to pass the schema's minimum for every kind of credential,
 * so a redacted definition is still a valid one that a client can send back unchanged.
 */
export const REDACTED_SECRET = '[redacted secret]';

type Replace = (secret: string, field: string) => string;

/** The auth with its one credential field passed through `replace`. */
function mapSecret(auth: WebhookAuth, replace: Replace): WebhookAuth {
  switch (auth.type) {
    case 'none':
      return auth;
    case 'header':
      return { ...auth, value: replace(auth.value, 'value') };
    case 'basic':
      return { ...auth, password: replace(auth.password, 'password') };
    case 'hmac':
      return { ...auth, secret: replace(auth.secret, 'secret') };
  }
}

function mapTriggerSecrets(
  triggers: FlowTrigger[],
  replace: (auth: WebhookAuth, index: number) => Replace,
): FlowTrigger[] {
  return triggers.map((trigger, index) =>
    trigger.type === 'webhook' ? { ...trigger, auth: mapSecret(trigger.auth, replace(trigger.auth, index)) } : trigger,
  );
}

function mapWebhookSecrets(
  definition: FlowDefinition,
  replace: (auth: WebhookAuth, index: number) => Replace,
): FlowDefinition {
  return definition.triggers
    ? { ...definition, triggers: mapTriggerSecrets(definition.triggers, replace) }
    : definition;
}

/** Triggers as every API response shows them: each webhook credential replaced by REDACTED_SECRET. */
export function redactTriggers(triggers: FlowTrigger[]): FlowTrigger[] {
  return mapTriggerSecrets(triggers, () => () => REDACTED_SECRET);
}

/** The definition as every API response shows it: each webhook credential replaced by REDACTED_SECRET. */
export function redactDefinition(definition: FlowDefinition): FlowDefinition {
  return mapWebhookSecrets(definition, () => () => REDACTED_SECRET);
}

/** The credential of a webhook auth, if it has one. */
function secretOf(auth: WebhookAuth): string | undefined {
  let found: string | undefined;
  mapSecret(auth, (secret) => (found = secret));
  return found;
}

/**
 * The definition to save: a webhook credential sent as REDACTED_SECRET keeps the previous version's (that of its
 * webhook trigger, when its auth is of the same type); with none to keep, 400 naming the field.
 */
export function restoreSecrets(definition: FlowDefinition, previous: FlowDefinition | undefined): FlowDefinition {
  const before = previous?.triggers?.find((trigger) => trigger.type === 'webhook')?.auth;
  const problems: Problem[] = [];
  const restored = mapWebhookSecrets(definition, (auth, index) => (secret, field) => {
    if (secret !== REDACTED_SECRET) return secret;
    const kept = before?.type === auth.type ? secretOf(before) : undefined;
    if (kept !== undefined) return kept;
    problems.push({
      path: `triggers[${index}].auth.${field}`,
      message: `"${REDACTED_SECRET}" keeps the previous version's ${auth.type} credential, and there is none: send the credential itself`,
    });
    return secret;
  });
  if (problems.length > 0)
    throw new HttpError(400, 'invalid_flow', 'a redacted credential has no previous value to keep', problems);
  return restored;
}
