/**
 * /queues: the project's annotation queues with their progress, a way into reviewing each
 * one, and (for owners and admins) a new queue.
 */
import { Link } from 'react-router';
import type { QueueOut } from '../../../../schema/wire/review.ts';
import { useApi } from '../../api/use-api.ts';
import { useSession } from '../../api/session.tsx';
import { isManagerRole } from '../../../../schema/roles.ts';
import { ProgressBar } from '../../components/review/LivePresence.tsx';
import { ErrorNote } from '../../components/ErrorNote.tsx';

const ROLE_TEXT = { reviewer: 'reviewers', domain_expert: 'domain experts', both: 'reviewers and domain experts' } as const;

export function QueuesPage() {
  const { project } = useSession();
  const { data, error } = useApi<{ queues: QueueOut[] }>('/v1/review-queues');
  const manager = isManagerRole(project?.org.role);
  return (
    <div className="page queues-page">
      <div className="page-head">
        <h1>Annotation queues</h1>
        {manager && (
          <Link to="/queues/new" className="button primary">
            New queue
          </Link>
        )}
      </div>
      {error && <ErrorNote error={error} />}
      {data && data.queues.length === 0 && (
        <p className="empty">No queues yet.{manager ? ' Create one, then route traces into it with rules, from a trace, or from a filter on the traces page.' : ' An owner or admin creates them.'}</p>
      )}
      <ul className="queue-list">
        {data?.queues.map((q) => (
          <li key={q.id} className="card queue-card" data-queue={q.name}>
            <div className="queue-card-head">
              <Link to={`/queues/${encodeURIComponent(q.id)}`}>
                <h2>{q.name}</h2>
              </Link>
              <span className="muted small">
                {q.rubric.length} question{q.rubric.length === 1 ? '' : 's'} · {q.reviewers_per_item} reviewer{q.reviewers_per_item === 1 ? '' : 's'} per item · for {ROLE_TEXT[q.review_role]}
              </span>
              <Link to={`/queues/${encodeURIComponent(q.id)}/review`} className="button primary start-review">
                Review
              </Link>
            </div>
            {q.progress && <ProgressBar progress={q.progress} />}
          </li>
        ))}
      </ul>
    </div>
  );
}
