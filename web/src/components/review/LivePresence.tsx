/** A queue's progress bar and its reviewers (who has it open, who holds what, how many done). */
import type { QueueProgress, ReviewerProgress } from '../../../../schema/wire/review.ts';

export function ProgressBar({ progress }: { progress: QueueProgress }) {
  const total = Math.max(1, progress.items);
  const part = (n: number, cls: string, label: string) => (n ? <span className={`progress-part ${cls}`} style={{ width: `${(n / total) * 100}%` }} title={`${n} ${label}`} /> : null);
  return (
    <div className="queue-progress" aria-label={`${progress.complete} of ${progress.items} complete`}>
      <div className="progress-track">
        {part(progress.complete, 'done', 'complete')}
        {part(progress.conflict, 'conflict', 'in conflict')}
        {part(progress.escalated, 'escalated', 'escalated')}
        {part(progress.in_progress, 'busy', 'being reviewed')}
      </div>
      <span className="muted small progress-text" data-testid="progress-text">
        {progress.complete}/{progress.items} complete · {progress.in_progress} in progress · {progress.pending - progress.in_progress} waiting
        {progress.conflict ? ` · ${progress.conflict} in conflict` : ''}
        {progress.escalated ? ` · ${progress.escalated} escalated` : ''}
      </span>
    </div>
  );
}

export function ReviewerList({ reviewers, compact = false }: { reviewers: ReviewerProgress[]; compact?: boolean }) {
  if (!reviewers.length) return <p className="muted small">Nobody has reviewed here yet.</p>;
  if (compact) {
    const live = reviewers.filter((r) => r.connected || r.holding);
    return (
      <span className="presence" aria-label="Reviewing now">
        {live.map((r) => (
          <span key={r.user_id} className={`presence-dot${r.holding ? ' busy' : ''}`} title={`${r.email ?? r.user_id}${r.holding ? ` · reviewing ${r.holding}` : ' · has the queue open'}`}>
            {(r.email ?? r.user_id).slice(0, 2).toUpperCase()}
          </span>
        ))}
      </span>
    );
  }
  return (
    <table className="plain reviewer-table">
      <thead>
        <tr>
          <th>Reviewer</th>
          <th className="num">Reviewed</th>
          <th className="num">Skipped</th>
          <th>Now</th>
        </tr>
      </thead>
      <tbody>
        {reviewers.map((r) => (
          <tr key={r.user_id} data-reviewer={r.email ?? r.user_id}>
            <td>
              <span className={`live-dot${r.connected ? ' on' : ''}`} title={r.connected ? 'has the queue open' : 'not connected'} /> {r.email ?? r.user_id}
            </td>
            <td className="num">{r.submitted}</td>
            <td className="num">{r.skipped}</td>
            <td className="muted small">{r.holding ? <code>{r.holding}</code> : r.connected ? 'idle' : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
