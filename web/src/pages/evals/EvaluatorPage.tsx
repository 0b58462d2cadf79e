/**
 * /evaluators/:id: one evaluator. Tabs (in the URL as ?tab=): its definition and the rules
 * running it; "Try it" on chosen traces (?trace= preselects one, ?version= picks a version);
 * its recent scores, refreshing as they arrive; its agreement with people (matrix, trend,
 * disagreements, an alignment runner); its version history with what each version
 * changed. Owners and admins edit it (a new version) or delete it.
 */
import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import type { EvaluatorOut } from '../../../../schema/wire/evaluators.ts';
import type { ProviderOut } from '../../../../schema/wire/providers.ts';
import type { RuleOut } from '../../../../schema/wire/rules.ts';
import type { FeedbackOut } from '../../../../schema/wire/feedback.ts';
import { ApiError, query } from '../../api/client.ts';
import { useApi, usePolling } from '../../api/use-api.ts';
import { useAction } from '../../api/use-action.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { Problem } from '../../components/Problem.tsx';
import { DeleteButton } from '../../components/DeleteButton.tsx';
import { JsonView } from '../../components/JsonView.tsx';
import { EvaluatorEditor } from '../../components/evals/EvaluatorEditor.tsx';
import { EvaluatorView } from '../../components/evals/EvaluatorView.tsx';
import { TryPanel } from '../../components/evals/TryPanel.tsx';
import { AgreementTab } from '../../components/evals/AgreementTab.tsx';
import { KindBadge, ReadOnlyNote, ScoreValue, useCanManage } from '../../components/evals/common.tsx';
import { changedPaths, versionShape } from '../../lib/config-diff.ts';
import { formatAgo, formatTime } from '../../lib/format.ts';

const TABS = [
  { id: 'overview', label: 'Definition' },
  { id: 'try', label: 'Try it' },
  { id: 'scores', label: 'Scores' },
  { id: 'agreement', label: 'Agreement' },
  { id: 'versions', label: 'Versions' },
] as const;

export function EvaluatorPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const canEdit = useCanManage();
  const ev = useApi<EvaluatorOut>(`/v1/evaluators/${encodeURIComponent(id)}`);
  const rules = useApi<{ rules: RuleOut[] }>('/v1/rules');
  const providers = useApi<{ providers: ProviderOut[] }>(canEdit ? '/v1/providers' : null);
  const [editing, setEditing] = useState(false);
  const [savedNote, setSavedNote] = useState<string | null>(null);
  const remove = useAction();
  const state = (location.state ?? {}) as { created?: boolean; signingSecret?: string | null };
  // A new webhook's signing secret is shown once: kept in memory here and dropped from the
  // history entry at once, so a reload or Back does not show it again.
  const [signingSecret] = useState(() => state.signingSecret ?? null);
  useEffect(() => {
    if (state.signingSecret) navigate(location.pathname + location.search, { replace: true, state: { created: state.created } });
  }, []);
  const tab = TABS.some((t) => t.id === params.get('tab')) ? params.get('tab')! : 'overview';
  const go = (next: string, extra: Record<string, string> = {}) => setParams({ ...(next === 'overview' ? {} : { tab: next }), ...extra }, { state: location.state });

  if (ev.error) {
    return (
      <div className="page">
        <p>
          <Link to="/evaluators">← Evaluators</Link>
        </p>
        {ev.error instanceof ApiError && ev.error.status === 404 ? (
          <div className="not-found" role="alert">
            <h1>Evaluator not found</h1>
            <p>
              There is no evaluator <code>{id}</code> in this project.
            </p>
          </div>
        ) : (
          <ErrorNote error={ev.error} />
        )}
      </div>
    );
  }
  const e = ev.data && ev.data.id === id ? ev.data : undefined;
  if (!e) return <div className="page muted">Loading evaluator…</div>;
  const usedBy = rules.data?.rules.filter((r) => r.evaluator_ids.includes(e.id)) ?? [];
  const deleted = e.deleted_at !== null;

  return (
    <div className="page narrow-page evaluator-page">
      <p>
        <Link to="/evaluators">← Evaluators</Link>
      </p>
      <header className="page-head">
        <h1>
          {e.name} <span className="muted version-tag">v{e.version}</span>
        </h1>
        <KindBadge kind={e.kind} />
        {canEdit && !deleted && !editing && (
          <div className="head-actions">
            <button type="button" className="button" onClick={() => (setEditing(true), setSavedNote(null), go('overview'))}>
              Edit
            </button>
            <DeleteButton
              action={remove}
              path={`/v1/evaluators/${encodeURIComponent(e.id)}`}
              question={`Delete "${e.name}"? Rules stop running it; its versions and scores stay.`}
              then={(ok) => ok && navigate('/evaluators')}
            />
          </div>
        )}
      </header>
      <p className="muted small">
        <span className="mono">{e.id}</span> · writes feedback <code>{e.key}</code> · changed {formatAgo(e.updated_at)}
      </p>
      {deleted && <p className="notice">Deleted {formatTime(e.deleted_at)}: rules no longer run it. Its versions and scores stay readable.</p>}
      {!canEdit && <ReadOnlyNote what="this evaluator, its versions and scores" />}
      <Problem error={remove.error} />
      {state.created && !savedNote && (
        <div className="notice ok" role="status">
          Created version 1. Next: <Link to={`/rules/new?evaluator=${encodeURIComponent(e.id)}`}>run it with a rule</Link> on new traces or over past ones.
        </div>
      )}
      {signingSecret && (
        <div className="secret-once" role="status">
          <p>Webhook signing secret (shown once; verify x-loupe-signature with it):</p>
          <input readOnly className="mono" value={signingSecret} aria-label="Signing secret" onFocus={(ev2) => ev2.currentTarget.select()} />
        </div>
      )}
      {savedNote && (
        <p className="notice ok" role="status">
          {savedNote}
        </p>
      )}

      {editing ? (
        <EvaluatorEditor
          start={{ name: e.name, key: e.key, description: e.description, target: e.target, config: e.config as Record<string, unknown>, template: e.template }}
          existing={e}
          onSaved={(saved) => {
            setEditing(false);
            setSavedNote(`Saved version ${saved.version}. Version ${saved.version - 1} and its scores stay.`);
            ev.reload();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <>
          <nav className="tabs" aria-label="Evaluator sections">
            {TABS.map((t) => (
              <button key={t.id} type="button" className={t.id === tab ? 'tab active' : 'tab'} aria-current={t.id === tab ? 'page' : undefined} onClick={() => go(t.id)}>
                {t.label}
              </button>
            ))}
          </nav>
          {tab === 'overview' && (
            <section className="card" aria-label="Definition">
              <EvaluatorView evaluator={e} providers={providers.data?.providers} />
              <h3>Rules running it</h3>
              {usedBy.length ? (
                <ul>
                  {usedBy.map((r) => (
                    <li key={r.id}>
                      <Link to={`/rules/${encodeURIComponent(r.id)}`}>{r.name}</Link> <span className="muted small">{r.active ? 'active' : 'paused'}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">No rule runs it yet.</p>
              )}
              {canEdit && !deleted && (
                <Link className="button" to={`/rules/new?evaluator=${encodeURIComponent(e.id)}`}>
                  New rule with this evaluator
                </Link>
              )}
            </section>
          )}
          {tab === 'try' && <TryTab evaluator={e} canEdit={canEdit} version={Number(params.get('version')) || undefined} trace={params.get('trace')} onVersion={(v) => go('try', v ? { version: String(v) } : {})} />}
          {tab === 'scores' && <ScoresTab evaluator={e} />}
          {tab === 'agreement' && <AgreementTab evaluator={e} canEdit={canEdit && !deleted} />}
          {tab === 'versions' && <VersionsTab evaluator={e} onTry={(v) => go('try', { version: String(v) })} />}
        </>
      )}
    </div>
  );
}

function TryTab({ evaluator: e, canEdit, version, trace, onVersion }: { evaluator: EvaluatorOut; canEdit: boolean; version?: number; trace: string | null; onVersion(v?: number): void }) {
  return (
    <>
      {e.version > 1 && (
        <label className="inline-form">
          Version{' '}
          <select value={version ?? ''} onChange={(ev2) => onVersion(ev2.target.value ? Number(ev2.target.value) : undefined)} aria-label="Version to try">
            <option value="">newest (v{e.version})</option>
            {Array.from({ length: e.version - 1 }, (_, i) => e.version - 1 - i).map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </select>
        </label>
      )}
      <TryPanel
        key={`${version ?? 'newest'}-${trace ?? ''}`}
        target={{ evaluator_id: e.id, ...(version ? { version } : {}) }}
        initialTraceIds={trace ? [trace] : undefined}
        blocked={canEdit ? null : 'Running try-it needs an owner or admin (it can spend on judge calls).'}
      />
    </>
  );
}

function ScoresTab({ evaluator: e }: { evaluator: EvaluatorOut }) {
  const [version, setVersion] = useState<number | undefined>();
  const [live, setLive] = useState(true);
  const [pages, setPages] = useState<string[]>([]);
  const first = useApi<{ scores: FeedbackOut[]; next_cursor: string | null }>(`/v1/evaluators/${encodeURIComponent(e.id)}/scores${query({ version, limit: 50 })}`);
  // New scores arrive at the top: refresh the first page while watching.
  usePolling(first.reload, 3000, live && pages.length === 0);
  const more = useApi<{ scores: FeedbackOut[]; next_cursor: string | null }>(pages.length ? `/v1/evaluators/${encodeURIComponent(e.id)}/scores${query({ version, limit: 50, cursor: pages[pages.length - 1] })}` : null);
  const scores = pages.length ? (more.data?.scores ?? []) : (first.data?.scores ?? []);
  const next = pages.length ? more.data?.next_cursor : first.data?.next_cursor;
  return (
    <section className="card" aria-label="Scores">
      <div className="inline-form">
        <label>
          Version{' '}
          <select value={version ?? ''} onChange={(ev2) => (setPages([]), setVersion(ev2.target.value ? Number(ev2.target.value) : undefined))} aria-label="Scores of version">
            <option value="">all</option>
            {Array.from({ length: e.version }, (_, i) => e.version - i).map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={live} onChange={(ev2) => setLive(ev2.target.checked)} /> refresh as scores arrive
        </label>
        <span className="muted small">{pages.length ? 'older scores' : 'newest first'}</span>
      </div>
      <Problem error={first.error ?? more.error} />
      {scores.length === 0 && !first.loading && <p className="muted">No scores yet. A rule runs this evaluator on traces; Try it shows results without storing them.</p>}
      {scores.length > 0 && <ScoreTable scores={scores} />}
      <div className="pager">
        <button type="button" className="button subtle" disabled={!pages.length} onClick={() => setPages(pages.slice(0, -1))}>
          ← Newer
        </button>
        <button type="button" className="button subtle" disabled={!next} onClick={() => next && setPages([...pages, next])}>
          Older →
        </button>
      </div>
    </section>
  );
}

/** Feedback rows an evaluator wrote: when, trace, version, score, comment, judge call, rule. */
export function ScoreTable({ scores }: { scores: FeedbackOut[] }) {
  return (
    <div className="table-wrap">
      <table className="plain scores">
        <thead>
          <tr>
            <th>When</th>
            <th>Trace</th>
            <th>Version</th>
            <th>Score</th>
            <th className="hide-narrow">Comment</th>
            <th>Judge call</th>
          </tr>
        </thead>
        <tbody>
          {scores.map((f) => {
            const judge = typeof f.metadata.judge_trace_id === 'string' ? f.metadata.judge_trace_id : null;
            return (
              <tr key={f.id} data-trace-id={f.trace_id}>
                <td title={formatTime(f.updated_at)}>{formatAgo(f.updated_at)}</td>
                <td className="mono small">
                  <Link to={`/traces/${encodeURIComponent(f.trace_id)}${f.span_id ? `?span=${encodeURIComponent(f.span_id)}` : ''}`}>{f.trace_id}</Link>
                  {f.span_id && <div className="muted">span {f.span_id}</div>}
                </td>
                <td>v{f.evaluator_version}</td>
                <td>
                  <ScoreValue score={f.score} value={f.value} />
                </td>
                <td className="hide-narrow comment-cell">{f.comment}</td>
                <td>{judge ? <Link to={`/judge-traces/${encodeURIComponent(judge)}`}>view</Link> : <span className="muted">—</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function VersionsTab({ evaluator: e, onTry }: { evaluator: EvaluatorOut; onTry(version: number): void }) {
  const versions = useApi<{ versions: EvaluatorOut[] }>(`/v1/evaluators/${encodeURIComponent(e.id)}/versions`);
  const list = versions.data?.versions ?? [];
  return (
    <section className="card" aria-label="Versions">
      <p className="muted small">Every change made a new version. Scores record the version that produced them, so versions can be compared.</p>
      <Problem error={versions.error} />
      <ol className="versions">
        {list.map((v, i) => {
          const previous = list[i + 1];
          const changes = previous ? changedPaths(versionShape(previous), versionShape(v)) : [];
          return (
            <li key={v.version} className="version" data-version={v.version}>
              <div className="version-line">
                <strong>v{v.version}</strong>
                {v.version === e.version && <span className="chip">current</span>}
                <span className="muted small" title={formatTime(v.created_at)}>
                  {formatAgo(v.created_at)}
                </span>
                <span className="version-changes small">{previous ? (changes.length ? `changed ${changes.join(', ')}` : 'no change to the definition') : 'created'}</span>
                <button type="button" className="link" onClick={() => onTry(v.version)}>
                  Try v{v.version}
                </button>
              </div>
              <details>
                <summary>Definition</summary>
                <JsonView value={versionShape(v)} openDepth={3} />
              </details>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
