/**
 * /traces: the project's traces, filtered with the shared language, within a time range,
 * sorted and paged. Everything that defines the view lives in the query string
 * (q, range, from, to, sort, order, limit, cursor), so a view can be shared as a link.
 */
import { useEffect, useMemo, useState } from 'react';
import { useLocation, useSearchParams } from 'react-router';
import type { TraceList } from '../../../../schema/wire/trace.ts';
import type { TraceFacets } from '../../../../schema/wire/facets.ts';
import { query } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { FilterBar, type FilterProblem } from '../../components/FilterBar.tsx';
import { TimeRange, rangeBounds } from '../../components/TimeRange.tsx';
import { TraceTable, type TraceSort } from '../../components/TraceTable.tsx';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { AddToQueue } from '../../components/AddToQueue.tsx';
import { AddMatchesToDataset } from '../../components/datasets/AddToDataset.tsx';

const SORTS: TraceSort[] = ['start_time', 'latency', 'tokens', 'cost', 'spans'];
const PAGE_SIZES = [25, 50, 100, 200];

export function TracesPage() {
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const q = params.get('q') ?? '';
  const range = params.get('range') ?? 'all';
  const sort = (SORTS.includes(params.get('sort') as TraceSort) ? params.get('sort') : 'start_time') as TraceSort;
  const order = params.get('order') === 'asc' ? 'asc' : 'desc';
  const limit = PAGE_SIZES.includes(Number(params.get('limit'))) ? Number(params.get('limit')) : 50;
  const cursor = params.get('cursor');
  // Earlier pages' cursors, so "Previous" can walk back (keyset paging only goes forward).
  const [history, setHistory] = useState<string[]>([]);

  // A relative range is fixed when the view is loaded, not re-evaluated on every render.
  const bounds = useMemo(() => rangeBounds(range, params.get('from'), params.get('to'), Date.now()), [range, params]);
  const path = `/v1/traces${query({ q, sort, order, limit, cursor, from: bounds.from, to: bounds.to })}`;
  const { data, error, loading } = useApi<TraceList>(path);
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

  // User Timing mark for bench/ui.ts: a page of traces is on screen.
  useEffect(() => {
    if (data) performance.mark('loupe:traces-rendered', { detail: { rows: data.traces.length } });
  }, [data]);

  const filterError: FilterProblem | null =
    error && 'code' in error && error.code === 'invalid_filter' ? { message: error.message, position: error.position ?? 0, end: error.end ?? q.length } : null;

  return (
    <div className="page traces-page">
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
          {loading ? 'Loading…' : data ? `${data.traces.length} trace${data.traces.length === 1 ? '' : 's'}${cursor ? ' (later page)' : ''}` : ''}
        </span>
        {data && data.traces.length > 0 && <AddToQueue filter={{ q, from: bounds.from, to: bounds.to }} />}
        {data && data.traces.length > 0 && <AddMatchesToDataset filter={{ q, from: bounds.from, to: bounds.to }} />}
      </div>
      {data && (
        <TraceTable
          traces={data.traces}
          sort={sort}
          order={order}
          linkState={{ from: location.pathname + location.search }}
          onSort={(key) => update({ sort: key === 'start_time' ? null : key, order: key === sort && order === 'desc' ? 'asc' : null })}
        />
      )}
      {data && data.traces.length === 0 && !loading && <p className="empty">No traces match this filter and time range.</p>}
      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          className="button subtle"
          disabled={!cursor}
          onClick={() => {
            const prev = history.slice(0, -1);
            const back = history[history.length - 1];
            setHistory(prev);
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
