/** Settings: the organisations the user belongs to, and a new one (whose owner they become). */
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { useAction } from '../../api/use-action.ts';
import { useSession } from '../../api/session.tsx';
import { Problem } from '../Problem.tsx';
import { roleLabel } from '../../lib/roles.ts';

/** The user's organisations with their role, and the create form. */
export function OrgsSection() {
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
