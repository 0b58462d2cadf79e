/**
 * The Agreement tab of an evaluator: how its scores agree with people's labels on the same
 * traces (GET /v1/evaluators/{id}/agreement): the statistics with intervals, the confusion
 * matrix, the trend over time and per version, and the disagreements with the judge's
 * reasoning beside reviewers' answers. Owners and admins run an alignment of a draft (JSON
 * changes) or a saved version (POST /v1/evaluators/{id}/align), which writes no scores,
 * and see the gate's decision when the evaluator is gated on agreement.
 */
import { useState } from 'react';
import { Link } from 'react-router';
import type { AgreementOut, AgreementStats, AlignOut, GateOut, LabelType } from '../../../../schema/wire/calibration.ts';
import type { EvaluatorOut } from '../../../../schema/wire/evaluators.ts';
import { api, ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useAction } from '../../api/use-action.ts';
import { Problem } from '../Problem.tsx';

type Est = { value: number | null; n: number; interval: { low: number; high: number } | null; reason?: string } | undefined;

const num = (x: number) => (Math.round(x * 1000) / 1000).toString();
const show = (x: unknown) => (x === null || x === undefined ? '—' : typeof x === 'string' ? x : JSON.stringify(x));

function Estimate({ e }: { e: Est }) {
  if (!e) return <span className="muted">—</span>;
  if (e.value === null) return <span className="muted" title={e.reason}>undefined: {e.reason ?? 'no value'}</span>;
  return (
    <span>
      <strong>{num(e.value)}</strong>
      {e.interval && <span className="muted small"> [{num(e.interval.low)}, {num(e.interval.high)}]</span>}
    </span>
  );
}

/** Which statistics a type has, in display order. */
const STATS: Record<LabelType, [keyof AgreementStats, string][]> = {
  boolean: [['accuracy', 'Accuracy'], ['tpr', 'True-positive rate'], ['tnr', 'True-negative rate'], ['kappa', "Cohen's kappa"]],
  categorical: [['accuracy', 'Accuracy'], ['kappa', "Cohen's kappa"]],
  numeric: [['spearman', 'Spearman'], ['mae', 'Mean absolute error'], ['bias', 'Bias (judge − human)'], ['within_tolerance', 'Within tolerance']],
};
const mainStat = (type: LabelType): keyof AgreementStats => (type === 'numeric' ? 'spearman' : 'accuracy');

function StatsTable({ type, columns }: { type: LabelType; columns: { label: string; stats: AgreementStats }[] }) {
  return (
    <table className="plain agreement-stats">
      <thead>
        <tr>
          <th>Statistic</th>
          {columns.map((c) => (
            <th key={c.label}>{c.label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          <td>Pairs</td>
          {columns.map((c) => (
            <td key={c.label}>{c.stats.n}</td>
          ))}
        </tr>
        {STATS[type].map(([k, label]) => (
          <tr key={k} data-stat={k}>
            <td>{label}</td>
            {columns.map((c) => (
              <td key={c.label}>
                <Estimate e={c.stats[k] as Est} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Matrix({ stats }: { stats: AgreementStats }) {
  if (!stats.labels || !stats.matrix || !stats.n) return null;
  return (
    <table className="plain confusion" aria-label="Confusion matrix">
      <thead>
        <tr>
          <th>people ↓ judge →</th>
          {stats.labels.map((l) => (
            <th key={String(l)}>{String(l)}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {stats.matrix.map((row, i) => (
          <tr key={i}>
            <th>{String(stats.labels![i])}</th>
            {row.map((n, j) => (
              <td key={j} className={i === j ? 'agree' : n ? 'disagree' : ''}>
                {n}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The main statistic per bucket, as bars (the interval in the title). */
function Trend({ a }: { a: AgreementOut }) {
  const k = mainStat(a.type);
  if (!a.over_time.length) return <p className="muted">No pairs yet.</p>;
  return (
    <ol className="trend" aria-label="Agreement over time">
      {a.over_time.map((b) => {
        const e = b.stats[k] as Est;
        const v = e?.value ?? null;
        return (
          <li key={b.start} className="trend-row">
            <span className="mono small">{b.start.slice(0, 10)}</span>
            <span className="trend-bar" style={{ width: `${Math.max(0, Math.min(1, v ?? 0)) * 100}%` }} />
            <span className="small">{v === null ? 'undefined' : num(v)} (n={b.stats.n})</span>
          </li>
        );
      })}
    </ol>
  );
}

export function AgreementTab({ evaluator: e, canEdit }: { evaluator: EvaluatorOut; canEdit: boolean }) {
  const a = useApi<AgreementOut>(`/v1/evaluators/${encodeURIComponent(e.id)}/agreement?disagreements=50`);
  const gate = useApi<GateOut>(`/v1/evaluators/${encodeURIComponent(e.id)}/gate`);
  const data = a.data && a.data.evaluator_id === e.id ? a.data : undefined;
  const gateMissing = gate.error instanceof ApiError && gate.error.status === 404;
  return (
    <>
      <section className="card" aria-label="Agreement">
        <Problem error={a.error} />
        {!data && !a.error && <p className="muted">Computing agreement…</p>}
        {data && (
          <>
            <p className="muted small">
              Judge key <code>{data.judge_key}</code> against people's <code>{data.human_key}</code> (source human), compared as {data.type}
              {data.threshold !== null && `, threshold ${data.threshold}`}. {data.unpaired.judge} scores have no human label; {data.unpaired.human} labels have no score. Intervals are 95%.
            </p>
            {data.overall.n === 0 ? (
              <p className="muted">No trace has both a score and a human label yet. Route traces to an annotation queue to collect labels.</p>
            ) : (
              <div className="agreement-grid">
                <StatsTable type={data.type} columns={[{ label: 'All versions', stats: data.overall }, ...data.versions.filter((v) => v.stats.n).map((v) => ({ label: `v${v.version}`, stats: v.stats }))]} />
                <Matrix stats={data.overall} />
              </div>
            )}
            <h3>Over time</h3>
            <Trend a={data} />
          </>
        )}
        {gate.data && (
          <p className="notice" role="status" aria-label="Gate">
            Gated on {gate.data.metric}
            {gate.data.min_value !== null && ` (or ≥ ${gate.data.min_value})`}: rules run v{gate.data.live_version}
            {gate.data.live_version !== gate.data.newest_version && `, not the newest v${gate.data.newest_version}, until an alignment shows it is not worse`}.
          </p>
        )}
        {gate.data && gate.data.events.length > 0 && (
          <details>
            <summary>Gate decisions ({gate.data.events.length})</summary>
            <ul className="gate-events">
              {gate.data.events.map((g) => (
                <li key={`${g.at}:${g.version}:${g.action}`} className="small">
                  {g.at.slice(0, 16).replace('T', ' ')} · <strong>{g.action}</strong> v{g.version} (live was v{g.from_version}){g.reason && `: ${g.reason}`}
                  {g.actor && <span className="muted"> · {g.actor}</span>}
                </li>
              ))}
            </ul>
          </details>
        )}
        {gateMissing && <p className="muted small">Not gated: rules run the newest version.</p>}
      </section>
      {data && <Disagreements a={data} />}
      <AlignRunner evaluator={e} canEdit={canEdit} onDone={() => gate.reload()} />
    </>
  );
}

function Disagreements({ a }: { a: AgreementOut }) {
  return (
    <section className="card" aria-label="Disagreements">
      <h3>
        Disagreements ({a.disagreement_count}
        {a.disagreements.length < a.disagreement_count && `, first ${a.disagreements.length}`})
      </h3>
      {!a.disagreements.length && <p className="muted">None: where people labelled, the judge agreed.</p>}
      <ul className="disagreements">
        {a.disagreements.map((d) => (
          <li key={`${d.trace_id}:${d.span_id ?? ''}:${d.version}`} className="disagreement" data-trace-id={d.trace_id}>
            <div>
              <Link to={d.link} className="mono">
                {d.trace_id}
              </Link>
              {d.span_id && <span className="muted small"> span {d.span_id}</span>} <span className="muted small">v{d.version}</span>
            </div>
            <div className="side-by-side">
              <div className="judge-side">
                <strong>Judge: {show(d.judge.label)}</strong>
                {d.judge.reasoning && <p className="small">{d.judge.reasoning}</p>}
              </div>
              <div className="human-side">
                {d.humans.map((h) => (
                  <div key={h.feedback_id}>
                    <strong>
                      {h.author ?? 'reviewer'}: {show(h.label)}
                    </strong>
                    {h.comment && <p className="small">{h.comment}</p>}
                  </div>
                ))}
              </div>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Runs an alignment of a draft (JSON changes) or a saved version; nothing is written. */
function AlignRunner({ evaluator: e, canEdit, onDone }: { evaluator: EvaluatorOut; canEdit: boolean; onDone(): void }) {
  const [mode, setMode] = useState<'draft' | 'version'>('draft');
  const [draft, setDraft] = useState(() => JSON.stringify(e.kind === 'judge' ? { config: { prompt: (e.config as { prompt?: unknown }).prompt } } : { config: {} }, null, 2));
  const [version, setVersion] = useState(e.version);
  const [limit, setLimit] = useState(200);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [result, setResult] = useState<AlignOut | null>(null);
  const running = useAction();
  const run = async () => {
    let body: Record<string, unknown> = { limit };
    if (mode === 'draft') {
      try {
        body.draft = JSON.parse(draft);
      } catch (err) {
        setJsonError(`Not JSON: ${(err as Error).message}`);
        return;
      }
    } else body = { ...body, version };
    setJsonError(null);
    setResult(null);
    const out = await running.run(() => api<AlignOut>(`/v1/evaluators/${encodeURIComponent(e.id)}/align`, { body }));
    if (out) {
      setResult(out);
      onDone();
    }
  };
  return (
    <section className="card" aria-label="Align">
      <h3>Align a draft</h3>
      <p className="muted small">Runs the changes over the items people labelled, without writing scores, and shows agreement beside the current version's. Malformed answers count as errors, not agreement.</p>
      {!canEdit ? (
        <p className="muted">Running an alignment needs an owner or admin (it can spend on judge calls).</p>
      ) : (
        <form
          aria-label="Alignment"
          onSubmit={(ev) => {
            ev.preventDefault();
            void run();
          }}
        >
          <div className="inline-form">
            <label className="check">
              <input type="radio" name="align-mode" checked={mode === 'draft'} onChange={() => setMode('draft')} /> a draft (changes as JSON)
            </label>
            <label className="check">
              <input type="radio" name="align-mode" checked={mode === 'version'} onChange={() => setMode('version')} /> a saved version
            </label>
            <label>
              Items{' '}
              <input type="number" min={1} max={250} value={limit} onChange={(ev) => setLimit(Number(ev.target.value) || 1)} aria-label="Most items" />
            </label>
          </div>
          {mode === 'draft' ? (
            <label className="block">
              Changes (the PATCH body)
              <textarea className="mono" rows={8} value={draft} onChange={(ev) => setDraft(ev.target.value)} aria-label="Draft changes" />
            </label>
          ) : (
            <label>
              Version{' '}
              <select value={version} onChange={(ev) => setVersion(Number(ev.target.value))} aria-label="Version to align">
                {Array.from({ length: e.version }, (_, i) => e.version - i).map((v) => (
                  <option key={v} value={v}>
                    v{v}
                  </option>
                ))}
              </select>
            </label>
          )}
          {jsonError && <p className="field-error">{jsonError}</p>}
          <Problem error={running.error} />
          <button type="submit" className="button" disabled={running.busy}>
            {running.busy ? 'Running…' : 'Run alignment'}
          </button>
        </form>
      )}
      {result && <AlignResult r={result} />}
    </section>
  );
}

function AlignResult({ r }: { r: AlignOut }) {
  const name = r.draft.version === null ? 'Draft' : `v${r.draft.version}`;
  const errs = (x: AlignOut['draft']['errors']) => (x.count ? `${x.count} errors (${Object.entries(x.by_code).map(([c, n]) => `${c} ${n}`).join(', ')})` : 'no errors');
  return (
    <div className="align-result" role="region" aria-label="Alignment result">
      <p>
        {r.items} labelled items. Current v{r.current.version}: {errs(r.current.errors)}
        {r.current.rerun > 0 && `, ${r.current.rerun} unscored items run now`}. {name}: {errs(r.draft.errors)}.
      </p>
      <StatsTable type={r.type} columns={[{ label: `Current v${r.current.version}`, stats: r.current.stats }, { label: name, stats: r.draft.stats }]} />
      {r.gate && (
        <p className={r.gate.action === 'promoted' ? 'notice ok' : 'notice'} role="status">
          Gate: {r.gate.action}. {r.gate.reason}
        </p>
      )}
      {r.draft.errors.examples.length > 0 && (
        <details>
          <summary>Errors</summary>
          <ul>
            {r.draft.errors.examples.map((x) => (
              <li key={`${x.trace_id}:${x.span_id ?? ''}`} className="small">
                <Link to={`/traces/${encodeURIComponent(x.trace_id)}`} className="mono">
                  {x.trace_id}
                </Link>
                : {x.error_code}: {x.error}
              </li>
            ))}
          </ul>
        </details>
      )}
      <h4>Changed verdicts ({r.changed_count})</h4>
      {!r.changed.length && <p className="muted">No verdict changed.</p>}
      <table className="plain">
        <thead>
          <tr>
            <th>Trace</th>
            <th>People</th>
            <th>Current</th>
            <th>{name}</th>
            <th className="hide-narrow">{name}'s reasoning</th>
          </tr>
        </thead>
        <tbody>
          {r.changed.map((c) => (
            <tr key={`${c.trace_id}:${c.span_id ?? ''}`} data-trace-id={c.trace_id} className={c.now_agrees ? 'agree' : 'disagree'}>
              <td className="mono small">
                <Link to={c.link}>{c.trace_id}</Link>
              </td>
              <td>{show(c.human)}</td>
              <td>{show(c.current.label)}</td>
              <td>
                {show(c.draft.label)} {c.now_agrees ? <span className="chip ok">now agrees</span> : null}
              </td>
              <td className="hide-narrow small">{c.draft.reasoning}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
