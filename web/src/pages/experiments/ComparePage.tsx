/**
 * /experiments/compare?ids=<baseline>,<candidate>[,...][&candidate=<id>][&example=<id>]:
 * the page the CLI's gate markdown links to. Per metric each experiment's mean with its
 * 95% interval and each candidate's paired difference from the baseline with its interval
 * (and exact McNemar for pass/fail); how many examples were compared (the shared ones when
 * dataset versions differ); per example improved / regressed / unchanged / errored /
 * missing, regressions first. `example` opens that example: both outputs and the
 * trajectory diff of the two runs.
 */
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { ComparisonOut, ExampleComparisonOut, MetricComparisonOut } from '../../../../schema/wire/experiments.ts';
import { api, query } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { MetricValue } from '../../components/experiments/MetricValue.tsx';
import { PinBaseline } from '../../components/experiments/PinBaseline.tsx';
import { ExampleDetail } from '../../components/experiments/ExampleDetail.tsx';
import { formatCost, formatDuration, formatScore } from '../../lib/format.ts';
import { deltaDirection, EXAMPLE_STATUSES, formatDelta, formatDeltaInterval, formatMetric, parseIds, type ExampleStatus } from '../../lib/experiments.ts';
import { useExperiments, type ExperimentWithSummary } from '../../api/use-experiments.ts';

// Rendering every example of a 10,000-example comparison at once stalls the page (and the
// API pages them): the status filter narrows, "show more" reads the next page.
const PAGE = 200;

export function ComparePage() {
  const [params, setParams] = useSearchParams();
  const ids = parseIds(params.get('ids'));
  const example = params.get('example');
  const loaded = useApi<{ comparisons: ComparisonOut[] }>(ids.length >= 2 ? `/v1/experiments/compare${query({ ids: ids.join(',') })}` : null);
  const experiments = useExperiments(ids);
  const comparisons = loaded.data?.comparisons ?? [];
  const chosen = comparisons.find((c) => c.candidate === params.get('candidate') || experiments.data?.get(params.get('candidate') ?? '')?.id === c.candidate) ?? comparisons[0];
  const name = (id: string) => experiments.data?.get(id)?.name ?? id;
  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value === null) next.delete(key);
    else next.set(key, value);
    setParams(next);
  };
  if (ids.length < 2) {
    return (
      <div className="page compare-page">
        <h1>Compare experiments</h1>
        <p className="notice">
          Name two or more experiments, the baseline first: <code>?ids=&lt;baseline&gt;,&lt;candidate&gt;</code>. Pick them on the <Link to="/experiments">experiments</Link> page.
        </p>
      </div>
    );
  }
  const base = experiments.data?.get(ids[0]);
  return (
    <div className="page compare-page">
      <div className="page-head">
        <h1>
          Compare {comparisons.length ? comparisons.map((c) => name(c.candidate)).join(', ') : ids.slice(1).join(', ')} <span className="muted">vs</span> {base?.name ?? ids[0]}
        </h1>
        <Link to={base ? `/experiments?dataset=${encodeURIComponent(base.dataset_id)}` : '/experiments'}>All experiments</Link>
      </div>
      {loaded.error && <ErrorNote error={loaded.error} />}
      {experiments.error && !loaded.error && <ErrorNote error={experiments.error} />}
      {loaded.loading && !loaded.data && <p className="muted">Comparing…</p>}
      {comparisons.length > 0 && experiments.data && (
        <>
          <Experiments ids={ids} experiments={experiments.data} comparisons={comparisons} onPinned={experiments.reload} />
          <MetricsTable comparisons={comparisons} name={name} />
          {comparisons.length > 1 && (
            <div className="candidate-tabs" role="tablist" aria-label="Candidate">
              {comparisons.map((c) => (
                <button key={c.candidate} type="button" role="tab" aria-selected={c === chosen} className={`button${c === chosen ? ' primary' : ''}`} onClick={() => setParam('candidate', c.candidate)}>
                  {name(c.candidate)}
                </button>
              ))}
            </div>
          )}
          {chosen && (
            <>
              {example && (
                <ExampleDetail
                  key={`${chosen.candidate}/${example}`}
                  comparison={chosen}
                  exampleId={example}
                  baseline={experiments.data.get(chosen.baseline)}
                  candidate={experiments.data.get(chosen.candidate)}
                  onClose={() => setParam('example', null)}
                />
              )}
              <Examples comparison={chosen} name={name} selected={example} onOpen={(id) => setParam('example', id)} />
            </>
          )}
        </>
      )}
    </div>
  );
}

function Experiments({ ids, experiments, comparisons, onPinned }: { ids: string[]; experiments: Map<string, ExperimentWithSummary>; comparisons: ComparisonOut[]; onPinned(): void }) {
  const list = ids.map((id) => experiments.get(id)).filter((e): e is ExperimentWithSummary => !!e);
  return (
    <div className="compare-experiments">
      {list.map((e, i) => {
        const c = comparisons.find((x) => x.candidate === e.id);
        return (
          <div key={e.id} className="card compare-experiment" data-experiment={e.id}>
            <div className="small muted">{i === 0 ? 'baseline' : 'candidate'}</div>
            <Link to={`/experiments/${encodeURIComponent(e.id)}`} className="experiment-link">
              <strong>{e.name}</strong>
            </Link>{' '}
            <PinBaseline experiment={e} onPinned={onPinned} />
            <div className="small muted">
              dataset version {e.dataset_version} · {e.summary.runs} run(s) · {e.summary.errors} error(s) · p50 {formatDuration(e.summary.latencyMs.p50)} · {formatCost(e.summary.cost)}
            </div>
            {c && (
              <div className="shared-examples small" data-shared={c.shared}>
                {c.shared} shared example{c.shared === 1 ? '' : 's'}
                {!c.same_version && ` (dataset versions differ: ${list[0].dataset_version} and ${e.dataset_version}; compared on the examples both hold)`}
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

function MetricsTable({ comparisons, name }: { comparisons: ComparisonOut[]; name(id: string): string }) {
  const keys = [...new Set(comparisons.flatMap((c) => c.metrics.map((m) => m.key)))];
  if (!keys.length) return <p className="muted">No scores to compare: neither experiment's runs have feedback.</p>;
  return (
    <div className="table-wrap">
      <table className="compare-metrics">
        <thead>
          <tr>
            <th rowSpan={2}>Metric</th>
            <th rowSpan={2}>{name(comparisons[0].baseline)} (baseline)</th>
            {comparisons.map((c) => (
              <th key={c.candidate} colSpan={3}>
                {name(c.candidate)}
              </th>
            ))}
          </tr>
          <tr>
            {comparisons.map((c) => (
              <CandidateHeads key={c.candidate} />
            ))}
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const first = comparisons.find((c) => c.metrics.some((m) => m.key === k))!.metrics.find((m) => m.key === k)!;
            return (
              <tr key={k} data-metric={k}>
                <td>
                  <strong>{k}</strong> <span className="muted small">{first.kind === 'pass_rate' ? 'pass rate' : 'mean score'}</span>
                </td>
                <td>
                  <MetricValue mean={first.baseline.mean} interval={first.baseline.interval} kind={first.kind} />
                </td>
                {comparisons.map((c) => {
                  const m = c.metrics.find((x) => x.key === k);
                  return m ? <CandidateCells key={c.candidate} m={m} reference={first.baseline} /> : <td key={c.candidate} colSpan={3} className="muted">—</td>;
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function CandidateHeads() {
  return (
    <>
      <th>Mean (95%)</th>
      <th>Paired Δ (95%)</th>
      <th className="num">↑ / ↓</th>
    </>
  );
}

/**
 * One candidate's cells for a metric. `reference` is the baseline as the baseline column
 * shows it; a candidate on another dataset version is compared on fewer examples, so its
 * baseline on those is shown beside it when it differs.
 */
function CandidateCells({ m, reference }: { m: MetricComparisonOut; reference: MetricComparisonOut['baseline'] }) {
  const ownBaseline = m.baseline.examples !== reference.examples || m.baseline.mean !== reference.mean;
  const dir = deltaDirection(m.delta.interval);
  const title = [
    `${m.delta.method} difference over ${m.delta.n} example(s)`,
    m.delta.se !== null ? `standard error ${m.delta.se.toPrecision(3)}` : '',
    m.mcnemar ? `exact McNemar p = ${m.mcnemar.p.toPrecision(3)}` : '',
    m.delta.reason ?? '',
  ]
    .filter(Boolean)
    .join('; ');
  return (
    <>
      <td>
        <MetricValue mean={m.candidate.mean} interval={m.candidate.interval} kind={m.kind} />
        {ownBaseline && (
          <div className="small muted own-baseline">
            baseline on these {m.baseline.examples}: {formatMetric(m.baseline.mean, m.kind)}
          </div>
        )}
      </td>
      <td className={`delta delta-${dir}`} title={title} data-direction={dir}>
        <span className="delta-mean">{formatDelta(m.delta.mean, m.kind)}</span> <span className="small muted">{formatDeltaInterval(m.delta.interval, m.kind)}</span>
        {m.mcnemar && <div className="small muted">McNemar p = {m.mcnemar.p.toPrecision(2)}</div>}
      </td>
      <td className="num">
        <span className="improved">{m.improved}</span> / <span className="regressed">{m.regressed}</span>
      </td>
    </>
  );
}

/** One page of a comparison's examples, of one status or all, read from the API (it pages: a 10,000-example list is 2.5 MB). */
async function examplePage(c: ComparisonOut, status: ExampleStatus | 'all', offset: number) {
  const path = `/v1/experiments/compare${query({ ids: `${c.baseline},${c.candidate}`, status: status === 'all' ? undefined : status, examples_offset: offset, examples_limit: PAGE })}`;
  const [page] = (await api<{ comparisons: ComparisonOut[] }>(path)).comparisons;
  return page;
}

function Examples({ comparison: c, name, selected, onOpen }: { comparison: ComparisonOut; name(id: string): string; selected: string | null; onOpen(id: string): void }) {
  const [status, setStatus] = useState<ExampleStatus | 'all'>('all');
  // The first page of "all" came with the comparison; other statuses and further pages are read on demand.
  const [shown, setShown] = useState({ examples: c.examples, next: c.next_offset, total: c.examples_total });
  const [error, setError] = useState<Error>();
  useEffect(() => {
    setStatus('all');
    setShown({ examples: c.examples, next: c.next_offset, total: c.examples_total });
  }, [c]);
  const load = (s: ExampleStatus | 'all', offset: number, before: readonly ExampleComparisonOut[]) =>
    examplePage(c, s, offset).then(
      (p) => {
        setShown({ examples: [...before, ...p.examples], next: p.next_offset, total: p.examples_total });
        setError(undefined);
      },
      (err: Error) => setError(err),
    );
  const pick = (s: ExampleStatus | 'all') => {
    setStatus(s);
    setShown({ examples: [], next: null, total: s === 'all' ? c.examples_total : (c.counts[s] ?? 0) });
    void load(s, 0, []);
  };
  const keys = c.metrics.map((m) => m.key);
  return (
    <section className="compare-examples">
      <h2>
        Examples <span className="muted small">{name(c.candidate)} against {name(c.baseline)}</span>
      </h2>
      <div className="status-filters" role="group" aria-label="Status">
        <button type="button" className={`button${status === 'all' ? ' primary' : ''}`} onClick={() => pick('all')}>
          all {c.examples_total}
        </button>
        {EXAMPLE_STATUSES.map((s) => (
          <button key={s} type="button" className={`button status-filter status-${s}${status === s ? ' primary' : ''}`} disabled={!c.counts[s]} onClick={() => pick(s)}>
            {s} {c.counts[s] ?? 0}
          </button>
        ))}
      </div>
      {error && <ErrorNote error={error} />}
      <div className="table-wrap">
        <table className="compare-examples-table">
          <thead>
            <tr>
              <th>Status</th>
              <th>Example</th>
              {keys.map((k) => (
                <th key={k}>{k}: baseline → candidate</th>
              ))}
              <th className="num">Latency Δ</th>
              <th className="num">Cost Δ</th>
              <th className="num">Errors</th>
            </tr>
          </thead>
          <tbody>
            {shown.examples.map((e) => (
              <ExampleRow key={e.exampleId} e={e} keys={keys} selected={selected === e.exampleId} onOpen={onOpen} />
            ))}
          </tbody>
        </table>
      </div>
      {shown.next !== null && (
        <button type="button" className="button" onClick={() => void load(status, shown.next!, shown.examples)}>
          Show more ({shown.total - shown.examples.length} left)
        </button>
      )}
    </section>
  );
}

function ExampleRow({ e, keys, selected, onOpen }: { e: ExampleComparisonOut; keys: string[]; selected: boolean; onOpen(id: string): void }) {
  const signed = (v: number | null, f: (x: number) => string) => (v === null ? '—' : `${v > 0 ? '+' : v < 0 ? '−' : ''}${f(Math.abs(v))}`);
  return (
    <tr data-example={e.exampleId} data-status={e.status} className={`example-${e.status}${selected ? ' selected' : ''}`}>
      <td>
        <span className={`status-badge status-${e.status}`}>{e.status}</span>
      </td>
      <td>
        <button type="button" className="link example-open" onClick={() => onOpen(e.exampleId)}>
          {e.exampleId}
        </button>
      </td>
      {keys.map((k) => {
        const m = e.metrics[k];
        if (!m) return <td key={k} className="muted">—</td>;
        const dir = m.delta === null ? '' : m.delta > 0 ? 'up' : m.delta < 0 ? 'down' : '';
        return (
          <td key={k} className={`score-change ${dir}`}>
            {formatScore(m.baseline)} → {formatScore(m.candidate)}
            {m.delta !== null && m.delta !== 0 && <span className="small"> ({formatDelta(m.delta, 'mean')})</span>}
          </td>
        );
      })}
      <td className="num">{signed(e.latencyDeltaMs, formatDuration)}</td>
      <td className="num">{signed(e.costDelta, formatCost)}</td>
      <td className="num">
        {e.baselineErrors} / {e.candidateErrors}
      </td>
    </tr>
  );
}
