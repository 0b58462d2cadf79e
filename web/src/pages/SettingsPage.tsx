/**
 * /settings: the organisation's members and their roles, invite links, the current
 * project's API keys, projects, and the user's own password. Owners and admins change
 * things; everyone else sees what they may see, and the API answers 403 to the rest.
 */
import { useState, type FormEvent } from 'react';
import { canGrant, isManagerRole, ROLE_HELP, ROLES, type Role } from '../../../schema/roles.ts';
import type { ApiKeyCreated, ApiKeyOut, InviteCreated, InviteOut, MemberOut, ProjectOut } from '../../../schema/wire/accounts.ts';
import { api } from '../api/client.ts';
import { useAction } from '../api/use-action.ts';
import { Problem } from '../components/Problem.tsx';
import { useApi } from '../api/use-api.ts';
import { useSession } from '../api/session.tsx';
import { formatAgo, formatTime } from '../lib/format.ts';
import { roleLabel } from '../lib/roles.ts';
import { MIN_PASSWORD } from '../../../schema/wire/password.ts';

export function SettingsPage() {
  const { project } = useSession();
  if (!project) return <div className="page muted">No project.</div>;
  const manager = isManagerRole(project.org.role);
  return (
    <div className="page settings-page">
      <h1>Settings</h1>
      <p className="muted">
        Organisation <strong>{project.org.name}</strong> · project <strong>{project.name}</strong> · your role: <strong>{roleLabel(project.org.role)}</strong>
      </p>
      <MembersSection manager={manager} myRole={project.org.role} />
      <InvitesSection manager={manager} myRole={project.org.role} />
      <ApiKeysSection projectName={project.name} />
      <ProjectsSection manager={manager} />
      <OrgsSection />
      <PasswordSection />
    </div>
  );
}

/** The roles `myRole` may give, strongest first. */
function grantable(myRole: Role): Role[] {
  return ROLES.filter((r) => canGrant(myRole, r));
}

function MembersSection({ manager, myRole }: { manager: boolean; myRole: Role }) {
  const { session } = useSession();
  const members = useApi<{ members: MemberOut[] }>('/v1/members');
  const action = useAction();
  return (
    <section className="card" aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      <Problem error={members.error ?? action.error} />
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
                      {grantable(myRole).map((r) => (
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
                      <button
                        type="button"
                        className="button subtle danger"
                        disabled={action.busy}
                        onClick={() => {
                          if (confirm(`Remove ${m.email} from the organisation?`)) void action.run(() => api(`/v1/members/${m.user_id}`, { method: 'DELETE' })).then(members.reload);
                        }}
                      >
                        Remove
                      </button>
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

function InvitesSection({ manager, myRole }: { manager: boolean; myRole: Role }) {
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
            {grantable(myRole).map((r) => (
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
        <div className="secret-once" role="status">
          <p>
            Invite link for a <strong>{roleLabel(created.role)}</strong> (shown once; works once, until {formatTime(created.expires_at)}):
          </p>
          <CopyField value={created.url} label="Invite link" />
        </div>
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

function ApiKeysSection({ projectName }: { projectName: string }) {
  const keys = useApi<{ keys: ApiKeyOut[] }>('/v1/api-keys');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Record<string, boolean>>({ ingest: true, read: true, admin: false });
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const chosen = Object.entries(scopes)
      .filter(([, on]) => on)
      .map(([s]) => s);
    const key = await action.run(() => api<ApiKeyCreated>('/v1/api-keys', { body: { name: name.trim() || 'unnamed', scopes: chosen } }));
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
        <button type="submit" className="button primary" disabled={action.busy}>
          Create key
        </button>
      </form>
      <Problem error={action.error ?? keys.error} />
      {created && (
        <div className="secret-once" role="status">
          <p>
            New key <strong>{created.name}</strong>. Copy it now: it is shown only once.
          </p>
          <CopyField value={created.key} label="API key" />
        </div>
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
                  <td>
                    {k.revoked_at ? (
                      <span className="muted">revoked</span>
                    ) : (
                      <button
                        type="button"
                        className="button subtle danger"
                        onClick={() => {
                          if (confirm(`Revoke the key "${k.name}"? Clients using it stop working at once.`)) void action.run(() => api(`/v1/api-keys/${k.id}`, { method: 'DELETE' })).then(keys.reload);
                        }}
                      >
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

function ProjectsSection({ manager }: { manager: boolean }) {
  const { refresh, setProject, project } = useSession();
  const projects = useApi<{ projects: ProjectOut[] }>('/v1/projects');
  const [name, setName] = useState('');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const created = await action.run(() => api<ProjectOut>('/v1/projects', { body: { name: name.trim() } }));
    if (created) {
      setName('');
      projects.reload();
      await refresh();
    }
  };
  return (
    <section className="card" aria-labelledby="projects-h">
      <h2 id="projects-h">Projects</h2>
      <ul className="project-list">
        {projects.data?.projects.map((p) => (
          <li key={p.id}>
            {p.id === project?.id ? (
              <strong>{p.name} (current)</strong>
            ) : (
              <button type="button" className="link" onClick={() => setProject(p.id)}>
                {p.name}
              </button>
            )}{' '}
            <span className="muted small mono">{p.id}</span>
          </li>
        ))}
      </ul>
      {manager && (
        <form className="inline-form" onSubmit={submit} aria-label="Create project">
          <label>
            New project <input required value={name} onChange={(e) => setName(e.target.value)} maxLength={128} aria-label="Project name" />
          </label>
          <button type="submit" className="button" disabled={action.busy}>
            Create
          </button>
        </form>
      )}
      <Problem error={action.error} />
    </section>
  );
}

function OrgsSection() {
  const { session, refresh, setProject } = useSession();
  const [name, setName] = useState('');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const created = await action.run(() => api<{ org: { id: string }; project: { id: string } }>('/v1/orgs', { body: { name: name.trim() }, project: false }));
    if (created) {
      setName('');
      await refresh();
      setProject(created.project.id);
    }
  };
  return (
    <section className="card" aria-labelledby="orgs-h">
      <h2 id="orgs-h">Your organisations</h2>
      <ul className="project-list">
        {session?.orgs.map((o) => (
          <li key={o.id}>
            {o.name} <span className="muted small">({roleLabel(o.role)})</span>
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={submit} aria-label="Create organisation">
        <label>
          New organisation <input required value={name} onChange={(e) => setName(e.target.value)} maxLength={128} aria-label="Organisation name" />
        </label>
        <button type="submit" className="button" disabled={action.busy}>
          Create
        </button>
        <span className="muted small">You become its owner; it starts with a project named default.</span>
      </form>
      <Problem error={action.error} />
    </section>
  );
}

function PasswordSection() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    if (await action.run(() => api('/v1/auth/password', { body: { current_password: current, new_password: next }, project: false }))) {
      setDone(true);
      setCurrent('');
      setNext('');
    }
  };
  return (
    <section className="card" aria-labelledby="password-h">
      <h2 id="password-h">Your password</h2>
      <form className="inline-form" onSubmit={submit} aria-label="Change password">
        <label>
          Current <input type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </label>
        <label>
          New <input type="password" autoComplete="new-password" required minLength={MIN_PASSWORD} value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <button type="submit" className="button" disabled={action.busy}>
          Change password
        </button>
        {done && <span className="ok-note">Changed. Other sessions were logged out.</span>}
      </form>
      <Problem error={action.error} />
    </section>
  );
}

/** A read-only field with a copy button, for secrets shown once. */
function CopyField({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="copy-field">
      <input readOnly value={value} aria-label={label} onFocus={(e) => e.currentTarget.select()} className="mono" />
      <button
        type="button"
        className="button"
        onClick={() => {
          void navigator.clipboard?.writeText(value).then(() => setCopied(true));
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
