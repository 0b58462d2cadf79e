/**
 * /rules/new (?evaluator=<id> preselects one) and /rules/:id: a rule's definition (edited
 * by owners and admins), a backfill over a time range, and its runs (the online run and
 * each backfill) with their counters, refreshing while any run is in progress.
 */
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import type { RuleOut } from '../../../../schema/wire/rules.ts';
import type { RunOut } from '../../../../schema/wire/runs.ts';
import { api, ApiError } from '../../api/client.ts';
import { useApi, usePolling } from '../../api/use-api.ts';
import { useAction } from '../../api/use-action.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { Problem } from '../../components/Problem.tsx';
import { DeleteButton } from '../../components/DeleteButton.tsx';
import { RuleForm } from '../../components/evals/RuleForm.tsx';
import { RangeSelect, timePresets } from '../../components/TimeRange.tsx';
import { RunCounters, runInProgress, runLabel } from '../../components/evals/RunCounters.tsx';
import { EvalStatus, EvaluatorLink, ReadOnlyNote, useCanManage, useEvaluatorIndex } from '../../components/evals/common.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { percent } from './RulesPage.tsx';

export function RulePage() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const canEdit = useCanManage();
  if (!id) {
    if (!canEdit)
      return (
        <div className="page narrow-page">
          <p>
            <Link to="/rules">← Rules</Link>
          </p>
          <ReadOnlyNote what="rules" />
        </div>
      );
    return (
      <div className="page narrow-page">
        <p>
          <Link to="/rules">← Rules</Link>
        </p>
        <RuleForm preselect={params.getAll('evaluator')} onSaved={(r) => navigate(`/rules/${encodeURIComponent(r.id)}`, { state: { created: true } })} onCancel={() => navigate('/rules')} />
      </div>
    );
  }
  return <RuleDetail id={id} canEdit={canEdit} />;
}

function RuleDetail({ id, canEdit }: { id: string; canEdit: boolean }) {
  const navigate = useNavigate();
  const rule = useApi<RuleOut>(`/v1/rules/${encodeURIComponent(id)}`);
  const runs = useApi<{ runs: RunOut[] }>(`/v1/rules/${encodeURIComponent(id)}/runs`);
  const evaluators = useEvaluatorIndex();
  const [editing, setEditing] = useState(false);
  const action = useAction();
  usePolling(runs.reload, 2000, !!runs.data?.runs.some(runInProgress));

  if (rule.error) {
    return (
      <div className="page">
        <p>
          <Link to="/rules">← Rules</Link>
        </p>
        {rule.error instanceof ApiError && rule.error.status === 404 ? (
          <div className="not-found" role="alert">
            <h1>Rule not found</h1>
            <p>
              There is no rule <code>{id}</code> in this project.
            </p>
          </div>
        ) : (
          <ErrorNote error={rule.error} />
        )}
      </div>
    );
  }
  const r = rule.data && rule.data.id === id ? rule.data : undefined;
  if (!r) return <div className="page muted">Loading rule…</div>;
  const setActive = (active: boolean) => void action.run(() => api(`/v1/rules/${encodeURIComponent(r.id)}`, { method: 'PATCH', body: { active } })).then(() => (rule.reload(), runs.reload()));

  return (
    <div className="page narrow-page rule-page">
      <p>
        <Link to="/rules">← Rules</Link>
      </p>
      <header className="page-head">
        <h1>{r.name}</h1>
        <EvalStatus status={r.active ? 'active' : 'paused'} />
        {canEdit && !editing && (
          <div className="head-actions">
            <button type="button" className="button" onClick={() => setEditing(true)}>
              Edit
            </button>
            <button type="button" className="button subtle" disabled={action.busy} onClick={() => setActive(!r.active)}>
              {r.active ? 'Pause' : 'Resume'}
            </button>
            <DeleteButton
              action={action}
              path={`/v1/rules/${encodeURIComponent(r.id)}`}
              question={`Delete the rule "${r.name}"? No new traces are matched; queued jobs finish and scores stay.`}
              then={(ok) => ok && navigate('/rules')}
            />
          </div>
        )}
      </header>
      {!canEdit && <ReadOnlyNote what="this rule and its run logs" />}
      <Problem error={action.error} />
      {editing ? (
        <RuleForm
          rule={r}
          onSaved={() => {
            setEditing(false);
            rule.reload();
            runs.reload();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <section className="card" aria-label="Rule">
          <dl className="facts">
            <div>
              <dt>Traces</dt>
              <dd>{r.filter ? <Link to={`/traces?q=${encodeURIComponent(r.filter)}`}><code>{r.filter}</code></Link> : 'every trace'}</dd>
            </div>
            <div>
              <dt>Sampling</dt>
              <dd>{percent(r.sampling_rate)}</dd>
            </div>
            <div>
              <dt>Evaluators</dt>
              <dd>
                {r.evaluator_ids.map((e) => (
                  <div key={e}>
                    <EvaluatorLink id={e} index={evaluators} version={evaluators.get(e)?.version} />
                  </div>
                ))}
              </dd>
            </div>
            <div>
              <dt>{r.target === 'thread' ? 'Threads' : 'New traces'}</dt>
              <dd>
                {!r.active
                  ? 'paused'
                  : r.target === 'thread'
                    ? `each conversation scored once idle for ${r.idle_minutes} min, again after new turns (the score lands on its last turn)`
                    : 'scored once complete (root ended, then a quiet period)'}
              </dd>
            </div>
          </dl>
        </section>
      )}
      {canEdit && r.target === 'trace' && <BackfillForm rule={r} onStarted={(run) => navigate(`/rules/${encodeURIComponent(r.id)}/runs/${encodeURIComponent(run.id)}`)} />}
      <section className="card" aria-labelledby="runs-h">
        <div className="card-head">
          <h2 id="runs-h">Runs</h2>
          {runs.data?.runs.some(runInProgress) && (
            <span className="muted small live-note" role="status">
              refreshing while a run is in progress
            </span>
          )}
        </div>
        <Problem error={runs.error} />
        {runs.data && <RunsTable rule={r} runs={runs.data.runs} />}
      </section>
    </div>
  );
}

function RunsTable({ rule, runs }: { rule: RuleOut; runs: RunOut[] }) {
  return (
    <ul className="runs">
      {runs.map((run) => (
        <li key={run.id} className="run-item" data-run={run.kind === 'online' ? 'online' : run.id}>
          <div className="run-line">
            <Link to={`/rules/${encodeURIComponent(rule.id)}/runs/${encodeURIComponent(run.id)}`} className="strong-link">
              {runLabel(run)}
            </Link>
            <EvalStatus status={run.status} />
            <span className="muted small" title={formatTime(run.created_at)}>
              started {formatAgo(run.created_at)}
            </span>
          </div>
          <RunCounters run={run} compact />
        </li>
      ))}
    </ul>
  );
}

/** Backfills look back further than the traces list, and have no "all time". */
const RANGES = [...timePresets('24h', '7d', '30d', '90d'), { id: 'custom', label: 'Custom…', ms: 0 }];

function BackfillForm({ rule, onStarted }: { rule: RuleOut; onStarted(run: RunOut): void }) {
  const [range, setRange] = useState('30d');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [max, setMax] = useState('10000');
  const [rescore, setRescore] = useState(false);
  const action = useAction();
  const err = action.error instanceof ApiError ? action.error : null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const preset = RANGES.find((r) => r.id === range)!;
    const body =
      range === 'custom'
        ? { from: from ? new Date(from).toISOString() : '', ...(to ? { to: new Date(to).toISOString() } : {}), max_traces: Number(max), rescore }
        : { from: new Date(Date.now() - preset.ms).toISOString(), max_traces: Number(max), rescore };
    const run = await action.run(() => api<RunOut>(`/v1/rules/${encodeURIComponent(rule.id)}/backfill`, { body }));
    if (run) onStarted(run);
  };
  return (
    <section className="card" aria-labelledby="backfill-h">
      <h2 id="backfill-h">Backfill</h2>
      <p className="muted small">Runs this rule over traces that started in a time range (same filter and sampling), as a new run. Traces this evaluator version already scored are skipped (an overlap with online matching is not paid twice) unless you ask to score them again.</p>
      <form className="inline-form" onSubmit={submit} aria-label="Backfill">
        <RangeSelect ranges={RANGES} value={range} label="Backfill range" onChange={setRange} />
        {range === 'custom' && (
          <>
            <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} aria-label="Backfill from" required />
            <span className="muted">to</span>
            <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} aria-label="Backfill to" />
          </>
        )}
        <label>
          at most{' '}
          <input value={max} onChange={(e) => setMax(e.target.value)} inputMode="numeric" size={7} aria-label="Max traces" /> traces
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={rescore} onChange={(e) => setRescore(e.target.checked)} /> score already scored traces again
        </label>
        <button type="submit" className="button primary" disabled={action.busy}>
          Start backfill
        </button>
      </form>
      {err?.path ? <p className="error-text" role="alert">{err.message}</p> : <Problem error={action.error} />}
    </section>
  );
}
