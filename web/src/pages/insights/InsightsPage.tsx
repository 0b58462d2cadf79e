/**
 * /insights: Insights reports (running ones with their progress, polled), a form to run
 * one, and /insights/:reportId: the intent hierarchy with sizes and failure rates, the
 * failure patterns ranked by lift with their interval and support, each opening its
 * traces on the traces page through its membership filter, sending them to a queue, adding
 * them to a dataset (tagged with the pattern), and tracking it (the tracked patterns, open or fixed, are listed on /insights).
 */
import { Fragment, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { ClusterOut, PatternOut, ReportOut, ReportRow, TrackedOut } from '../../../../schema/wire/insights.ts';
import type { QueueOut } from '../../../../schema/wire/review.ts';
import type { DatasetListItem } from '../../../../schema/wire/datasets.ts';
import { api } from '../../api/client.ts';
import { useApi, usePolling } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';

const pct = (x: number | null | undefined) => (x == null ? '–' : `${Math.round(x * 100)}%`);
const tracesLink = (filter: string) => `/traces?q=${encodeURIComponent(filter)}`;

function progressText(r: ReportRow): string {
  if (r.status === 'done') return 'done';
  if (r.status === 'failed') return `failed: ${r.error ?? ''}`;
  return r.progress.total ? `${r.progress.step} ${r.progress.done}/${r.progress.total}` : r.status;
}

/** Rates oldest first: by later report when two or more ranked it, else per release (as the server decides `fixed`). */
function trackedSeries(t: TrackedOut): string {
  if (t.reports.length >= 2) return t.reports.map((r) => pct(r.rate)).join(' → ');
  if (t.releases.length) return t.releases.map((r) => `${r.release ?? '(no release)'} ${pct(r.rate)}`).join(' → ');
  return t.reports.map((r) => pct(r.rate)).join(' → ') || '–';
}

function TrackedPatterns() {
  const list = useApi<{ tracked: TrackedOut[] }>('/v1/insights/tracked');
  if (!list.data?.tracked.length) return list.error ? <ErrorNote error={list.error} /> : null;
  const untrack = async (id: string) => {
    await api(`/v1/insights/tracked/${id}`, { method: 'DELETE' });
    list.reload();
  };
  return (
    <>
      <h2>Tracked patterns</h2>
      <table className="table insights-tracked">
        <thead>
          <tr>
            <th>Pattern</th>
            <th>Status</th>
            <th>Fixed below</th>
            <th>Failure rate over time</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data.tracked.map((t) => (
            <tr key={t.id} data-tracked={t.id}>
              <td>
                {t.label} <span className="muted small">from <Link to={`/insights/${t.report_id}`}>{t.report_id}</Link></span>
              </td>
              <td className={`tracked-${t.status}`}>{t.status}</td>
              <td>{pct(t.threshold)}</td>
              <td>{trackedSeries(t)}</td>
              <td>
                {t.filter && <Link to={tracesLink(t.filter)}>traces</Link>}{' '}
                <button type="button" className="button" onClick={() => untrack(t.id)}>
                  Stop tracking
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function TrackButton({ reportId, pattern }: { reportId: string; pattern: string }) {
  const [status, setStatus] = useState<string>();
  const track = async () => {
    try {
      const t = await api<TrackedOut>('/v1/insights/tracked', { body: { report_id: reportId, pattern } });
      setStatus(`Tracked (${t.status})`);
    } catch (err) {
      setStatus((err as Error).message);
    }
  };
  return status ? (
    <span className="small muted" role="status">
      {status}
    </span>
  ) : (
    <button type="button" className="button" onClick={track}>
      Track
    </button>
  );
}

export function InsightsPage() {
  const list = useApi<{ reports: ReportRow[] }>('/v1/insights/reports');
  const running = !!list.data?.reports.some((r) => r.status === 'queued' || r.status === 'running');
  usePolling(list.reload, 1000, running);
  const navigate = useNavigate();
  const [filter, setFilter] = useState('');
  const [since, setSince] = useState('30d');
  const [failure, setFailure] = useState('');
  const [error, setError] = useState<Error>();
  const run = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const row = await api<ReportRow>('/v1/insights/reports', { body: { filter, since, ...(failure.trim() ? { failure_filter: failure } : {}) } });
      list.reload();
      navigate(`/insights/${row.id}`);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <div className="page insights-page">
      <div className="page-head">
        <h1>Insights</h1>
      </div>
      <form className="card insights-run" onSubmit={run}>
        <label>
          Traces <input aria-label="Report filter" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="env=production (empty: every trace)" />
        </label>
        <label>
          Since <input aria-label="Since" value={since} onChange={(e) => setSince(e.target.value)} size={6} />
        </label>
        <label>
          Failure <input aria-label="Failure filter" value={failure} onChange={(e) => setFailure(e.target.value)} placeholder="default: a score below 0.5 or an error" />
        </label>
        <button className="button primary" type="submit">
          Run report
        </button>
      </form>
      {error && <ErrorNote error={error} />}
      {list.error && <ErrorNote error={list.error} />}
      {list.data && !list.data.reports.length && <p className="empty">No reports yet: run one above.</p>}
      {!!list.data?.reports.length && (
        <table className="table insights-reports">
          <thead>
            <tr>
              <th>Report</th>
              <th>Status</th>
              <th>Filter</th>
              <th>Traces</th>
              <th>Failing</th>
              <th>Method</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {list.data.reports.map((r) => (
              <tr key={r.id} data-report={r.id}>
                <td>
                  <Link to={`/insights/${r.id}`}>{r.id}</Link>
                </td>
                <td className={`status-${r.status}`}>{progressText(r)}</td>
                <td>
                  <code>{r.filter || '(all)'}</code>
                </td>
                <td>{r.traces ?? '–'}</td>
                <td>{r.failures ?? '–'}</td>
                <td>{r.method ?? '–'}</td>
                <td>{new Date(r.created_at).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <TrackedPatterns />
    </div>
  );
}

function SendToQueue({ reportId, cluster }: { reportId: string; cluster: string }) {
  const queues = useApi<{ queues: QueueOut[] }>('/v1/review-queues');
  const [queueId, setQueueId] = useState('');
  const [message, setMessage] = useState<string>();
  if (!queues.data?.queues.length) return null;
  const send = async () => {
    if (!queueId) return setMessage('Pick a queue');
    try {
      const res = await api<{ matched: number; added: number; already_queued: number }>(`/v1/insights/reports/${reportId}/clusters/${cluster}/queue`, { body: { queue_id: queueId } });
      setMessage(`Added ${res.added} of ${res.matched}${res.already_queued ? ` (${res.already_queued} already there)` : ''}`);
    } catch (err) {
      setMessage((err as Error).message);
    }
  };
  return (
    <span className="send-to-queue">
      <select aria-label={`Queue for ${cluster}`} value={queueId} onChange={(e) => setQueueId(e.target.value)}>
        <option value="">Queue…</option>
        {queues.data.queues.map((q) => (
          <option key={q.id} value={q.id}>
            {q.name}
          </option>
        ))}
      </select>
      <button type="button" className="button" onClick={send}>
        Send to queue
      </button>
      {message && <span className="small muted" role="status">{message}</span>}
    </span>
  );
}

/**
 * Adds the pattern's traces to a dataset as failure-mode examples tagged with the pattern
 * (`insight:<report>:<pattern>` and its label), through from-filter with the membership
 * filter; a second click adds only the traces not there yet.
 */
function AddToDataset({ reportId, cluster, label }: { reportId: string; cluster: string; label: string }) {
  const datasets = useApi<{ datasets: DatasetListItem[] }>('/v1/datasets');
  const [datasetId, setDatasetId] = useState('');
  const [message, setMessage] = useState<string>();
  if (!datasets.data?.datasets.length) return null;
  const add = async () => {
    if (!datasetId) return setMessage('Pick a dataset');
    try {
      const tags = [`insight:${reportId}:${cluster}`, label.slice(0, 200)];
      const res = await api<{ version: number; added: number; skipped: number; more: boolean }>(`/v1/datasets/${datasetId}/examples/from-filter`, { body: { filter: `insight.${reportId}=${cluster}`, tags } });
      setMessage(`Added ${res.added}${res.skipped ? ` (${res.skipped} already there)` : ''}${res.more ? '; more: click again' : ''}`);
    } catch (err) {
      setMessage((err as Error).message);
    }
  };
  return (
    <span className="add-to-dataset">
      <select aria-label={`Dataset for ${cluster}`} value={datasetId} onChange={(e) => setDatasetId(e.target.value)}>
        <option value="">Dataset…</option>
        {datasets.data.datasets.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name}
          </option>
        ))}
      </select>
      <button type="button" className="button" onClick={add}>
        Add to dataset
      </button>
      {message && <span className="small muted" role="status">{message}</span>}
    </span>
  );
}

function ClusterRows({ clusters, depth }: { clusters: ClusterOut[]; depth: number }) {
  return (
    <>
      {clusters.map((c) => (
        <Fragment key={c.id}>
          <tr data-cluster={c.id}>
            <td style={{ paddingLeft: `${0.5 + depth * 1.5}rem` }}>
              <strong>{c.name}</strong> <span className="muted small">{c.id}</span>
              <div className="muted small">{c.description}</div>
            </td>
            <td>{c.size}</td>
            <td>{pct(c.share)}</td>
            <td>
              <span className="insights-bar" style={{ width: `${Math.round((c.failureRate ?? 0) * 60)}px` }} /> {pct(c.failureRate)}
            </td>
            <td>
              <Link to={tracesLink(c.membership_filter)}>traces</Link>
            </td>
          </tr>
          {c.children && <ClusterRows clusters={c.children} depth={depth + 1} />}
        </Fragment>
      ))}
    </>
  );
}

function PatternRow({ reportId, p }: { reportId: string; p: PatternOut }) {
  return (
    <tr data-pattern={p.id} className={p.significant ? 'significant' : ''}>
      <td>{p.id}</td>
      <td>
        {p.label}
        {p.significant && <span className="badge">significant</span>}
      </td>
      <td>{p.support}</td>
      <td>{p.failures}</td>
      <td>{pct(p.rate)}</td>
      <td>
        {p.lift.toFixed(2)}
        {p.interval && <span className="muted small"> ({p.interval.low.toFixed(2)}–{p.interval.high.toFixed(2)})</span>}
      </td>
      <td>{p.q.toPrecision(2)}</td>
      <td>
        <Link to={tracesLink(p.membership_filter)} className="open-traces">
          Open traces
        </Link>{' '}
        <SendToQueue reportId={reportId} cluster={p.id} /> <AddToDataset reportId={reportId} cluster={p.id} label={p.label} /> <TrackButton reportId={reportId} pattern={p.id} />
      </td>
    </tr>
  );
}

export function InsightsReportPage() {
  const { reportId = '' } = useParams();
  const loaded = useApi<ReportOut>(`/v1/insights/reports/${encodeURIComponent(reportId)}`);
  const r = loaded.data;
  usePolling(loaded.reload, 1000, !!r && (r.status === 'queued' || r.status === 'running'));
  return (
    <div className="page insights-report">
      <div className="page-head">
        <h1>
          Report <code>{reportId}</code>
        </h1>
        <Link to="/insights">All reports</Link>
      </div>
      {loaded.error && <ErrorNote error={loaded.error} />}
      {r && !r.report && <p className="insights-progress" role="status">{progressText(r)}</p>}
      {r?.report && (
        <>
          <p className="insights-summary">
            {r.report.traces} traces, {r.report.failures} failing (base rate {pct(r.report.baseRate)}) · method: {r.report.method.path ?? 'offline'} · filter <code>{r.filter || '(all)'}</code>
          </p>
          {r.report.notes.map((n) => (
            <p key={n} className="muted small">
              {n}
            </p>
          ))}
          <h2>Failure patterns, by lift</h2>
          {r.report.patterns.length ? (
            <table className="table insights-patterns">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Pattern</th>
                  <th>Traces</th>
                  <th>Failed</th>
                  <th>Rate</th>
                  <th>Lift (95% CI)</th>
                  <th>q</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {r.report.patterns.map((p) => (
                  <PatternRow key={p.id} reportId={r.id} p={p} />
                ))}
              </tbody>
            </table>
          ) : (
            <p className="empty">No failure patterns.</p>
          )}
          <h2>Intents</h2>
          <table className="table insights-intents">
            <thead>
              <tr>
                <th>Cluster</th>
                <th>Traces</th>
                <th>Share</th>
                <th>Failing</th>
                <th />
              </tr>
            </thead>
            <tbody>
              <ClusterRows clusters={r.report.intents} depth={0} />
            </tbody>
          </table>
          {!!r.report.failureClusters.byTrajectory.length && (
            <>
              <h2>Failing traces by trajectory</h2>
              <table className="table">
                <tbody>
                  <ClusterRows clusters={r.report.failureClusters.byTrajectory} depth={0} />
                </tbody>
              </table>
            </>
          )}
        </>
      )}
    </div>
  );
}
