/**
 * The routes of the review UI. Other tools link to these paths, so they are stable:
 * /traces, /traces/:traceId (?span=<spanId>), /queues, /queues/:queueId (/review, /settings),
 * /queues/new, /settings, /login, /invite/:token. New screens add a page under pages/ and a route here.
 */
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { useSession } from './api/session.tsx';
import { Layout } from './components/Layout.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { InvitePage } from './pages/InvitePage.tsx';
import { TracesPage } from './pages/TracesPage.tsx';
import { TracePage } from './pages/TracePage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { QueuesPage } from './pages/QueuesPage.tsx';
import { QueuePage } from './pages/QueuePage.tsx';
import { QueueSettingsPage } from './pages/QueueSettingsPage.tsx';
import { ReviewPage } from './pages/ReviewPage.tsx';

/** Pages behind login: a logged-out visitor goes to /login and comes back afterwards. */
function RequireLogin() {
  const { session, project } = useSession();
  const location = useLocation();
  if (session === undefined) return <div className="page muted">Loading…</div>;
  if (session === null) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  // Every page below is for one project: switching projects remounts them.
  return <Outlet key={project?.id ?? 'none'} />;
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/invite/:token" element={<InvitePage />} />
      <Route element={<RequireLogin />}>
        <Route element={<Layout />}>
          <Route path="/traces" element={<TracesPage />} />
          <Route path="/traces/:traceId" element={<TracePage />} />
          <Route path="/settings" element={<SettingsPage />} />
          <Route path="/queues" element={<QueuesPage />} />
          <Route path="/queues/new" element={<QueueSettingsPage />} />
          <Route path="/queues/:queueId" element={<QueuePage />} />
          <Route path="/queues/:queueId/settings" element={<QueueSettingsPage />} />
          <Route path="/queues/:queueId/review" element={<ReviewPage />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Route>
      <Route path="/" element={<Navigate to="/traces" replace />} />
    </Routes>
  );
}

function NotFound() {
  return (
    <div className="page">
      <h1>Not found</h1>
      <p className="muted">There is no page here.</p>
    </div>
  );
}
