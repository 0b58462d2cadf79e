/**
 * Settings: the current project's API keys. A new key is shown once, optionally with an
 * expiry; a revoked or expired key stops working at once.
 */
import { useState, type FormEvent } from 'react';
import type { ApiKeyCreated, ApiKeyOut } from '../../../../schema/wire/accounts.ts';
import { api } from '../../api/client.ts';
import { useAction } from '../../api/use-action.ts';
import { useApi } from '../../api/use-api.ts';
import { Problem } from '../Problem.tsx';
import { DeleteButton } from '../DeleteButton.tsx';
import { SecretOnce } from '../SecretOnce.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';

/** The create-key form and the project's keys with revoke buttons. */
export function ApiKeysSection({ projectName }: { projectName: string }) {
  const keys = useApi<{ keys: ApiKeyOut[] }>('/v1/api-keys');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Record<string, boolean>>({ ingest: true, read: true, admin: false });
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [days, setDays] = useState('');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const chosen = Object.entries(scopes)
      .filter(([, on]) => on)
      .map(([s]) => s);
    const expires_at = days ? new Date(Date.now() + Number(days) * 86_400_000).toISOString() : null;
    const key = await action.run(() => api<ApiKeyCreated>('/v1/api-keys', { body: { name: name.trim() || 'unnamed', scopes: chosen, expires_at } }));
    if (key) {
      setCreated(key);
      setName('');
      keys.reload();
    }
  };
  return (
    <section className="card" aria-labelledby="keys-h">
      <h2 id="keys-h">API keys for {projectName}</h2>
      <form className="inline-form" onSubmit={submit} aria-label="Create API key">
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} placeholder="production agent" aria-label="Key name" maxLength={128} />
        </label>
        {(['ingest', 'read', 'admin'] as const).map((s) => (
          <label key={s} className="check">
            <input type="checkbox" checked={scopes[s]} onChange={(e) => setScopes({ ...scopes, [s]: e.target.checked })} /> {s}
          </label>
        ))}
        <label>
          Expires{' '}
          <select aria-label="Key expiry" value={days} onChange={(e) => setDays(e.target.value)}>
            <option value="">never</option>
            <option value="7">in 7 days</option>
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in a year</option>
          </select>
        </label>
        <button type="submit" className="button primary" disabled={action.busy}>
          Create key
        </button>
      </form>
      <Problem error={action.error ?? keys.error} />
      {created && (
        <SecretOnce value={created.key} label="API key">
          New key <strong>{created.name}</strong>. Copy it now: it is shown only once.
        </SecretOnce>
      )}
      {keys.data && (
        <div className="table-wrap">
          <table className="plain">
            <thead>
              <tr>
                <th>Name</th>
                <th>Key</th>
                <th>Scopes</th>
                <th className="hide-narrow">Last used</th>
                <th className="hide-narrow">Expires</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys.data.keys.map((k) => (
                <tr key={k.id} className={k.revoked_at ? 'revoked' : undefined} data-key-name={k.name}>
                  <td>{k.name}</td>
                  <td className="mono">{k.prefix}…</td>
                  <td>{k.scopes.join(', ')}</td>
                  <td className="hide-narrow">{k.last_used_at ? formatAgo(k.last_used_at) : 'never'}</td>
                  <td className="hide-narrow" title={k.expires_at ? formatTime(k.expires_at) : undefined}>
                    {!k.expires_at ? 'never' : Date.parse(k.expires_at) <= Date.now() ? <span className="muted">expired</span> : formatTime(k.expires_at)}
                  </td>
                  <td>
                    {k.revoked_at ? (
                      <span className="muted">revoked</span>
                    ) : (
                      <DeleteButton action={action} path={`/v1/api-keys/${k.id}`} question={`Revoke the key "${k.name}"? Clients using it stop working at once.`} then={keys.reload}>
                        Revoke
                      </DeleteButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
