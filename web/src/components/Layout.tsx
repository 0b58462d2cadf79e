/** The frame around every logged-in page: navigation, project switcher, theme, account. */
import { NavLink, Outlet } from 'react-router';
import { useSession } from '../api/session.tsx';
import { useTheme } from '../lib/theme.ts';

export function Layout() {
  const { session, project, setProject, logout } = useSession();
  const [theme, cycleTheme] = useTheme();
  if (!session) return null;
  const projects = session.orgs.flatMap((org) => org.projects.map((p) => ({ ...p, org })));
  return (
    <div className="app">
      <header className="topbar">
        <NavLink to="/traces" className="brand">
          <span className="logo">◉</span> Loupe
        </NavLink>
        <nav className="nav">
          <NavLink to="/traces">Traces</NavLink>
          <NavLink to="/dashboard">Dashboard</NavLink>
          <NavLink to="/threads">Threads</NavLink>
          <NavLink to="/evaluators">Evaluators</NavLink>
          <NavLink to="/rules">Rules</NavLink>
          <NavLink to="/providers">Providers</NavLink>
          <NavLink to="/queues">Queues</NavLink>
          <NavLink to="/insights">Insights</NavLink>
          <NavLink to="/datasets">Datasets</NavLink>
          <NavLink to="/experiments">Experiments</NavLink>
          <NavLink to="/settings">Settings</NavLink>
        </nav>
        <div className="topbar-right">
          {projects.length > 1 ? (
            <select aria-label="Project" value={project?.id ?? ''} onChange={(e) => setProject(e.target.value)}>
              {projects.map((p) => (
                <option key={p.id} value={p.id}>
                  {session.orgs.length > 1 ? `${p.org.name} / ` : ''}
                  {p.name}
                </option>
              ))}
            </select>
          ) : (
            <span className="muted small project-name">{project?.name}</span>
          )}
          <button type="button" className="button subtle icon" onClick={cycleTheme} aria-label={`Theme: ${theme}`} title={`Theme: ${theme}`}>
            {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
          </button>
          <span className="muted small hide-narrow user-email">{session.user.email}</span>
          <button type="button" className="button subtle" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <main className="main">
        <Outlet />
      </main>
    </div>
  );
}
