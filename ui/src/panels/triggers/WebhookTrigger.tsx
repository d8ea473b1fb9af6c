import type { WebhookAuth, WebhookTrigger } from '../../../../flow/triggers';
import { HTTP_METHODS } from '../../../../flow/triggers';
import { CopyField } from '../CopyField';
import { NumberField, SelectField, TextField } from '../fields';
import { REDACTED, SecretField } from '../SecretField';

const AUTH_KINDS = [
  { value: 'none', label: 'none' },
  { value: 'header', label: 'header key' },
  { value: 'basic', label: 'basic auth' },
  { value: 'hmac', label: 'HMAC signature' },
] as const;

function newAuth(type: WebhookAuth['type']): WebhookAuth {
  switch (type) {
    case 'none':
      return { type };
    case 'header':
      return { type, header: 'x-api-key', value: '' };
    case 'basic':
      return { type, username: 'user', password: '' };
    case 'hmac':
      return {
        type,
        secret: '',
        header: 'x-nectar-signature',
        timestampHeader: 'x-nectar-timestamp',
        toleranceSeconds: 300,
      };
  }
}

export function WebhookTriggerEditor({
  flowId,
  trigger,
  published,
  onChange,
}: {
  flowId: string;
  trigger: WebhookTrigger;
  published: boolean;
  onChange: (field: string, trigger: WebhookTrigger) => void;
}) {
  const auth = trigger.auth;
  const setAuth = (field: string, next: WebhookAuth) => onChange(`auth.${field}`, { ...trigger, auth: next });
  return (
    <div className="trigger-body">
      <CopyField label="Production URL" value={`${location.origin}/hooks/${flowId}`} />
      {!published && <p className="muted">The production URL answers once a version with this trigger is published.</p>}
      <CopyField label="Test URL" value={`${location.origin}/hooks-test/${flowId}`} />
      <div className="field-grid">
        <SelectField
          label="Auth"
          value={auth.type}
          options={AUTH_KINDS}
          onCommit={(type) => setAuth('type', newAuth(type))}
        />
        <SelectField
          label="Respond"
          value={trigger.respond}
          options={[
            { value: 'async', label: 'at once (202 + run id)' },
            { value: 'sync', label: "with the flow's output" },
          ]}
          onCommit={(respond) => onChange('respond', { ...trigger, respond })}
        />
      </div>
      {auth.type === 'header' && (
        <div className="field-grid">
          <TextField label="Header" value={auth.header} onCommit={(header) => setAuth('header', { ...auth, header })} />
          <SecretField
            label="Key (write-only)"
            value={auth.value}
            minLength={8}
            onCommit={(value) => setAuth('value', { ...auth, value })}
          />
        </div>
      )}
      {auth.type === 'basic' && (
        <div className="field-grid">
          <TextField
            label="Username"
            value={auth.username}
            onCommit={(username) => setAuth('username', { ...auth, username })}
          />
          <SecretField
            label="Password (write-only)"
            value={auth.password}
            minLength={8}
            onCommit={(password) => setAuth('password', { ...auth, password })}
          />
        </div>
      )}
      {auth.type === 'hmac' && (
        <div className="field-grid">
          <SecretField
            label="Secret (write-only)"
            value={auth.secret}
            minLength={16}
            onCommit={(secret) => setAuth('secret', { ...auth, secret })}
          />
          <NumberField
            label="Tolerance (s)"
            value={auth.toleranceSeconds}
            min={1}
            max={3600}
            onCommit={(value) => value !== undefined && setAuth('tolerance', { ...auth, toleranceSeconds: value })}
          />
        </div>
      )}
      {trigger.respond === 'sync' && (
        <NumberField
          label="Wait for the output (ms)"
          value={trigger.timeoutMs}
          min={100}
          max={300_000}
          onCommit={(value) => value !== undefined && onChange('timeoutMs', { ...trigger, timeoutMs: value })}
        />
      )}
      <fieldset className="methods">
        <legend>Methods (none ticked: any)</legend>
        {HTTP_METHODS.map((method) => (
          <label key={method}>
            <input
              type="checkbox"
              checked={trigger.methods?.includes(method) ?? false}
              onChange={(event) => {
                const methods = event.target.checked
                  ? [...(trigger.methods ?? []), method]
                  : (trigger.methods ?? []).filter((m) => m !== method);
                const { methods: _old, ...rest } = trigger;
                onChange('methods', methods.length > 0 ? { ...rest, methods } : rest);
              }}
            />
            {method}
          </label>
        ))}
      </fieldset>
      {auth.type !== 'none' && Object.values(auth).includes(REDACTED) && (
        <p className="muted">Saved credentials are never shown; leave a field empty to keep it.</p>
      )}
    </div>
  );
}
