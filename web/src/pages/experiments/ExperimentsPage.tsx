/**
 * /experiments (?dataset=<id> for one dataset): the experiments of each dataset, newest
 * first, with their summary metrics (mean and interval), errors, latency and cost, a
 * sparkline of each metric over time, and a selection to compare two or more (the pinned
 * baseline first, else the oldest selected), and a form that starts a server-side
 * experiment (against an endpoint, or a prompt replay).
 */
import { useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { DatasetOut } from '../../../../schema/wire/datasets.ts';
import type { ExperimentOut } from '../../../../schema/wire/experiments.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { MetricValue } from '../../components/experiments/MetricValue.tsx';
import { Sparkline } from '../../components/experiments/Sparkline.tsx';
import { formatAgo, formatCost, formatDuration } from '../../lib/format.ts';
import { comparePath, formatMetric } from '../../lib/experiments.ts';
import { useExperiments, type ExperimentWithSummary } from '../../api/use-experiments.ts';
import { StartExperiment } from '../../components/experiments/StartExperiment.tsx';

type WithSummary = ExperimentWithSummary;

// Each experiment's summary is its own read (it scores every run); a dataset table shows
// the newest this many, which is also as many points as a sparkline can show legibly.
const PER_DATASET = 30;
// Metric columns a table shows; the sparklines cover them all.
const METRIC_COLUMNS = 4;

export function ExperimentsPage() {
  const [params] = useSearchParams();
  const only = params.get('dataset');
  const experiments = useApi<{ experiments: ExperimentOut[] }>(`/v1/experiments?limit=500${only ? `&dataset_id=${encodeURIComponent(only)}` : ''}`);
  const datasets = useApi<{ datasets: DatasetOut[] }>('/v1/datasets');
  const names = useMemo(() => new Map((datasets.data?.datasets ?? []).map((d) => [d.id, d.name])), [datasets.data]);
  const groups = useMemo(() => {
    const by = new Map<string, ExperimentOut[]>();
    for (const e of experiments.data?.experiments ?? []) by.set(e.dataset_id, [...(by.get(e.dataset_id) ?? []), e]);
    // Datasets with the most recent experiment first (the list is newest first).
    return [...by.entries()];
  }, [experiments.data]);
  return (
    <div className="page experiments-page">
      <div className="page-head">
        <h1>Experiments</h1>
        {only && <Link to="/experiments">All datasets</Link>}
      </div>
      <StartExperiment />
      {experiments.error && <ErrorNote error={experiments.error} />}
      {experiments.data && !groups.length && (
        <div className="empty">
          <p>No experiments yet.</p>
          <p className="small">
            Run one with <code>loupe experiments run --dataset &lt;name&gt; --cmd "&lt;your agent&gt;"</code>, or with the LangSmith SDK's <code>evaluate()</code> pointed at Loupe.
          </p>
        </div>
      )}
      {groups.map(([datasetId, list]) => (
        <DatasetExperiments key={datasetId} datasetId={datasetId} name={names.get(datasetId)} experiments={list} />
      ))}
    </div>
  );
}

function DatasetExperiments({ datasetId, name, experiments }: { datasetId: string; name?: string; experiments: ExperimentOut[] }) {
  const navigate = useNavigate();
  const shown = experiments.slice(0, PER_DATASET);
  const summaries = useExperiments(shown.map((e) => e.id));
  const [selected, setSelected] = useState<string[]>([]);
  const rows = shown.map((e) => summaries.data?.get(e.id) ?? e);
  const keys = useMemo(() => {
    const all = new Set<string>();
    for (const e of rows) for (const m of (e as Partial<WithSummary>).summary?.metrics ?? []) all.add(m.key);
    return [...all].sort();
  }, [summaries.data]);
  // Oldest to newest for the sparklines.
  const timeline = [...rows].reverse();
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const compare = () => {
    const chosen = shown.filter((e) => selected.includes(e.id));
    // The pinned baseline first, else the oldest: candidates are compared with the first id.
    chosen.sort((a, b) => Number(b.baseline) - Number(a.baseline) || a.created_at.localeCompare(b.created_at));
    navigate(comparePath(chosen.map((e) => e.id)));
  };
  return (
    <section className="card dataset-experiments" data-dataset={datasetId}>
      <div className="dataset-experiments-head">
        <h2>
          {name ?? datasetId} <span className="muted small">{experiments.length} experiment(s)</span>
        </h2>
        <div className="sparklines">
          {keys.map((k) => {
            const kind = rows.map((e) => (e as Partial<WithSummary>).summary?.metrics.find((m) => m.key === k)?.kind).find(Boolean) ?? 'mean';
            return (
              <span key={k} className="sparkline-cell" data-metric={k}>
                <span className="small muted">{k}</span>
                <span className="sparkline-row">
                  <Sparkline
                    label={`${k} over time`}
                    points={timeline.map((e) => {
                      const m = (e as Partial<WithSummary>).summary?.metrics.find((x) => x.key === k);
                      return { label: e.name, value: m?.mean ?? null, text: formatMetric(m?.mean ?? null, kind) };
                    })}
                  />
                  <span className="small sparkline-last" title="the newest experiment">
                    {formatMetric((rows[0] as Partial<WithSummary>).summary?.metrics.find((x) => x.key === k)?.mean ?? null, kind)}
                  </span>
                </span>
              </span>
            );
          })}
        </div>
        <button type="button" className="button primary" disabled={selected.length < 2} onClick={compare}>
          Compare {selected.length >= 2 ? `${selected.length}` : ''}
        </button>
      </div>
      {summaries.error && <ErrorNote error={summaries.error} />}
      <div className="table-wrap">
        <table className="experiments-table">
          <thead>
            <tr>
              <th aria-label="Select" />
              <th>Experiment</th>
              <th>Candidate</th>
              <th className="num">Version</th>
              <th className="num">Runs</th>
              <th className="num">Errors</th>
              {keys.slice(0, METRIC_COLUMNS).map((k) => (
                <th key={k}>{k}</th>
              ))}
              <th className="num">Latency p50</th>
              <th className="num">Cost</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => {
              const s = (e as Partial<WithSummary>).summary;
              return (
                <tr key={e.id} data-experiment={e.id}>
                  <td>
                    <input type="checkbox" aria-label={`Select ${e.name}`} checked={selected.includes(e.id)} onChange={() => toggle(e.id)} />
                  </td>
                  <td>
                    <Link to={`/experiments/${encodeURIComponent(e.id)}`} className="experiment-link">
                      {e.name}
                    </Link>
                    {e.baseline && <span className="badge baseline-badge">baseline</span>}
                    {e.gate_failed && <span className="badge gate-failed-badge">gate failed</span>}
                    {e.status === 'running' && <span className="badge">running</span>}
                  </td>
                  <td className="small">{[e.candidate.name, e.candidate.version, e.candidate.commit].filter(Boolean).join(' · ') || <span className="muted">—</span>}</td>
                  <td className="num">{e.dataset_version}</td>
                  <td className="num">{s?.runs ?? '…'}</td>
                  <td className="num">{s ? s.errors : '…'}</td>
                  {keys.slice(0, METRIC_COLUMNS).map((k) => {
                    const m = s?.metrics.find((x) => x.key === k);
                    return <td key={k}>{m ? <MetricValue mean={m.mean} interval={m.interval} kind={m.kind} /> : <span className="muted">—</span>}</td>;
                  })}
                  <td className="num">{s ? formatDuration(s.latencyMs.p50) : '…'}</td>
                  <td className="num">{s ? formatCost(s.cost) : '…'}</td>
                  <td className="small" title={e.created_at}>
                    {formatAgo(e.created_at)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {experiments.length > PER_DATASET && (
        <p className="small muted">
          The newest {PER_DATASET} of {experiments.length} are shown.
        </p>
      )}
    </section>
  );
}
