/**
 * /dashboard: the project's figures over time (the timeseries chart): traces, error rate,
 * latency p50/p95/p99, tokens, cost and a feedback or score key's average, per UTC hour or
 * day, optionally one line per model, release, environment, trace name or tag, narrowed by
 * the shared filter. Every point (and every cell of the table under each chart) opens
 * /traces on exactly the traces it counts. Below: the per-model table and two releases side
 * by side. All three come in one POST /v1/stats/batch (one auth and one D1 batch instead of
 * a request each: docs/dashboards.md); the CLI and MCP keep the single GET endpoints.
 * The view lives in the query string (q, range, from, to, bucket, split, key, pct, a, b),
 * so a dashboard can be shared as a link.
 */
import { useCallback, useMemo } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { TraceFacets } from '../../../../schema/wire/facets.ts';
import type { StatsBatch, StatsModels, StatsPoint, StatsReleases, StatsTimeseries } from '../../api/stats-types.ts';
import type { ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { FilterBar, type FilterProblem } from '../../components/FilterBar.tsx';
import { CUSTOM_RANGE, TimeRange, rangeBounds, timePresets } from '../../components/TimeRange.tsx';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { TimeChart, type ChartLine } from '../../components/dashboard/TimeChart.tsx';
import { ReleaseComparison } from '../../components/dashboard/ReleaseComparison.tsx';
import { formatCost, formatDuration, formatScore, formatTokens } from '../../lib/format.ts';
import { SPLITS, alignSeries, andFilters, bucketGrid, bucketTracesLink, groupClause, rangeTracesLink, seriesLabel, type Bucket, type Split } from '../../lib/dashboard.ts';

/** The dashboard's ranges: the API reads at most 90 days, so there is no "all time". */
const RANGES = [...timePresets('24h', '7d', '30d', '90d'), CUSTOM_RANGE];
const PERCENTILES = ['p50', 'p95', 'p99'] as const;
type Percentile = (typeof PERCENTILES)[number];

export const formatPercent = (v: number | null | undefined) => (v == null ? '—' : `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`);
const formatCount = (v: number | null) => (v == null ? '—' : Math.round(v).toLocaleString('en-US'));

/** The time range in the URL as [since, until) epoch ms, fixed when the view is loaded. */
function useRange(params: URLSearchParams) {
  const range = params.get('range') ?? '30d';
  const from = params.get('from');
  const to = params.get('to');
  return useMemo(() => {
    const now = Date.now();
    const b = rangeBounds(range, from, to, now);
    return { range, from, to, since: b.from, until: b.to ?? now };
  }, [range, from, to]);
}

export function DashboardPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const q = params.get('q') ?? '';
  const { range, from, to, since, until } = useRange(params);
  const split = (SPLITS.some((s) => s.id === params.get('split')) ? params.get('split') : 'none') as Split;
  const bucket: Bucket = params.get('bucket') === 'hour' || params.get('bucket') === 'day' ? (params.get('bucket') as Bucket) : range === '24h' ? 'hour' : 'day';
  const pct: Percentile = PERCENTILES.includes(params.get('pct') as Percentile) ? (params.get('pct') as Percentile) : 'p95';

  const update = (next: Record<string, string | null>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v === null || v === '') p.delete(k);
      else p.set(k, v);
    }
    setParams(p);
  };

  const ready = since !== undefined && since < until;
  const common = ready ? { since: new Date(since).toISOString(), until: new Date(until).toISOString(), filter: q } : null;
  const facets = useApi<TraceFacets>('/v1/traces/facets');
  // Until both are picked, the first two releases the project knows are compared: then the
  // page's one request waits for the facets (a small read) rather than asking twice.
  const releases = facets.data?.releases ?? [];
  const pickA = params.get('a') ?? releases[0] ?? null;
  const pickB = params.get('b') ?? releases.find((r) => r !== pickA) ?? null;
  const picksKnown = (params.get('a') !== null && params.get('b') !== null) || facets.data !== undefined || facets.error !== undefined;
  const charts = common && picksKnown
    ? [
        { id: 'series', kind: 'timeseries', ...common, bucket, split },
        { id: 'models', kind: 'models', ...common },
        ...(pickA !== null && pickB !== null ? [{ id: 'releases', kind: 'releases', ...common, a: pickA, b: pickB }] : []),
      ]
    : null;
  const batch = useApi<StatsBatch>(charts ? '/v1/stats/batch' : null, charts ? { charts } : undefined);
  const chart = <T,>(id: string) => batch.data?.charts.find((c) => c.id === id) as T | undefined;
  const models = chart<StatsModels>('models');
  const compared = chart<StatsReleases>('releases');

  const filterError = asFilterProblem(batch.error, q);
  const data = chart<StatsTimeseries>('series');

  return (
    <div className="page dashboard-page">
      <div className="page-head">
        <h1>Dashboard</h1>
      </div>
      <div className="toolbar">
        <FilterBar value={q} onApply={(next) => update({ q: next || null })} facets={facets.data} serverError={filterError} />
        <TimeRange ranges={RANGES} range={range} from={from} to={to} onChange={(r) => update({ range: r.range === '30d' ? null : r.range, from: r.from ?? null, to: r.to ?? null })} />
        <select aria-label="Bucket" value={bucket} onChange={(e) => update({ bucket: e.target.value })}>
          <option value="hour">Per hour</option>
          <option value="day">Per day</option>
        </select>
        <select aria-label="Split by" value={split} onChange={(e) => update({ split: e.target.value === 'none' ? null : e.target.value })}>
          {SPLITS.map((s) => (
            <option key={s.id} value={s.id}>
              {s.id === 'none' ? s.label : `By ${s.label.toLowerCase()}`}
            </option>
          ))}
        </select>
      </div>
      {!ready && <p className="notice">Choose a start and an end for the custom range (the start before the end).</p>}
      {batch.error && !filterError && <ErrorNote error={batch.error} />}
      <p className="muted small" aria-live="polite">
        {batch.loading || (common && !charts) ? 'Loading…' : data ? summaryLine(data) : ''}
      </p>
      {data && since !== undefined && (
        <Charts
          data={data}
          q={q}
          since={since}
          until={until}
          bucket={data.bucket}
          split={data.split}
          pct={pct}
          featureKey={params.get('key')}
          onPct={(p) => update({ pct: p === 'p95' ? null : p })}
          onKey={(k) => update({ key: k })}
          onPoint={(href) => navigate(href)}
        />
      )}
      <h2>Models</h2>
      {models && since !== undefined && <ModelsTable models={models} q={q} since={since} until={until} />}
      <h2>Compare two releases</h2>
      {common && since !== undefined && (
        <ReleaseComparison
          releases={releases}
          a={params.get('a')}
          b={params.get('b')}
          pickA={pickA}
          pickB={pickB}
          data={compared}
          onChange={(a, b) => update({ a, b })}
          q={q}
          since={since}
          until={until}
        />
      )}
    </div>
  );
}

/** A filter the API could not parse, for the filter bar to mark. */
function asFilterProblem(error: Error | ApiError | undefined, q: string): FilterProblem | null {
  return error && 'code' in error && error.code === 'invalid_filter' ? { message: error.message, position: error.position ?? 0, end: error.end ?? q.length } : null;
}

/** "1,204 traces", or "3 series by release". */
function summaryLine(data: StatsTimeseries): string {
  if (data.split !== 'none') return `${data.series.length} series by ${SPLITS.find((s) => s.id === data.split)!.label.toLowerCase()}`;
  const traces = data.series.reduce((n, s) => n + s.points.reduce((m, p) => m + p.trace_count, 0), 0);
  return `${formatCount(traces)} traces`;
}

interface ChartsProps {
  data: StatsTimeseries;
  q: string;
  since: number;
  until: number;
  bucket: Bucket;
  split: Split;
  pct: Percentile;
  featureKey: string | null;
  onPct(p: Percentile): void;
  onKey(k: string): void;
  onPoint(href: string): void;
}

/** The six charts over one answer of /v1/stats/timeseries. */
function Charts({ data, q, since, until, bucket, split, pct, featureKey, onPct, onKey, onPoint }: ChartsProps) {
  const grid = useMemo(() => bucketGrid(since, until, bucket, data.series), [since, until, bucket, data]);
  const named = useMemo(() => data.series.filter((s) => !s.other && s.group !== null).map((s) => s.group!), [data]);
  const nullShown = data.series.some((s) => !s.other && s.group === null);
  // Which buckets had traces (any series): the tables list only those.
  const present = useMemo(() => {
    const has = new Set(data.series.flatMap((s) => s.points.filter((p) => p.trace_count > 0).map((p) => p.t)));
    return grid.map((t) => has.has(t));
  }, [grid, data]);
  const filterOf = useCallback((seriesIndex: number) => andFilters(q, groupClause(split, data.series[seriesIndex], named, nullShown)), [q, split, data, named, nullShown]);
  const link = useCallback((seriesIndex: number, i: number) => bucketTracesLink({ filter: filterOf(seriesIndex), t: grid[i], bucket, since, until }), [filterOf, grid, bucket, since, until]);

  /** One line per series of a figure. */
  const perSeries = (value: (p: StatsPoint) => number | null | undefined, emptyAs: 0 | null): ChartLine[] =>
    data.series.map((s) => ({ label: seriesLabel(split, s), values: alignSeries(grid, s.points, value, emptyAs) }));

  const traces = useMemo(() => perSeries((p) => p.trace_count, 0), [grid, data, split]);
  const errors = useMemo(() => perSeries((p) => p.error_rate, null), [grid, data, split]);
  const tokens = useMemo(() => perSeries((p) => p.tokens, 0), [grid, data, split]);
  const cost = useMemo(() => perSeries((p) => p.cost_usd, 0), [grid, data, split]);
  // Unsplit, the three percentiles of one series; split, the chosen one per series.
  const latency = useMemo<{ lines: ChartLine[]; seriesOf: (line: number) => number }>(() => {
    if (split === 'none' && data.series.length === 1) {
      const s = data.series[0];
      return {
        lines: PERCENTILES.map((k) => ({ label: k, dash: k !== 'p95', values: alignSeries(grid, s.points, (p) => p[`latency_${k}`], null) })),
        seriesOf: () => 0,
      };
    }
    return { lines: perSeries((p) => p[`latency_${pct}`], null), seriesOf: (line) => line };
  }, [grid, data, split, pct]);

  const keys = [...data.keys.feedback.map((k) => `feedback.${k}`), ...data.keys.scores.map((k) => `score.${k}`)];
  const key = featureKey && keys.includes(featureKey) ? featureKey : keys[0];
  const feature = useMemo(() => {
    if (!key) return null;
    const [kind, ...rest] = key.split('.');
    const name = rest.join('.');
    const pick = (p: StatsPoint) => (kind === 'score' ? p.scores : p.feedback)[name];
    let sum = 0;
    let count = 0;
    for (const s of data.series) for (const p of s.points) if (pick(p)) (sum += pick(p)!.avg * pick(p)!.count), (count += pick(p)!.count);
    return { lines: perSeries((p) => pick(p)?.avg, null), avg: count ? sum / count : null, count };
  }, [grid, data, split, key]);

  const totals = useMemo(() => {
    let n = 0;
    let err = 0;
    let tok = 0;
    let usd = 0;
    for (const s of data.series)
      for (const p of s.points) {
        n += p.trace_count;
        err += p.error_count;
        tok += p.tokens;
        usd += p.cost_usd;
      }
    return { n, err, tok, usd };
  }, [data]);
  // A trace with several models or tags is in each of their series: totals over a split would count it twice.
  const exactTotals = split === 'none' || split === 'release' || split === 'environment' || split === 'name';

  const common = { x: grid, bucket, present, onPoint: (line: number, i: number) => onPoint(link(line, i)) };
  return (
    <div className="dash-charts">
      <TimeChart {...common} title="Traces" lines={traces} format={formatCount} fromZero linkFor={link} summary={exactTotals && <Figure value={formatCount(totals.n)} label="traces" />} />
      <TimeChart
        {...common}
        title="Error rate"
        lines={errors}
        format={formatPercent}
        fromZero
        linkFor={link}
        summary={exactTotals && <Figure value={formatPercent(totals.n ? totals.err / totals.n : null)} label={`${formatCount(totals.err)} failed`} />}
      />
      <TimeChart
        {...common}
        title="Latency"
        lines={latency.lines}
        format={(v) => formatDuration(v)}
        fromZero
        linkFor={(line, i) => link(latency.seriesOf(line), i)}
        onPoint={(line, i) => onPoint(link(latency.seriesOf(line), i))}
        controls={
          split === 'none' ? undefined : (
            <select aria-label="Percentile" value={pct} onChange={(e) => onPct(e.target.value as Percentile)}>
              {PERCENTILES.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          )
        }
      />
      <TimeChart {...common} title="Tokens" lines={tokens} format={formatTokensAxis} fromZero linkFor={link} summary={exactTotals && <Figure value={formatTokens(totals.tok)} label="tokens" />} />
      <TimeChart {...common} title="Cost" lines={cost} format={(v) => formatCost(v)} fromZero linkFor={link} summary={exactTotals && <Figure value={formatCost(totals.usd)} label="spent" />} />
      {feature ? (
        <TimeChart
          {...common}
          title="Feedback and scores"
          lines={feature.lines}
          format={(v) => formatScore(v)}
          linkFor={link}
          controls={
            <select aria-label="Feedback or score key" value={key} onChange={(e) => onKey(e.target.value)}>
              {keys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          }
          summary={<Figure value={formatScore(feature.avg)} label={`average of ${formatCount(feature.count)} ${key}`} />}
        />
      ) : (
        <section className="dash-chart card" aria-label="Feedback and scores">
          <h2>Feedback and scores</h2>
          <p className="muted">No feedback or scores on these traces.</p>
        </section>
      )}
    </div>
  );
}

/** 1.2k, 3.4M on an axis; whole numbers below 10k. */
function formatTokensAxis(v: number | null): string {
  if (v == null) return '—';
  if (Math.abs(v) < 10_000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) < 1e6) return `${(v / 1e3).toFixed(1)}k`;
  return `${(v / 1e6).toFixed(1)}M`;
}

function Figure({ value, label }: { value: string; label: string }) {
  return (
    <span className="dash-figure">
      <strong>{value}</strong> <span className="muted">{label}</span>
    </span>
  );
}

/** Calls, tokens, cost, latency and errors per model; each model opens its traces. */
function ModelsTable({ models, q, since, until }: { models: StatsModels; q: string; since: number; until: number }) {
  if (!models.models.length) return <p className="muted">No LLM calls with a model in this range.</p>;
  return (
    <div className="table-wrap">
      <table className="table dash-models">
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Calls</th>
            <th scope="col" className="hide-narrow">Input tokens</th>
            <th scope="col" className="hide-narrow">Output tokens</th>
            <th scope="col">Tokens</th>
            <th scope="col">Cost</th>
            <th scope="col">p50</th>
            <th scope="col" className="hide-narrow">p95</th>
            <th scope="col">Errors</th>
          </tr>
        </thead>
        <tbody>
          {models.models.map((m) => (
            <tr key={m.model} data-model={m.model}>
              <th scope="row">
                <Link to={rangeTracesLink(andFilters(q, groupClause('model', { group: m.model, other: false })), since, until)}>{m.model}</Link>
              </th>
              <td>{formatCount(m.calls)}</td>
              <td className="hide-narrow">{formatTokens(m.input_tokens)}</td>
              <td className="hide-narrow">{formatTokens(m.output_tokens)}</td>
              <td>{formatTokens(m.total_tokens)}</td>
              <td>{formatCost(m.cost_usd)}</td>
              <td>{formatDuration(m.latency_p50)}</td>
              <td className="hide-narrow">{formatDuration(m.latency_p95)}</td>
              <td>{formatPercent(m.error_rate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
