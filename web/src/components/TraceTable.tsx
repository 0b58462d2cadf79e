/**
 * The traces table: name, start, latency, tokens, cost, status, environment and feedback.
 * Sortable columns call `onSort`; a row links to the trace. Plain DOM rows: a page holds
 * at most 500 traces, which renders well within the 100 ms budget (bench/ui.ts).
 */
import { Link } from 'react-router';
import type { TraceOut } from '../../../schema/wire/trace.ts';
import { formatAgo, formatCost, formatDuration, formatTime, formatTokens } from '../lib/format.ts';
import { FeedbackBadges } from './FeedbackBadges.tsx';
import { StatusBadge } from './StatusBadge.tsx';

/** Columns the API can sort by. */
export type TraceSort = 'start_time' | 'latency' | 'tokens' | 'cost' | 'spans';

interface Props {
  traces: TraceOut[];
  sort: TraceSort;
  order: 'asc' | 'desc';
  onSort(sort: TraceSort): void;
  /** Appended to trace links, so the trace page can return to this view. */
  linkState?: unknown;
}

export function TraceTable({ traces, sort, order, onSort, linkState }: Props) {
  const header = (label: string, key?: TraceSort, className?: string) => {
    if (!key) return <th className={className}>{label}</th>;
    const active = sort === key;
    return (
      <th className={className} aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button type="button" className="sort" onClick={() => onSort(key)}>
          {label}
          <span className="sort-mark">{active ? (order === 'asc' ? '▲' : '▼') : ''}</span>
        </button>
      </th>
    );
  };
  return (
    <div className="table-wrap">
      <table className="traces">
        <thead>
          <tr>
            {header('Name')}
            {header('Start', 'start_time')}
            {header('Latency', 'latency', 'num')}
            {header('Tokens', 'tokens', 'num')}
            {header('Cost', 'cost', 'num')}
            {header('Status')}
            {header('Env', undefined, 'hide-narrow')}
            {header('Feedback')}
          </tr>
        </thead>
        <tbody>
          {traces.map((t) => (
            <tr key={t.id} data-trace-id={t.id}>
              <td className="name-cell">
                <Link to={`/traces/${encodeURIComponent(t.id)}`} state={linkState} className="trace-link">
                  {t.name ?? <span className="muted">(no root yet)</span>}
                </Link>
                <div className="muted small mono ellipsis" title={t.id}>
                  {t.id}
                </div>
              </td>
              <td title={formatTime(t.start_time)}>{formatAgo(t.start_time)}</td>
              <td className="num">{formatDuration(t.latency_ms)}</td>
              <td className="num">{formatTokens(t.usage.total_tokens)}</td>
              <td className="num">{formatCost(t.usage.cost_usd)}</td>
              <td>
                <StatusBadge status={t.status} />
              </td>
              <td className="hide-narrow">{t.environment ?? <span className="muted">—</span>}</td>
              <td>
                <FeedbackBadges feedback={t.feedback} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
