/**
 * /rules/:id/runs/:runId[?status=failed]: one run's log. Its counters, and its jobs (one
 * per trace, span and evaluator) newest first, filtered by status (j/k move through them,
 * Enter opens one); a failed job opens to its error, with links to the trace, the judge call and "try it on this trace". While the
 * run is in progress, counters and the first page refresh every 2 s, so scores arrive on
 * screen as they are written.
 */
import { useEffect, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { RuleOut } from '../../../../schema/wire/rules.ts';
import type { RunOut, RunResultOut } from '../../../../schema/wire/runs.ts';
import { api, ApiError, query } from '../../api/client.ts';
import { useApi, usePolling } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { Problem } from '../../components/Problem.tsx';
import { RunCounters, runInProgress, runLabel } from '../../components/evals/RunCounters.tsx';
import { EvalStatus, EvaluatorLink, ScoreValue, useEvaluatorIndex } from '../../components/evals/common.tsx';
import { formatAgo, formatCost, formatDuration, formatTime } from '../../lib/format.ts';

const STATUSES = ['', 'scored', 'failed', 'skipped', 'queued'] as const;
const PAGE = 50;

type Results = { results: RunResultOut[]; next_cursor: string | null };

export function RunPage() {
  const { id = '', runId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const status = STATUSES.includes(params.get('status') as (typeof STATUSES)[number]) ? params.get('status')! : '';
  const base = `/v1/rules/${encodeURIComponent(id)}/runs/${encodeURIComponent(runId)}`;
  const rule = useApi<RuleOut>(`/v1/rules/${encodeURIComponent(id)}`);
  const run = useApi<RunOut>(base);
  const first = useApi<Results>(`${base}/results${query({ status, limit: PAGE })}`);
  const [older, setOlder] = useState<{ status: string; pages: RunResultOut[][]; cursor: string | null }>({ status, pages: [], cursor: null });
  const evaluators = useEvaluatorIndex();
  const live = !!run.data && runInProgress(run.data);
  usePolling(run.reload, 2000, live);
  usePolling(first.reload, 2000, live);
  // Keyboard, as on the trace page: j/k move through the jobs, Enter or Space opens one.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.metaKey || e.ctrlKey || e.altKey || (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)))) return;
      if (e.key !== 'j' && e.key !== 'k') return;
      const toggles = [...document.querySelectorAll<HTMLButtonElement>('.job .twisty')];
      const at = toggles.indexOf(document.activeElement as HTMLButtonElement);
      const next = at < 0 ? toggles[0] : toggles[Math.max(0, Math.min(toggles.length - 1, at + (e.key === 'j' ? 1 : -1)))];
      if (!next) return;
      e.preventDefault();
      next.focus();
      next.scrollIntoView({ block: 'nearest' });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  // One more refresh of the jobs when the run ends, so the last ones show without a reload.
  const wasLive = useRef(false);
  useEffect(() => {
    if (live) wasLive.current = true;
    else if (wasLive.current) {
      wasLive.current = false;
      first.reload();
    }
  }, [live, first.reload]);

  if (run.error) {
    return (
      <div className="page">
        <p>
          <Link to={`/rules/${encodeURIComponent(id)}`}>← Rule</Link>
        </p>
        {run.error instanceof ApiError && run.error.status === 404 ? (
          <div className="not-found" role="alert">
            <h1>Run not found</h1>
            <p>This rule has no such run in this project.</p>
          </div>
        ) : (
          <ErrorNote error={run.error} />
        )}
      </div>
    );
  }
  const r = run.data;
  const extra = older.status === status ? older : { status, pages: [], cursor: null };
  const results = [...(first.data?.results ?? []), ...extra.pages.flat()];
  const next = extra.pages.length ? extra.cursor : (first.data?.next_cursor ?? null);
  const loadMore = async () => {
    if (!next) return;
    const page = await api<Results>(`${base}/results${query({ status, limit: PAGE, cursor: next })}`);
    setOlder({ status, pages: [...extra.pages, page.results], cursor: page.next_cursor });
  };

  return (
    <div className="page narrow-page run-page">
      <p>
        <Link to={`/rules/${encodeURIComponent(id)}`}>← {rule.data?.name ?? 'Rule'}</Link>
      </p>
      {!r ? (
        <p className="muted">Loading run…</p>
      ) : (
        <>
          <header className="page-head">
            <h1>{runLabel(r)}</h1>
            <EvalStatus status={r.status} />
            {live && (
              <span className="muted small live-note" role="status">
                in progress: refreshing every 2 s
              </span>
            )}
          </header>
          <p className="muted small">
            Run <span className="mono">{r.id}</span> of <Link to={`/rules/${encodeURIComponent(id)}`}>{rule.data?.name ?? id}</Link> · started {formatTime(r.created_at)} · updated {formatAgo(r.updated_at)}
          </p>
          <RunCounters run={r} />
        </>
      )}
      <nav className="tabs" aria-label="Jobs by status">
        {STATUSES.map((s) => (
          <button key={s || 'all'} type="button" className={s === status ? 'tab active' : 'tab'} aria-current={s === status ? 'page' : undefined} onClick={() => setParams(s ? { status: s } : {})}>
            {s || 'all'}
            {r && s && <span className="tab-count">{r.counts[s as keyof RunOut['counts']]}</span>}
          </button>
        ))}
      </nav>
      <Problem error={first.error} />
      {first.data && results.length === 0 && <p className="muted">{status ? `No ${status} jobs.` : 'No jobs yet.'}</p>}
      {results.length > 0 && (
        <ol className="job-list" aria-label="Jobs">
          {results.map((j) => (
            <JobRow key={`${j.trace_id}|${j.span_id ?? ''}|${j.evaluator_id}`} job={j} evaluators={evaluators} />
          ))}
        </ol>
      )}
      {next && (
        <button type="button" className="button subtle" onClick={() => void loadMore()}>
          Load older jobs
        </button>
      )}
    </div>
  );
}

function JobRow({ job: j, evaluators }: { job: RunResultOut; evaluators: ReturnType<typeof useEvaluatorIndex> }) {
  // Failed jobs open on their error until the user folds them.
  const [toggled, setToggled] = useState<boolean | null>(null);
  const open = toggled ?? j.status === 'failed';
  const setOpen = (next: boolean) => setToggled(next);
  const traceLink = `/traces/${encodeURIComponent(j.trace_id)}${j.span_id ? `?span=${encodeURIComponent(j.span_id)}` : ''}`;
  return (
    <li className={`job job-${j.status}`} data-trace-id={j.trace_id} data-status={j.status}>
      <div className="job-line">
        <button type="button" className="twisty" aria-expanded={open} aria-label={open ? 'Hide details' : 'Show details'} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'}
        </button>
        <Link to={traceLink} className="mono small job-trace">
          {j.trace_id}
          {j.span_id ? ` · ${j.span_id}` : ''}
        </Link>
        <EvaluatorLink id={j.evaluator_id} version={j.evaluator_version} index={evaluators} />
        <EvalStatus status={j.status} />
        {j.status === 'scored' ? <ScoreValue score={j.score} value={j.value} /> : j.error_code ? <code className="error-code">{j.error_code}</code> : null}
        <span className="muted small job-when" title={formatTime(j.updated_at)}>
          {formatAgo(j.updated_at)}
        </span>
      </div>
      {open && (
        <div className="job-detail">
          {j.error && (
            <p className="error-text job-error" role="alert">
              {j.error_code && <strong>{j.error_code}: </strong>}
              {j.error}
            </p>
          )}
          <p className="muted small">
            {j.attempts} attempt{j.attempts === 1 ? '' : 's'} · {formatDuration(j.duration_ms)} · {formatCost(j.cost_usd)}
            {j.feedback_id && (
              <>
                {' '}
                · feedback <span className="mono">{j.feedback_id}</span>
              </>
            )}
          </p>
          <p className="job-links">
            <Link to={traceLink}>Open the trace</Link>
            {j.judge_trace_id && <Link to={`/judge-traces/${encodeURIComponent(j.judge_trace_id)}`}>What the judge saw and said</Link>}
            <Link to={`/evaluators/${encodeURIComponent(j.evaluator_id)}?tab=try&trace=${encodeURIComponent(j.trace_id)}`}>Try the evaluator on this trace</Link>
          </p>
        </div>
      )}
    </li>
  );
}
