/**
 * /experiments/:id: one experiment. Its summary (per metric the mean with its 95% interval,
 * pass@k and pass^k with repetitions; runs, errors, latency, tokens, cost), pinning it as
 * its dataset's baseline, a link comparing it with the pinned baseline, and its runs per
 * example with filters (example id, errored or not, a score condition), each opening its
 * trace and output.
 */
import { Fragment, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { ExperimentOut, ExperimentRunOut, ExperimentSummaryOut } from '../../../../schema/wire/experiments.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { JsonView } from '../../components/JsonView.tsx';
import { MetricValue } from '../../components/experiments/MetricValue.tsx';
import { PinBaseline } from '../../components/experiments/PinBaseline.tsx';
import { formatCost, formatDuration, formatScore, formatTime, formatTokens } from '../../lib/format.ts';
import { comparePath, filterRuns, scoreKeys, type RunFilter } from '../../lib/experiments.ts';

type WithSummary = ExperimentOut & { summary: ExperimentSummaryOut };

// Rendering thousands of rows at once stalls the page; the filters narrow, "show more" pages.
const PAGE = 200;

export function ExperimentPage() {
  const { id = '' } = useParams();
  const loaded = useApi<WithSummary>(`/v1/experiments/${encodeURIComponent(id)}`);
  const runs = useApi<{ runs: ExperimentRunOut[] }>(`/v1/experiments/${encodeURIComponent(id)}/runs`);
  const e = loaded.data;
  const siblings = useApi<{ experiments: ExperimentOut[] }>(e ? `/v1/experiments?limit=500&dataset_id=${encodeURIComponent(e.dataset_id)}` : null);
  const baseline = siblings.data?.experiments.find((x) => x.baseline);
  return (
    <div className="page experiment-page">
      <div className="page-head">
        <h1>{e?.name ?? id}</h1>
        <Link to={e ? `/experiments?dataset=${encodeURIComponent(e.dataset_id)}` : '/experiments'}>All experiments</Link>
      </div>
      {loaded.error && <ErrorNote error={loaded.error} />}
      {e && (
        <>
          <div className="experiment-meta">
            <span>
              Dataset <code>{e.dataset_id}</code> version {e.dataset_version}
            </span>
            {(e.candidate.name || e.candidate.version || e.candidate.commit) && (
              <span>
                Candidate <strong>{[e.candidate.name, e.candidate.version, e.candidate.commit].filter(Boolean).join(' · ')}</strong>
              </span>
            )}
            <span>{e.repetitions > 1 ? `${e.repetitions} repetitions` : '1 run per example'}</span>
            <span className={`status-${e.status}`}>{e.status}</span>
            <span className="muted small">created {formatTime(e.created_at)}</span>
            {e.gate_failed && <span className="badge gate-failed-badge">gate failed</span>}
            <PinBaseline experiment={e} onPinned={() => (loaded.reload(), siblings.reload())} />
            {baseline && baseline.id !== e.id && (
              <Link className="button" to={comparePath([baseline.id, e.id])}>
                Compare with baseline {baseline.name}
              </Link>
            )}
          </div>
          {e.description && <p className="experiment-description">{e.description}</p>}
          <Summary summary={e.summary} />
        </>
      )}
      {runs.error && <ErrorNote error={runs.error} />}
      {runs.data && <Runs runs={runs.data.runs} />}
    </div>
  );
}

function Summary({ summary: s }: { summary: ExperimentSummaryOut }) {
  return (
    <>
      <div className="experiment-stats">
        <Stat label="Runs" value={String(s.runs)} />
        <Stat label="Examples" value={String(s.examples)} />
        <Stat label="Errors" value={String(s.errors)} bad={s.errors > 0} />
        <Stat label="Latency mean" value={formatDuration(s.latencyMs.mean)} />
        <Stat label="p50 / p95" value={`${formatDuration(s.latencyMs.p50)} / ${formatDuration(s.latencyMs.p95)}`} />
        <Stat label="Tokens" value={formatTokens(s.tokens)} />
        <Stat label="Cost" value={formatCost(s.cost)} />
      </div>
      {s.metrics.length > 0 ? (
        <div className="table-wrap">
          <table className="experiment-metrics">
            <thead>
              <tr>
                <th>Metric</th>
                <th>Mean (95% interval)</th>
                <th>Method</th>
                <th className="num">Examples</th>
                <th className="num">Runs</th>
                <th>pass@k</th>
                <th>pass^k</th>
              </tr>
            </thead>
            <tbody>
              {s.metrics.map((m) => (
                <tr key={m.key} data-metric={m.key}>
                  <td>
                    <strong>{m.key}</strong> <span className="muted small">{m.kind === 'pass_rate' ? 'pass rate' : 'mean score'}</span>
                  </td>
                  <td>
                    <MetricValue mean={m.mean} interval={m.interval} kind={m.kind} title={m.reason} />
                  </td>
                  <td className="small">{m.method}</td>
                  <td className="num">{m.examples}</td>
                  <td className="num">{m.runs}</td>
                  <td>{m.passAtK ? <MetricValue mean={m.passAtK.mean} interval={m.passAtK.interval} kind="pass_rate" title={`k = ${m.passAtK.k}`} /> : <span className="muted">—</span>}</td>
                  <td>{m.passHatK ? <MetricValue mean={m.passHatK.mean} interval={m.passHatK.interval} kind="pass_rate" title={`k = ${m.passHatK.k}`} /> : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">No scores yet: the runs have no feedback.</p>
      )}
    </>
  );
}

function Stat({ label, value, bad }: { label: string; value: string; bad?: boolean }) {
  return (
    <div className={`stat${bad ? ' stat-bad' : ''}`}>
      <div className="stat-value">{value}</div>
      <div className="stat-label small muted">{label}</div>
    </div>
  );
}

function Runs({ runs }: { runs: ExperimentRunOut[] }) {
  const keys = useMemo(() => scoreKeys(runs), [runs]);
  const [filter, setFilter] = useState<RunFilter>({ errors: 'all', op: 'lt' });
  const [valueText, setValueText] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [limit, setLimit] = useState(PAGE);
  const value = valueText.trim() === '' ? undefined : Number(valueText);
  const shown = filterRuns(runs, { ...filter, value });
  const set = (patch: Partial<RunFilter>) => (setFilter((f) => ({ ...f, ...patch })), setLimit(PAGE));
  return (
    <section className="experiment-runs">
      <h2>Runs</h2>
      <div className="inline-form run-filters">
        <input aria-label="Search examples" placeholder="example id" value={filter.search ?? ''} onChange={(e) => set({ search: e.target.value })} />
        <select aria-label="Errors" value={filter.errors} onChange={(e) => set({ errors: e.target.value as RunFilter['errors'] })}>
          <option value="all">all runs</option>
          <option value="errored">errored</option>
          <option value="ok">not errored</option>
        </select>
        {keys.length > 0 && (
          <>
            <select aria-label="Score" value={filter.metric ?? ''} onChange={(e) => set({ metric: e.target.value || undefined })}>
              <option value="">any score</option>
              {keys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
            <select aria-label="Comparison" value={filter.op} onChange={(e) => set({ op: e.target.value as 'lt' | 'gte' })} disabled={!filter.metric}>
              <option value="lt">below</option>
              <option value="gte">at least</option>
            </select>
            <input aria-label="Score value" size={5} inputMode="decimal" placeholder="1" value={valueText} disabled={!filter.metric} onChange={(e) => (setValueText(e.target.value), setLimit(PAGE))} />
          </>
        )}
        <span className="muted small" role="status">
          {shown.length} of {runs.length} run(s)
        </span>
      </div>
      {value !== undefined && !Number.isFinite(value) && <p className="error-text small">Score value: type a number</p>}
      <div className="table-wrap">
        <table className="experiment-runs-table">
          <thead>
            <tr>
              <th>Example</th>
              <th className="num">Rep</th>
              {keys.map((k) => (
                <th key={k} className="num">
                  {k}
                </th>
              ))}
              <th>Error</th>
              <th className="num">Latency</th>
              <th className="num">Tokens</th>
              <th className="num">Cost</th>
              <th>Trace</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, limit).map((r) => {
              const key = `${r.example_id}#${r.repetition}`;
              return (
                <Fragment key={key}>
                  <tr data-example={r.example_id} className={r.error ? 'errored' : ''}>
                    <td>
                      <button type="button" className="link" aria-expanded={open === key} onClick={() => setOpen(open === key ? null : key)}>
                        {r.example_id}
                      </button>
                    </td>
                    <td className="num">{r.repetition}</td>
                    {keys.map((k) => (
                      <td key={k} className="num">
                        {formatScore(r.scores[k])}
                      </td>
                    ))}
                    <td className="error-cell small">{r.error ? <span className="error-text">{r.error.length > 120 ? `${r.error.slice(0, 120)}…` : r.error}</span> : ''}</td>
                    <td className="num">{formatDuration(r.latency_ms)}</td>
                    <td className="num">{formatTokens(r.tokens)}</td>
                    <td className="num">{formatCost(r.cost)}</td>
                    <td>
                      <Link to={`/traces/${encodeURIComponent(r.trace_id)}`}>trace</Link>
                    </td>
                  </tr>
                  {open === key && (
                    <tr className="run-detail">
                      <td colSpan={keys.length + 7}>
                        {r.error && <pre className="error-text plain-text">{r.error}</pre>}
                        <h4>Output</h4>
                        {r.output === null ? <p className="muted">no output</p> : <JsonView value={r.output} />}
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
      {shown.length > limit && (
        <button type="button" className="button" onClick={() => setLimit(limit + PAGE)}>
          Show more ({shown.length - limit} left)
        </button>
      )}
    </section>
  );
}
