/** Settings: the organisation's projects, switching between them, and (for owners and admins) a new one. */
import { useState, type FormEvent } from 'react';
import type { ProjectOut } from '../../../../schema/wire/accounts.ts';
import { api } from '../../api/client.ts';
import { useAction } from '../../api/use-action.ts';
import { useApi } from '../../api/use-api.ts';
import { useSession } from '../../api/session.tsx';
import { Problem } from '../Problem.tsx';

/** The projects list and the create form. */
export function ProjectsSection({ manager }: { manager: boolean }) {
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
