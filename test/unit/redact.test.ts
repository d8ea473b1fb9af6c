/** Webhook credentials are write-only through the API: shown redacted, kept when sent back redacted. */
import { FlowDefinition } from '../../flow/schema';
import { HttpError } from '../../gateway/errors';
import { REDACTED_SECRET, redactDefinition, restoreSecrets } from '../../gateway/redact';

const flow = (auth: Record<string, unknown>) =>
  FlowDefinition.parse({
    id: 'f',
    name: 'f',
    nodes: [{ id: 'a', type: 'code', code: 'return 1;' }],
    triggers: [
      { type: 'cron', cron: '@hourly', input: { note: 'kept' } },
      { type: 'webhook', auth },
    ],
  });

const authOf = (definition: FlowDefinition) => definition.triggers?.find((trigger) => trigger.type === 'webhook')?.auth;

test('every kind of credential is redacted, the rest of the definition is not, and the redacted one is still valid', () => {
  const cases = [
    [
      { type: 'header', value: 'header-key-123' },
      { type: 'header', header: 'x-api-key', value: REDACTED_SECRET },
    ],
    [
      { type: 'basic', username: 'shop', password: 'open-sesame' },
      { type: 'basic', username: 'shop', password: REDACTED_SECRET },
    ],
    [
      { type: 'hmac', secret: 'a-long-shared-secret' },
      {
        type: 'hmac',
        secret: REDACTED_SECRET,
        header: 'x-nectar-signature',
        timestampHeader: 'x-nectar-timestamp',
        toleranceSeconds: 300,
      },
    ],
    [{ type: 'none' }, { type: 'none' }],
  ] as const;
  for (const [auth, shown] of cases) {
    const original = flow(auth);
    const redacted = redactDefinition(original);
    expect(authOf(redacted)).toEqual(shown);
    expect(redacted.triggers?.[0]).toEqual(original.triggers?.[0]);
    expect(FlowDefinition.safeParse(redacted).success).toBe(true);
    expect(authOf(original)).toMatchObject(auth); // the stored definition is left alone
  }
});

test('a redacted credential keeps the previous one; a new one replaces it', () => {
  const previous = flow({ type: 'basic', username: 'shop', password: 'open-sesame' });
  const roundTrip = restoreSecrets(redactDefinition(previous), previous);
  expect(roundTrip).toEqual(previous);
  const renamed = restoreSecrets(flow({ type: 'basic', username: 'store', password: REDACTED_SECRET }), previous);
  expect(authOf(renamed)).toEqual({ type: 'basic', username: 'store', password: 'open-sesame' });
  const replaced = restoreSecrets(flow({ type: 'basic', username: 'shop', password: 'new-password' }), previous);
  expect(authOf(replaced)).toEqual({ type: 'basic', username: 'shop', password: 'new-password' });
});

test('a redacted credential with nothing to keep (no previous version, another kind of auth) is refused, naming the field', () => {
  const refused = (definition: FlowDefinition, previous?: FlowDefinition) => {
    try {
      restoreSecrets(definition, previous);
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      return {
        status: (error as HttpError).status,
        paths: (error as HttpError).problems?.map((problem) => problem.path),
      };
    }
    throw new Error('not refused');
  };
  expect(refused(flow({ type: 'hmac', secret: REDACTED_SECRET }))).toEqual({
    status: 400,
    paths: ['triggers[1].auth.secret'],
  });
  expect(
    refused(flow({ type: 'header', value: REDACTED_SECRET }), flow({ type: 'hmac', secret: 'a-long-shared-secret' })),
  ).toEqual({
    status: 400,
    paths: ['triggers[1].auth.value'],
  });
});
