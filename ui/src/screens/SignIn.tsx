import { FormEvent, useState } from 'react';
import { storeKey, storedKey } from '../api/client';
import { api, ApiError } from '../api/client';
import { Alert } from '../panels/Alert';

/** Asks for the API key (the admin key `npm start` printed, or a workspace key) and checks it before keeping it. */
export function SignIn({ onSignedIn }: { onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = key.trim();
    if (!value) return setError('Enter the API key.');
    setBusy(true);
    const previous = storedKey();
    storeKey(value);
    try {
      await api.listFlows(false);
      onSignedIn(value);
    } catch (caught) {
      storeKey(previous);
      setError(
        caught instanceof ApiError && caught.status === 401
          ? 'That key was not accepted. Enter the API key `npm start` printed (also in .data/admin-key), or a workspace key.'
          : `Could not reach the API: ${(caught as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form onSubmit={(event) => void submit(event)} aria-labelledby="signin-title">
        <h1 id="signin-title">Nectar Studio</h1>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          autoFocus
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <Alert text={error} />
      </form>
    </main>
  );
}
