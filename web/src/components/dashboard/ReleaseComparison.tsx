/**
 * Two releases side by side (a releases chart of the dashboard's batch request): traces, error rate, latency
 * percentiles, tokens, cost and every feedback and score key, with the change from A to B
 * marked better or worse. Each release's column head opens its traces.
 */
import { Link } from 'react-router';
import type { StatsReleases, StatsSummary } from '../../api/stats-types.ts';
import { andFilters, delta, groupClause, rangeTracesLink, type Direction } from '../../lib/dashboard.ts';
import { formatCost, formatDuration, formatScore, formatTokens } from '../../lib/format.ts';

interface Props {
  /** The project's releases (the pickers' choices). */
  releases: string[];
  /** The picks in the URL (null: not chosen). */
  a: string | null;
  b: string | null;
  /** The releases compared: the URL's, else the first two the project knows. */
  pickA: string | null;
  pickB: string | null;
  /** Their figures, loaded by the page with its other charts. */
  data: StatsReleases | undefined;
  onChange(a: string | null, b: string | null): void;
  q: string;
  since: number;
  until: number;
}

interface Row {
  label: string;
  key: string;
  get(s: StatsSummary): number | null | undefined;
  format(v: number | null | undefined): string;
  /** How a change reads. */
  direction: Direction;
  /** Deltas in points (rates) rather than relative. */
  points?: boolean;
}

const pct = (v: number | null | undefined) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);
const count = (v: number | null | undefined) => (v == null ? '—' : v.toLocaleString('en-US'));

const FIXED_ROWS: Row[] = [
  { key: 'trace_count', label: 'Traces', get: (s) => s.trace_count, format: count, direction: 'neutral' },
  { key: 'error_rate', label: 'Error rate', get: (s) => s.error_rate, format: pct, direction: 'lower-better', points: true },
  { key: 'latency_p50', label: 'Latency p50', get: (s) => s.latency_p50, format: formatDuration, direction: 'lower-better' },
  { key: 'latency_p95', label: 'Latency p95', get: (s) => s.latency_p95, format: formatDuration, direction: 'lower-better' },
  { key: 'latency_p99', label: 'Latency p99', get: (s) => s.latency_p99, format: formatDuration, direction: 'lower-better' },
  { key: 'tokens', label: 'Tokens', get: (s) => s.tokens, format: formatTokens, direction: 'lower-better' },
  { key: 'cost_usd', label: 'Cost', get: (s) => s.cost_usd, format: formatCost, direction: 'lower-better' },
];

/** A row per feedback and score key either release has (higher is better: scores are 0..1 by convention). */
function keyRows(data: StatsReleases): Row[] {
  const rows: Row[] = [];
  for (const [kind, pick] of [
    ['feedback', (s: StatsSummary) => s.feedback],
    ['score', (s: StatsSummary) => s.scores],
  ] as const) {
    const keys = [...new Set([...Object.keys(pick(data.a)), ...Object.keys(pick(data.b))])].sort();
    for (const k of keys)
      rows.push({ key: `${kind}.${k}`, label: `${kind}.${k}`, get: (s) => pick(s)[k]?.avg, format: (v) => formatScore(v), direction: 'higher-better' });
  }
  return rows;
}

function deltaText(row: Row, a: number | null | undefined, b: number | null | undefined): { text: string; verdict: string } {
  const d = delta(a, b, row.direction);
  if (d.diff === null) return { text: '—', verdict: d.verdict };
  if (d.diff === 0) return { text: '±0', verdict: d.verdict };
  const sign = d.diff > 0 ? '+' : '−';
  if (row.points) return { text: `${sign}${Math.abs(d.diff * 100).toFixed(1)} pts`, verdict: d.verdict };
  const rel = d.relative === null ? '' : ` (${sign}${Math.abs(d.relative * 100).toFixed(d.relative !== 0 && Math.abs(d.relative) < 0.1 ? 1 : 0)}%)`;
  const abs = row.key.startsWith('latency') ? formatDuration(Math.abs(d.diff)) : row.key === 'cost_usd' ? formatCost(Math.abs(d.diff)) : row.key.includes('.') ? formatScore(Math.abs(d.diff)) : count(Math.abs(d.diff));
  return { text: `${sign}${abs}${rel}`, verdict: d.verdict };
}

/** The pickers and the side-by-side table. */
export function ReleaseComparison({ releases, a, b, pickA, pickB, data, onChange, q, since, until }: Props) {
  const res = { data };
  const choices = [...new Set([...releases, ...(a ? [a] : []), ...(b ? [b] : [])])];
  const picker = (label: string, value: string | null, set: (v: string) => void) => (
    <label>
      {label}{' '}
      <select aria-label={`Release ${label}`} value={value ?? ''} onChange={(e) => set(e.target.value)}>
        {value === null && <option value="">—</option>}
        {choices.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
    </label>
  );
  if (!releases.length && !a && !b) return <p className="muted">No traces carry a release yet (set <code>release</code> on a span to compare deploys).</p>;
  const rows = res.data ? [...FIXED_ROWS, ...keyRows(res.data)] : [];
  return (
    <div className="card dash-releases">
      <div className="inline-form">
        {picker('A', pickA, (v) => onChange(v, pickB))}
        <span className="muted">→</span>
        {picker('B', pickB, (v) => onChange(pickA, v))}
      </div>
      {res.data && (
        <div className="table-wrap">
          <table className="table dash-releases-table">
            <thead>
              <tr>
                <th scope="col">Figure</th>
                {(['a', 'b'] as const).map((side) => (
                  <th scope="col" key={side} data-side={side}>
                    <Link to={rangeTracesLink(andFilters(q, groupClause('release', { group: res.data![side].release, other: false })), since, until)}>{res.data![side].release}</Link>
                  </th>
                ))}
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const va = row.get(res.data!.a);
                const vb = row.get(res.data!.b);
                const d = deltaText(row, va, vb);
                const n = (s: StatsSummary) => (row.key.includes('.') ? (row.key.startsWith('score.') ? s.scores : s.feedback)[row.key.slice(row.key.indexOf('.') + 1)]?.count : undefined);
                return (
                  <tr key={row.key} data-figure={row.key}>
                    <th scope="row">{row.label}</th>
                    <td data-side="a">
                      {row.format(va)}
                      {n(res.data!.a) !== undefined && <span className="muted small"> (n={n(res.data!.a)})</span>}
                    </td>
                    <td data-side="b">
                      {row.format(vb)}
                      {n(res.data!.b) !== undefined && <span className="muted small"> (n={n(res.data!.b)})</span>}
                    </td>
                    <td className={`dash-delta delta-${d.verdict}`}>{d.text}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
