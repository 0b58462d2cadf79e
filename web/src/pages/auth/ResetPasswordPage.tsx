/**
 * /reset/:token: a password reset link an owner or admin issued. Shows whose password it
 * resets, takes the new one, and logs in; every other session of the account ends.
 */
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { PasswordResetPreview, SessionOut } from '../../../../schema/wire/accounts.ts';
import { MIN_PASSWORD } from '../../../../schema/wire/password.ts';
import { api, ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useSession } from '../../api/session.tsx';
import { formatTime } from '../../lib/format.ts';

const GONE: Record<Exclude<PasswordResetPreview['status'], 'pending'>, string> = {
  used: 'has already been used',
  expired: 'has expired',
  revoked: 'was replaced by a newer link',
};

export function ResetPasswordPage() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const { adopt } = useSession();
  const preview = useApi<PasswordResetPreview>(`/v1/auth/password-resets/${encodeURIComponent(token)}`);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reset = preview.data;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== again) return setError('The two passwords differ.');
    setBusy(true);
    setError(null);
    try {
      const session = await api<SessionOut>(`/v1/auth/password-resets/${encodeURIComponent(token)}`, { body: { new_password: password }, project: false });
      adopt(session);
      navigate('/traces', { replace: true });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1>
          <span className="logo">◉</span> Choose a new password
        </h1>
        {preview.error && (
          <p className="error-text" role="alert">
            {preview.error instanceof ApiError && preview.error.status === 404 ? 'This password reset link is not valid.' : preview.error.message}
          </p>
        )}
        {reset && reset.status !== 'pending' && (
          <p className="error-text" role="alert">
            This password reset link {GONE[reset.status]}. Ask an owner or admin for a new one.
          </p>
        )}
        {reset && reset.status === 'pending' && (
          <form onSubmit={submit} aria-label="Reset password">
            <p>
              New password for <strong>{reset.email}</strong>.
              <br />
              <span className="muted small">The link works once, until {formatTime(reset.expires_at)}. Every other session of this account ends.</span>
            </p>
            <input type="email" autoComplete="username" value={reset.email} readOnly hidden />
            <label className="block">
              New password <span className="muted small">(at least {MIN_PASSWORD} characters)</span>
              <input type="password" autoComplete="new-password" required minLength={MIN_PASSWORD} value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
            <label className="block">
              Repeat it
              <input type="password" autoComplete="new-password" required minLength={MIN_PASSWORD} value={again} onChange={(e) => setAgain(e.target.value)} />
            </label>
            {error && (
              <p className="error-text" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="button primary wide" disabled={busy}>
              {busy ? 'Saving…' : 'Set password and log in'}
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
