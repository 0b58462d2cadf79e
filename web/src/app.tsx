/**
 * The routes of the review UI. Other tools link to these paths, so they are stable:
 * /traces, /traces/:traceId (?span=<spanId>), /dashboard (?q=&range=&from=&to=&bucket=&split=&key=&pct=&a=&b=), /threads (?q=&range=), /threads/:threadId, /settings, /login, /invite/:token,
 * /evaluators[/new|/:id], /rules[/new|/:id|/:id/runs/:runId], /providers, /judge-traces/:id,
 * /queues, /queues/new, /queues/:queueId (/review, /settings), /insights, /insights/:reportId.
 * /datasets, /datasets/:datasetId (?version=|tag=|as_of=, split, search, tab=versions&from=&to=).
 * /experiments (?dataset=), /experiments/:id, /experiments/compare?ids=<baseline>,<candidate>[&example=]
 * (the CLI's gate markdown links there).
 * New screens add a page under pages/ and a route here.
 */
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { useSession } from './api/session.tsx';
import { Layout } from './components/Layout.tsx';
import { LoginPage } from './pages/auth/LoginPage.tsx';
import { InvitePage } from './pages/auth/InvitePage.tsx';
import { ResetPasswordPage } from './pages/auth/ResetPasswordPage.tsx';
import { TracesPage } from './pages/traces/TracesPage.tsx';
import { TracePage } from './pages/traces/TracePage.tsx';
import { ThreadsPage } from './pages/threads/ThreadsPage.tsx';
import { ThreadPage } from './pages/threads/ThreadPage.tsx';
import { SettingsPage } from './pages/settings/SettingsPage.tsx';
import { QueuesPage } from './pages/review/QueuesPage.tsx';
import { QueuePage } from './pages/review/QueuePage.tsx';
import { QueueSettingsPage } from './pages/review/QueueSettingsPage.tsx';
import { ReviewPage } from './pages/review/ReviewPage.tsx';
import { InsightsPage, InsightsReportPage } from './pages/insights/InsightsPage.tsx';
import { DatasetsPage } from './pages/datasets/DatasetsPage.tsx';
import { DatasetPage } from './pages/datasets/DatasetPage.tsx';

// The evaluation screens load on first use: they bring the zod schemas (for checking forms
// in the browser), which the traces screens, opened far more often, do not need.
const EvaluatorsPage = lazy(() => import('./pages/evals/EvaluatorsPage.tsx').then((m) => ({ default: m.EvaluatorsPage })));
const EvaluatorNewPage = lazy(() => import('./pages/evals/EvaluatorNewPage.tsx').then((m) => ({ default: m.EvaluatorNewPage })));
const EvaluatorPage = lazy(() => import('./pages/evals/EvaluatorPage.tsx').then((m) => ({ default: m.EvaluatorPage })));
const RulesPage = lazy(() => import('./pages/evals/RulesPage.tsx').then((m) => ({ default: m.RulesPage })));
const RulePage = lazy(() => import('./pages/evals/RulePage.tsx').then((m) => ({ default: m.RulePage })));
const RunPage = lazy(() => import('./pages/evals/RunPage.tsx').then((m) => ({ default: m.RunPage })));
const ProvidersPage = lazy(() => import('./pages/evals/ProvidersPage.tsx').then((m) => ({ default: m.ProvidersPage })));
const JudgeTracePage = lazy(() => import('./pages/evals/JudgeTracePage.tsx').then((m) => ({ default: m.JudgeTracePage })));
// The dashboard loads on first use (it brings uPlot and its stylesheet).
const DashboardPage = lazy(() => import('./pages/dashboard/DashboardPage.tsx').then((m) => ({ default: m.DashboardPage })));
// The experiments screens also load on first use (they bring the diff views).
const ExperimentsPage = lazy(() => import('./pages/experiments/ExperimentsPage.tsx').then((m) => ({ default: m.ExperimentsPage })));
const ExperimentPage = lazy(() => import('./pages/experiments/ExperimentPage.tsx').then((m) => ({ default: m.ExperimentPage })));
const ComparePage = lazy(() => import('./pages/experiments/ComparePage.tsx').then((m) => ({ default: m.ComparePage })));

const later = (page: ReactNode) => <Suspense fallback={<div className="page muted">Loading…</div>}>{page}</Suspense>;

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
      <Route path="/reset/:token" element={<ResetPasswordPage />} />
      <Route element={<RequireLogin />}>
        <Route element={<Layout />}>
          <Route path="/traces" element={<TracesPage />} />
          <Route path="/traces/:traceId" element={<TracePage />} />
          <Route path="/dashboard" element={later(<DashboardPage />)} />
          <Route path="/threads" element={<ThreadsPage />} />
          <Route path="/threads/:threadId" element={<ThreadPage />} />
          <Route path="/settings" element={<SettingsPage />} />
          <Route path="/evaluators" element={later(<EvaluatorsPage />)} />
          <Route path="/evaluators/new" element={later(<EvaluatorNewPage />)} />
          <Route path="/evaluators/:id" element={later(<EvaluatorPage />)} />
          <Route path="/rules" element={later(<RulesPage />)} />
          <Route path="/rules/new" element={later(<RulePage />)} />
          <Route path="/rules/:id" element={later(<RulePage />)} />
          <Route path="/rules/:id/runs/:runId" element={later(<RunPage />)} />
          <Route path="/providers" element={later(<ProvidersPage />)} />
          <Route path="/judge-traces/:id" element={later(<JudgeTracePage />)} />
          <Route path="/queues" element={<QueuesPage />} />
          <Route path="/queues/new" element={<QueueSettingsPage />} />
          <Route path="/queues/:queueId" element={<QueuePage />} />
          <Route path="/queues/:queueId/settings" element={<QueueSettingsPage />} />
          <Route path="/queues/:queueId/review" element={<ReviewPage />} />
          <Route path="/insights" element={<InsightsPage />} />
          <Route path="/insights/:reportId" element={<InsightsReportPage />} />
          <Route path="/datasets" element={<DatasetsPage />} />
          <Route path="/datasets/:datasetId" element={<DatasetPage />} />
          <Route path="/experiments" element={later(<ExperimentsPage />)} />
          <Route path="/experiments/compare" element={later(<ComparePage />)} />
          <Route path="/experiments/:id" element={later(<ExperimentPage />)} />
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
