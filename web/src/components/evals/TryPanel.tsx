/**
 * "Try it": pick up to 10 traces (the latest N matching a filter, or given ids), run an
 * evaluator on them without storing anything (POST /v1/evaluators/try), and show each
 * score, value, comment or error, and for judges exactly what the judge was sent.
 */
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { TraceList, TraceOut } from '../../../../schema/wire/trace.ts';
import type { TraceFacets } from '../../../../schema/wire/facets.ts';
import { MAX_TRY_TRACES, type TryResult } from '../../../../schema/wire/runs.ts';
import { api, query } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useAction } from '../../api/use-action.ts';
import { FilterBar } from '../FilterBar.tsx';
import { FeedbackBadges } from '../FeedbackBadges.tsx';
import { Problem } from '../Problem.tsx';
import { TextBlock } from '../span/Payload.tsx';
import { checkFilter } from '../../lib/filter-completions.ts';
import { formatAgo, formatDuration, formatScore } from '../../lib/format.ts';
import { JudgeExchangeView } from './JudgeExchange.tsx';
import { ScoreValue } from './common.tsx';

/** What to run: a saved evaluator (optionally one version) or an unsaved definition. */
export type TryTarget = { evaluator_id: string; version?: number } | { evaluator: Record<string, unknown> };

interface Props {
  target: TryTarget;
  /** Why it cannot run now (a form error, a read-only role), shown instead of running. */
  blocked?: string | null;
  /** Traces to start with (e.g. a failed job's trace); otherwise the latest few. */
  initialTraceIds?: string[];
}

export function TryPanel({ target, blocked, initialTraceIds }: Props) {
  const facets = useApi<TraceFacets>('/v1/traces/facets');
  const [q, setQ] = useState('');
  const [count, setCount] = useState(5);
  const [found, setFound] = useState<TraceOut[] | null>(null);
  const [chosen, setChosen] = useState<string[]>(initialTraceIds ?? []);
  const [results, setResults] = useState<TryResult[] | null>(null);
  const finding = useAction();
  const running = useAction();

  const find = async (filter = q, limit = count) => {
    const list = await finding.run(() => api<TraceList>(`/v1/traces${query({ q: filter.trim() || undefined, limit })}`));
    if (list) {
      setFound(list.traces);
      setChosen(list.traces.map((t) => t.id));
    }
  };
  // Start with something to run on: the given traces, or the latest few.
  useEffect(() => {
    if (!initialTraceIds?.length) void find('', count);
  }, []);

  const run = async () => {
    setResults(null);
    const answer = await running.run(() => api<{ results: TryResult[] }>('/v1/evaluators/try', { body: { ...target, trace_ids: chosen.slice(0, MAX_TRY_TRACES) } }));
    if (answer) setResults(answer.results);
  };

  const filterProblem = checkFilter(q);
  const shownIds = found ? found.map((t) => t.id) : chosen;
  const scored = results?.filter((r) => r.error_code === null) ?? [];
  const scores = scored.map((r) => r.score).filter((s): s is number => s !== null);
  return (
    <section className="card try-panel" aria-labelledby="try-h">
      <h2 id="try-h">Try it</h2>
      <p className="muted small">Runs on up to {MAX_TRY_TRACES} traces and shows the results. Nothing is stored; judge calls count toward the daily budget.</p>
      <div className="try-pick">
        <FilterBar
          value={q}
          onChange={setQ}
          onApply={(next) => void find(next)}
          facets={facets.data}
          embedded
          label="Trace filter"
          placeholder="Which traces, e.g. tag=tau-bench feedback.outcome=0 (empty: any)"
        />
        <label className="nowrap">
          Latest{' '}
          <select value={count} onChange={(e) => setCount(Number(e.target.value))} aria-label="How many traces">
            {Array.from({ length: MAX_TRY_TRACES }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button" disabled={!!filterProblem || finding.busy} onClick={() => void find()}>
          Find traces
        </button>
      </div>
      <Problem error={finding.error} />
      {found && found.length === 0 && <p className="muted">No traces match.</p>}
      {shownIds.length > 0 && (
        <ul className="try-traces" aria-label="Traces to try on">
          {shownIds.map((id) => {
            const t = found?.find((x) => x.id === id);
            return (
              <li key={id}>
                <label className="check">
                  <input type="checkbox" checked={chosen.includes(id)} onChange={(e) => setChosen(e.target.checked ? [...chosen, id] : chosen.filter((c) => c !== id))} aria-label={`Try on ${id}`} />
                  <span className="mono small">{id}</span>
                </label>
                {t && <span className="muted small">{t.name} · {formatAgo(t.start_time)}</span>}
                {t && <FeedbackBadges feedback={t.feedback} />}
              </li>
            );
          })}
        </ul>
      )}
      <div className="form-actions">
        <button type="button" className="button primary" disabled={!!blocked || running.busy || chosen.length === 0} onClick={() => void run()}>
          {running.busy ? 'Running…' : `Run on ${chosen.length} trace${chosen.length === 1 ? '' : 's'}`}
        </button>
        {blocked && <span className="muted small">{blocked}</span>}
      </div>
      <Problem error={running.error} />
      {results && (
        <div className="try-results" aria-label="Try-it results">
          <p className="try-summary" role="status">
            {scored.length} of {results.length} scored
            {scores.length > 0 && ` · average ${formatScore(scores.reduce((a, b) => a + b, 0) / scores.length)}`}
            {results.length - scored.length > 0 && ` · ${results.length - scored.length} error${results.length - scored.length === 1 ? '' : 's'}`}
          </p>
          <ol className="result-list">
            {results.map((r, i) => (
              <li key={`${r.trace_id}-${r.span_id ?? ''}-${i}`} className={`try-result${r.error_code ? ' failed' : ''}`} data-trace-id={r.trace_id}>
                <div className="result-line">
                  <Link to={`/traces/${encodeURIComponent(r.trace_id)}${r.span_id ? `?span=${encodeURIComponent(r.span_id)}` : ''}`} className="mono small">
                    {r.trace_id}
                    {r.span_id ? ` · ${r.span_id}` : ''}
                  </Link>
                  {r.error_code ? <span className="eval-status tone-bad">{r.error_code}</span> : <ScoreValue score={r.score} value={r.value} />}
                  <span className="muted small">{formatDuration(r.duration_ms)}</span>
                </div>
                {r.error && (
                  <p className="error-text small result-error" role="alert">
                    {r.error}
                  </p>
                )}
                {r.comment && (
                  <div className="result-comment">
                    <TextBlock text={r.comment} />
                  </div>
                )}
                {r.judge && (
                  <details className="judge-details">
                    <summary>What the judge was sent and answered</summary>
                    <JudgeExchangeView exchange={r.judge} />
                  </details>
                )}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
