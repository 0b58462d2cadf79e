/**
 * /threads: conversations (traces sharing a session id), newest activity first, filtered
 * with the shared language (a thread is listed when any of its traces matches) and a time
 * range, paged. The view lives in the query string (q, range, from, to, limit, cursor).
 */
import { useMemo, useState } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import type { ThreadList } from '../../../../schema/wire/threads.ts';
import type { TraceFacets } from '../../../../schema/wire/facets.ts';
import { query } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { FilterBar, type FilterProblem } from '../../components/FilterBar.tsx';
import { TimeRange, rangeBounds } from '../../components/TimeRange.tsx';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { FeedbackBadges } from '../../components/FeedbackBadges.tsx';
import { formatAgo, formatCost, formatDuration, formatTime, formatTokens } from '../../lib/format.ts';

const PAGE_SIZES = [25, 50, 100, 200];

export function ThreadsPage() {
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const q = params.get('q') ?? '';
  const range = params.get('range') ?? 'all';
  const limit = PAGE_SIZES.includes(Number(params.get('limit'))) ? Number(params.get('limit')) : 50;
  const cursor = params.get('cursor');
  // Earlier pages' cursors, so "Previous" can walk back (keyset paging only goes forward).
  const [history, setHistory] = useState<string[]>([]);
  const bounds = useMemo(() => rangeBounds(range, params.get('from'), params.get('to'), Date.now()), [range, params]);
  const { data, error, loading } = useApi<ThreadList>(`/v1/threads${query({ q, limit, cursor, from: bounds.from, to: bounds.to })}`);
  const facets = useApi<TraceFacets>('/v1/traces/facets');

  const update = (next: Record<string, string | null>, keepPage = false) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v === null || v === '') p.delete(k);
      else p.set(k, v);
    }
    if (!keepPage) {
      p.delete('cursor');
      setHistory([]);
    }
    setParams(p);
  };
  const filterError: FilterProblem | null =
    error && 'code' in error && error.code === 'invalid_filter' ? { message: error.message, position: error.position ?? 0, end: error.end ?? q.length } : null;

  return (
    <div className="page threads-page">
      <div className="toolbar">
        <FilterBar value={q} onApply={(next) => update({ q: next || null })} facets={facets.data} serverError={filterError} />
        <TimeRange
          range={range}
          from={params.get('from')}
          to={params.get('to')}
          onChange={(r) => update({ range: r.range === 'all' ? null : r.range, from: r.from ?? null, to: r.to ?? null })}
        />
      </div>
      {error && !filterError && <ErrorNote error={error} />}
      <div className="list-meta">
        <span className="muted" aria-live="polite">
          {loading ? 'Loading…' : data ? `${data.threads.length} thread${data.threads.length === 1 ? '' : 's'}${cursor ? ' (later page)' : ''}` : ''}
        </span>
        <span className="muted small">A thread is the traces that share a session id; it is listed when any of its traces matches.</span>
      </div>
      {data && data.threads.length > 0 && (
        <div className="table-wrap">
          <table className="traces threads">
            <thead>
              <tr>
                <th>Thread</th>
                <th>Last turn</th>
                <th className="num">Turns</th>
                <th className="num hide-narrow">Duration</th>
                <th className="num hide-narrow">Tokens</th>
                <th className="num">Cost</th>
                <th className="num">Errors</th>
                <th>Feedback</th>
              </tr>
            </thead>
            <tbody>
              {data.threads.map((t) => (
                <tr key={t.thread_id} data-thread-id={t.thread_id}>
                  <td className="name-cell">
                    <Link to={`/threads/${encodeURIComponent(t.thread_id)}`} state={{ from: location.pathname + location.search }} className="thread-link">
                      {t.first_input_preview ? <span className="ellipsis thread-first">{t.first_input_preview}</span> : (t.name ?? t.thread_id)}
                    </Link>
                    <div className="muted small mono ellipsis" title={t.thread_id}>
                      {t.thread_id}
                      {t.user_id ? ` · ${t.user_id}` : ''}
                    </div>
                  </td>
                  <td title={formatTime(t.last_start)}>{formatAgo(t.last_start)}</td>
                  <td className="num">{t.trace_count}</td>
                  <td className="num hide-narrow">{formatDuration(t.duration_ms)}</td>
                  <td className="num hide-narrow">{formatTokens(t.total_tokens)}</td>
                  <td className="num">{formatCost(t.cost_usd)}</td>
                  <td className={`num${t.error_count ? ' thread-errors' : ''}`}>{t.error_count}</td>
                  <td>
                    <FeedbackBadges feedback={t.feedback} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && data.threads.length === 0 && !loading && <p className="empty">No threads match. Traces form a thread when they carry the same session_id.</p>}
      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          className="button subtle"
          disabled={!cursor}
          onClick={() => {
            const back = history[history.length - 1];
            setHistory(history.slice(0, -1));
            update({ cursor: back || null }, true);
          }}
        >
          ← Previous
        </button>
        <label className="muted small">
          Rows{' '}
          <select value={limit} onChange={(e) => update({ limit: e.target.value === '50' ? null : e.target.value })} aria-label="Rows per page">
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button subtle"
          disabled={!data?.next_cursor}
          onClick={() => {
            setHistory([...history, cursor ?? '']);
            update({ cursor: data!.next_cursor }, true);
          }}
        >
          Next →
        </button>
      </nav>
    </div>
  );
}
