/**
 * Settings: the organisation's members and their roles. Owners and admins change roles
 * and remove members (an admin cannot touch an owner), and issue password reset links
 * (shown once, to hand over: Loupe sends no email); everyone sees the list and what each
 * role may do.
 */
import { useState } from 'react';
import type { MemberOut, PasswordResetCreated } from '../../../../schema/wire/accounts.ts';
import { canGrant, grantableRoles, ROLE_HELP, ROLES, type Role } from '../../../../schema/roles.ts';
import { api } from '../../api/client.ts';
import { useAction } from '../../api/use-action.ts';
import { useApi } from '../../api/use-api.ts';
import { useSession } from '../../api/session.tsx';
import { Problem } from '../Problem.tsx';
import { DeleteButton } from '../DeleteButton.tsx';
import { SecretOnce } from '../SecretOnce.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { roleLabel } from '../../lib/roles.ts';

/** The members table (role pickers for managers) and the roles' help. */
export function MembersSection({ manager, myRole }: { manager: boolean; myRole: Role }) {
  const { session } = useSession();
  const members = useApi<{ members: MemberOut[] }>('/v1/members');
  const action = useAction();
  const [reset, setReset] = useState<PasswordResetCreated | null>(null);
  const issueReset = async (m: MemberOut) => {
    if (!window.confirm(`Issue a password reset link for ${m.email}? Using it ends all of their sessions.`)) return;
    const created = await action.run(() => api<PasswordResetCreated>(`/v1/members/${m.user_id}/password-reset`, { method: 'POST', body: {} }));
    if (created) setReset(created);
  };
  return (
    <section className="card" aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      <Problem error={members.error ?? action.error} />
      {reset && (
        <SecretOnce value={reset.url} label="Password reset link">
          Password reset link for <strong>{reset.email}</strong>, valid once until {formatTime(reset.expires_at)}. Copy it now and hand it over: it is shown only once.
        </SecretOnce>
      )}
      <div className="table-wrap">
        <table className="plain">
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th className="hide-narrow">Joined</th>
              {manager && <th />}
            </tr>
          </thead>
          <tbody>
            {members.data?.members.map((m) => (
              <tr key={m.user_id} data-email={m.email}>
                <td>
                  {m.email}
                  {m.name && <span className="muted small"> {m.name}</span>}
                  {m.user_id === session?.user.id && <span className="muted small"> (you)</span>}
                </td>
                <td>
                  {canGrant(myRole, m.role) ? (
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      disabled={action.busy}
                      onChange={(e) => void action.run(() => api(`/v1/members/${m.user_id}`, { method: 'PATCH', body: { role: e.target.value } })).then(members.reload)}
                    >
                      {grantableRoles(myRole).map((r) => (
                        <option key={r} value={r}>
                          {roleLabel(r)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    roleLabel(m.role)
                  )}
                </td>
                <td className="hide-narrow" title={formatTime(m.joined_at)}>
                  {formatAgo(m.joined_at)}
                </td>
                {manager && (
                  <td>
                    {m.user_id !== session?.user.id && canGrant(myRole, m.role) && (
                      <button type="button" className="button" disabled={action.busy} onClick={() => void issueReset(m)} aria-label={`Reset password of ${m.email}`}>
                        Reset password
                      </button>
                    )}{' '}
                    {m.user_id !== session?.user.id && canGrant(myRole, m.role) && (
                      <DeleteButton action={action} path={`/v1/members/${m.user_id}`} question={`Remove ${m.email} from the organisation?`} then={members.reload}>
                        Remove
                      </DeleteButton>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details className="muted small">
        <summary>What roles may do</summary>
        <ul>
          {ROLES.map((r) => (
            <li key={r}>
              <strong>{roleLabel(r)}</strong>: {ROLE_HELP[r]}
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}
