/**
 * /invite/:token: what the invite offers (organisation, role, expiry), then join: a new
 * email creates an account, an existing one signs in with its password.
 */
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { InvitePreview, SessionOut } from '../../../../schema/wire/accounts.ts';
import { MIN_PASSWORD } from '../../../../schema/wire/password.ts';
import { api, ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useSession } from '../../api/session.tsx';
import { formatTime } from '../../lib/format.ts';
import { roleLabel } from '../../lib/roles.ts';

export function InvitePage() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const { adopt } = useSession();
  const preview = useApi<InvitePreview>(`/v1/auth/invites/${encodeURIComponent(token)}`);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const invite = preview.data;
  const fixedEmail = invite?.email ?? null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api<SessionOut>(`/v1/auth/invites/${encodeURIComponent(token)}/accept`, { body: { email: fixedEmail ?? email, password, name: name || null }, project: false });
      adopt(session);
      navigate('/traces', { replace: true });
    } catch (err) {
      setError(err instanceof ApiError && err.path ? `${err.message}` : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1>
          <span className="logo">◉</span> Join Loupe
        </h1>
        {preview.error && (
          <p className="error-text" role="alert">
            {preview.error instanceof ApiError && preview.error.status === 404 ? 'This invite link is not valid.' : preview.error.message}
          </p>
        )}
        {invite && invite.status !== 'pending' && (
          <p className="error-text" role="alert">
            This invite link {invite.status === 'expired' ? 'has expired' : invite.status === 'accepted' ? 'has already been used' : 'was revoked'}. Ask for a new one.
          </p>
        )}
        {invite && invite.status === 'pending' && (
          <form onSubmit={submit} aria-label="Accept invite">
            <p>
              You are invited to <strong>{invite.org.name}</strong> as <strong className="role-name">{roleLabel(invite.role)}</strong>.
              <br />
              <span className="muted small">The link works until {formatTime(invite.expires_at)}.</span>
            </p>
            <label className="block">
              Email
              <input type="email" autoComplete="username" required value={fixedEmail ?? email} readOnly={!!fixedEmail} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <label className="block">
              Name <span className="muted small">(optional)</span>
              <input type="text" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
            </label>
            <label className="block">
              Password <span className="muted small">(new account: at least {MIN_PASSWORD} characters; existing account: its password)</span>
              <input type="password" autoComplete="new-password" required minLength={MIN_PASSWORD} value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
            {error && (
              <p className="error-text" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="button primary wide" disabled={busy}>
              {busy ? 'Joining…' : `Join ${invite.org.name}`}
            </button>
          </form>
        )}
        <p className="muted small">
          <Link to="/login">Log in instead</Link>
        </p>
      </div>
    </div>
  );
}
