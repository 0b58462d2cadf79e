/**
 * /threads/:threadId: one conversation turn by turn (each turn is a trace and opens it),
 * with the thread's figures, the feedback on its turns and what thread evaluators said
 * about the whole thread.
 */
import { Link, useLocation, useParams } from 'react-router';
import type { ThreadDetail } from '../../../../schema/wire/threads.ts';
import { ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { FeedbackBadges } from '../../components/FeedbackBadges.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatCost, formatDuration, formatScore, formatTime, formatTokens } from '../../lib/format.ts';

function Stat({ label, value, bad }: { label: string; value: string; bad?: boolean }) {
  return (
    <div className={`stat${bad ? ' stat-bad' : ''}`}>
      <div className="stat-value">{value}</div>
      <div className="stat-label small muted">{label}</div>
    </div>
  );
}

export function ThreadPage() {
  const { threadId = '' } = useParams();
  const location = useLocation();
  const back = (location.state as { from?: string } | null)?.from ?? '/threads';
  const { data, error } = useApi<ThreadDetail>(`/v1/threads/${encodeURIComponent(threadId)}`);

  if (error) {
    const notFound = error instanceof ApiError && error.status === 404;
    return (
      <div className="page">
        <p>
          <Link to={back}>← Threads</Link>
        </p>
        {notFound ? (
          <div className="not-found" role="alert">
            <h1>Thread not found</h1>
            <p>
              No trace in this project has the session id <code>{threadId}</code>.
            </p>
          </div>
        ) : (
          <ErrorNote error={error} />
        )}
      </div>
    );
  }
  if (!data) return <div className="page muted">Loading thread…</div>;

  const here = location.pathname + location.search;
  return (
    <div className="page thread-page">
      <header className="trace-head">
        <Link to={back} className="back">
          ← Threads
        </Link>
        <h1 className="trace-title">{data.name ?? data.thread_id}</h1>
        <div className="trace-facts muted small">
          <span className="mono">{data.thread_id}</span>
          {data.user_id && <span>user {data.user_id}</span>}
          <span>
            {formatTime(data.first_start)} → {formatTime(data.last_start)}
          </span>
          <Link to={`/traces?q=${encodeURIComponent(`session=${JSON.stringify(data.thread_id)}`)}`}>its traces</Link>
        </div>
      </header>
      <div className="experiment-stats thread-stats">
        <Stat label="Turns" value={String(data.trace_count)} />
        <Stat label="Duration" value={formatDuration(data.duration_ms)} />
        <Stat label="Tokens" value={formatTokens(data.total_tokens)} />
        <Stat label="Cost" value={formatCost(data.cost_usd)} />
        <Stat label="Turns with errors" value={String(data.error_count)} bad={data.error_count > 0} />
      </div>
      <section className="thread-feedback">
        <h2 className="small">Feedback on its turns</h2>
        <FeedbackBadges feedback={data.feedback} />
        {data.thread_feedback.length > 0 && (
          <ul className="thread-verdicts">
            {data.thread_feedback.map((f) => (
              <li key={f.id} className="card">
                <strong>{f.key}</strong> <span className="mono">{f.value != null && typeof f.value !== 'object' ? String(f.value) : formatScore(f.score)}</span>{' '}
                <span className="muted small">on the whole thread, as of turn {data.turns.findIndex((t) => t.trace_id === f.trace_id) + 1 || '?'}</span>
                {f.comment && <p className="small">{f.comment}</p>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <ol className="thread-turns" aria-label="Turns">
        {data.turns.map((t, i) => (
          <li key={t.trace_id} className={`thread-turn card${t.has_error ? ' errored' : ''}`} data-trace-id={t.trace_id}>
            <Link to={`/traces/${encodeURIComponent(t.trace_id)}`} state={{ from: here }} className="turn-link">
              <div className="turn-head small">
                <strong>Turn {i + 1}</strong>
                <span className="muted">{formatTime(t.start_time)}</span>
                <StatusBadge status={t.status} />
                <span className="muted">{formatDuration(t.duration_ms)}</span>
                <span className="muted hide-narrow">{formatTokens(t.total_tokens)} tokens</span>
                <span className="muted hide-narrow">{formatCost(t.cost_usd)}</span>
              </div>
              <div className="turn-msg turn-user">
                <span className="turn-role muted small">User</span>
                <span className="turn-text">{t.input_preview ?? <span className="muted">(no input)</span>}</span>
              </div>
              <div className="turn-msg turn-assistant">
                <span className="turn-role muted small">Assistant</span>
                <span className="turn-text">{t.output_preview ?? <span className="muted">(no output)</span>}</span>
              </div>
            </Link>
            {Object.keys(t.feedback).length > 0 && <FeedbackBadges feedback={t.feedback} />}
          </li>
        ))}
      </ol>
      {data.trace_count > data.turns.length && (
        <p className="muted small">
          Showing the first {data.turns.length} of {data.trace_count} turns; the rest are in <Link to={`/traces?q=${encodeURIComponent(`session=${JSON.stringify(data.thread_id)}`)}`}>its traces</Link>.
        </p>
      )}
    </div>
  );
}
