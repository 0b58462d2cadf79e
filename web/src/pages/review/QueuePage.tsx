/**
 * /queues/:queueId: one queue. Progress and reviewers (live), agreement per rubric key,
 * conflicts with the adjudication form (owners and admins), the routing rules, the items,
 * and the export links (JSONL, CSV).
 */
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type { ItemOut, QueueOut, QueueStats, RoutingRuleOut } from '../../../../schema/wire/review.ts';
import { api, currentProject, query } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useSession } from '../../api/session.tsx';
import { useQueueLive } from '../../api/queue-live.ts';
import { isManagerRole } from '../../../../schema/roles.ts';
import { formatAgo } from '../../lib/format.ts';
import { choices, type Answer } from '../../lib/review-keys.ts';
import { ProgressBar, ReviewerList } from '../../components/review/LivePresence.tsx';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { Markdown } from '../../components/Markdown.tsx';

export function QueuePage() {
  const { queueId = '' } = useParams();
  const { project } = useSession();
  const manager = isManagerRole(project?.org.role);
  const base = `/v1/review-queues/${encodeURIComponent(queueId)}`;
  const queue = useApi<QueueOut>(base);
  const stats = useApi<QueueStats>(`${base}/stats`);
  const rules = useApi<{ rules: RoutingRuleOut[] }>(`${base}/rules`);
  const items = useApi<{ items: ItemOut[]; next_cursor: string | null }>(`${base}/items?limit=100`);
  const conflicts = useApi<{ items: ItemOut[] }>(`${base}/conflicts`);
  const live = useQueueLive(queueId);
  if (queue.error) return <div className="page"><ErrorNote error={queue.error} /></div>;
  const q = queue.data;
  if (!q) return <div className="page muted">Loading…</div>;
  const progress = live.state?.progress ?? stats.data?.progress ?? q.progress;
  const reviewers = live.state?.reviewers ?? stats.data?.reviewers ?? [];
  const exportLink = (format: string) => `${base}/export${query({ format, project: currentProject() })}`;
  const refresh = () => {
    conflicts.reload();
    stats.reload();
    items.reload();
  };
  return (
    <div className="page queue-page">
      <div className="page-head">
        <Link to="/queues" className="back">
          ← Queues
        </Link>
        <h1>{q.name}</h1>
        <Link to={`/queues/${encodeURIComponent(q.id)}/review`} className="button primary">
          Start reviewing
        </Link>
        {manager && (
          <Link to={`/queues/${encodeURIComponent(q.id)}/settings`} className="button">
            Settings
          </Link>
        )}
        <a className="button subtle" href={exportLink('jsonl')} download>
          Export JSONL
        </a>
        <a className="button subtle" href={exportLink('csv')} download>
          Export CSV
        </a>
      </div>
      {q.instructions && <Markdown text={q.instructions} />}
      {progress && <ProgressBar progress={progress} />}
      <div className="queue-columns">
        <section className="card" aria-labelledby="reviewers-h">
          <h2 id="reviewers-h">
            Reviewers <span className={`live-dot${live.connected ? ' on' : ''}`} title={live.connected ? 'live' : 'not live'} />
          </h2>
          <ReviewerList reviewers={reviewers} />
        </section>
        <section className="card" aria-labelledby="agreement-h">
          <h2 id="agreement-h">Agreement</h2>
          {q.reviewers_per_item < 2 && <p className="muted small">One reviewer per item: nothing to compare. Set two or more reviewers per item to measure agreement.</p>}
          <table className="plain">
            <thead>
              <tr>
                <th>Key</th>
                <th className="num">Items</th>
                <th className="num">Agreement</th>
                <th className="num">Kappa</th>
              </tr>
            </thead>
            <tbody>
              {stats.data?.agreement.map((a) => (
                <tr key={a.key} data-agreement={a.key}>
                  <td>{a.key}</td>
                  <td className="num">{a.items}</td>
                  <td className="num">{a.percent_agreement === null ? '—' : `${Math.round(a.percent_agreement * 100)}%`}</td>
                  <td className="num" title={a.method === 'cohen' ? "Cohen's kappa" : a.method === 'fleiss' ? "Fleiss' kappa" : ''}>
                    {a.kappa === null ? '—' : a.kappa.toFixed(2)} {a.method && <span className="muted small">{a.method}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      {(conflicts.data?.items.length ?? 0) > 0 && (
        <section className="card" aria-labelledby="conflicts-h">
          <h2 id="conflicts-h">Conflicts to adjudicate</h2>
          {conflicts.data!.items.map((item) => (
            <Conflict key={item.trace_id} queue={q} item={item} manager={manager} onDone={refresh} />
          ))}
        </section>
      )}
      <section className="card" aria-labelledby="rules-h">
        <h2 id="rules-h">Routing rules</h2>
        {rules.data?.rules.length ? (
          <ul>
            {rules.data.rules.map((r) => (
              <li key={r.id}>
                <code>{r.filter || '(every trace)'}</code> <span className="muted small">sampling {Math.round(r.sampling_rate * 100)}%{r.active ? '' : ' · paused'}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted small">No routing rules: traces arrive from a trace page or a filter on the traces page.</p>
        )}
      </section>
      <section className="card" aria-labelledby="items-h">
        <h2 id="items-h">Items</h2>
        <table className="plain items-table">
          <thead>
            <tr>
              <th>Trace</th>
              <th>Status</th>
              <th className="num">Reviews</th>
              <th>From</th>
              <th>Added</th>
            </tr>
          </thead>
          <tbody>
            {items.data?.items.map((i) => (
              <tr key={i.trace_id} data-trace-id={i.trace_id}>
                <td>
                  <Link to={`/traces/${encodeURIComponent(i.trace_id)}`} className="mono">
                    {i.trace_id}
                  </Link>
                </td>
                <td>
                  <span className={`status-pill ${i.status}`}>{i.status}</span>
                </td>
                <td className="num">
                  {i.reviews_done}/{i.reviews_needed}
                </td>
                <td className="muted small">{i.source}</td>
                <td className="muted small">{formatAgo(i.added_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {items.data?.next_cursor && <p className="muted small">Showing the first 100 items; export the queue for all of them.</p>}
      </section>
    </div>
  );
}

/** One item in conflict: every reviewer's answers, and the final label to pick. */
function Conflict({ queue, item, manager, onDone }: { queue: QueueOut; item: ItemOut; manager: boolean; onDone(): void }) {
  const [values, setValues] = useState<Record<string, Answer>>({});
  const [comment, setComment] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const disputed = queue.rubric.filter((k) => item.conflicts?.includes(k.key));
  const save = async () => {
    try {
      await api(`/v1/review-queues/${encodeURIComponent(queue.id)}/items/${encodeURIComponent(item.trace_id)}/adjudicate`, { body: { values, comment: comment || null } });
      onDone();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <div className="conflict" data-trace-id={item.trace_id}>
      <Link to={`/traces/${encodeURIComponent(item.trace_id)}`} className="mono">
        {item.trace_id}
      </Link>
      <table className="plain">
        <thead>
          <tr>
            <th>Reviewer</th>
            {disputed.map((k) => (
              <th key={k.key}>{k.key}</th>
            ))}
            <th>Comment</th>
          </tr>
        </thead>
        <tbody>
          {item.reviews?.map((r) => (
            <tr key={r.reviewer_id}>
              <td>{r.reviewer ?? r.reviewer_id}</td>
              {disputed.map((k) => (
                <td key={k.key}>{String(r.values[k.key] ?? '—')}</td>
              ))}
              <td className="muted small">{r.comment}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {manager && (
        <div className="inline-form">
          {disputed.map((k) => (
            <label key={k.key}>
              Final {k.key}{' '}
              <select aria-label={`Final ${k.key}`} value={values[k.key] === undefined ? '' : String(values[k.key])} onChange={(e) => setValues({ ...values, [k.key]: choices(k).find((c) => String(c.value) === e.target.value)?.value ?? e.target.value })}>
                <option value="">choose</option>
                {choices(k).map((c) => (
                  <option key={String(c.value)} value={String(c.value)}>
                    {c.label}
                  </option>
                ))}
              </select>
            </label>
          ))}
          <input aria-label="Adjudication comment" placeholder="why" value={comment} onChange={(e) => setComment(e.target.value)} />
          <button type="button" className="button" onClick={() => void save()}>
            Settle
          </button>
        </div>
      )}
      {error && <ErrorNote error={error} />}
    </div>
  );
}
