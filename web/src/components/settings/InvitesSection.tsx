/**
 * Settings: invite links. Owners and admins create one for a role (admins cannot invite
 * owners), optionally for one email, with an expiry; the link is shown once.
 */
import { useState, type FormEvent } from 'react';
import type { InviteCreated, InviteOut } from '../../../../schema/wire/accounts.ts';
import { grantableRoles, type Role } from '../../../../schema/roles.ts';
import { api } from '../../api/client.ts';
import { useAction } from '../../api/use-action.ts';
import { useApi } from '../../api/use-api.ts';
import { Problem } from '../Problem.tsx';
import { SecretOnce } from '../SecretOnce.tsx';
import { formatTime } from '../../lib/format.ts';
import { roleLabel } from '../../lib/roles.ts';

/** The invite form and the pending invites; a note for roles that cannot invite. */
export function InvitesSection({ manager, myRole }: { manager: boolean; myRole: Role }) {
  const invites = useApi<{ invites: InviteOut[] }>(manager ? '/v1/invites' : null);
  const [role, setRole] = useState<Role>('reviewer');
  const [email, setEmail] = useState('');
  const [days, setDays] = useState('7');
  const [created, setCreated] = useState<InviteCreated | null>(null);
  const action = useAction();
  if (!manager) {
    return (
      <section className="card" aria-labelledby="invites-h">
        <h2 id="invites-h">Invites</h2>
        <p className="muted">Owners and admins invite people. Ask one of them for an invite link.</p>
      </section>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const invite = await action.run(() => api<InviteCreated>('/v1/invites', { body: { role, email: email.trim() || null, expires_in_hours: Math.round(Number(days) * 24) } }));
    if (invite) {
      setCreated(invite);
      setEmail('');
      invites.reload();
    }
  };
  return (
    <section className="card" aria-labelledby="invites-h">
      <h2 id="invites-h">Invites</h2>
      <form className="inline-form" onSubmit={submit} aria-label="Create invite">
        <label>
          Role{' '}
          <select value={role} onChange={(e) => setRole(e.target.value as Role)} aria-label="Invite role">
            {grantableRoles(myRole).map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Email <input type="email" placeholder="anyone with the link" value={email} onChange={(e) => setEmail(e.target.value)} aria-label="Invite email" />
        </label>
        <label>
          Expires in{' '}
          <select value={days} onChange={(e) => setDays(e.target.value)} aria-label="Invite expiry">
            <option value="1">1 day</option>
            <option value="7">7 days</option>
            <option value="30">30 days</option>
          </select>
        </label>
        <button type="submit" className="button primary" disabled={action.busy}>
          Create invite link
        </button>
      </form>
      <Problem error={action.error ?? invites.error} />
      {created && (
        <SecretOnce value={created.url} label="Invite link">
          Invite link for a <strong>{roleLabel(created.role)}</strong> (shown once; works once, until {formatTime(created.expires_at)}):
        </SecretOnce>
      )}
      {invites.data && invites.data.invites.length > 0 && (
        <div className="table-wrap">
          <table className="plain">
            <thead>
              <tr>
                <th>Role</th>
                <th>For</th>
                <th>Status</th>
                <th className="hide-narrow">Expires</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {invites.data.invites.map((i) => (
                <tr key={i.id}>
                  <td>{roleLabel(i.role)}</td>
                  <td>{i.email ?? <span className="muted">anyone</span>}</td>
                  <td>{i.status}</td>
                  <td className="hide-narrow">{formatTime(i.expires_at)}</td>
                  <td>
                    {i.status === 'pending' && (
                      <button type="button" className="button subtle danger" onClick={() => void action.run(() => api(`/v1/invites/${i.id}`, { method: 'DELETE' })).then(invites.reload)}>
                        Revoke
                      </button>
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
