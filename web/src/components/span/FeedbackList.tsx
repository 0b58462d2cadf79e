/**
 * Feedback rows: key, score or value, comment, correction, who and when. A score from an
 * evaluator names the evaluator and version (linked to it) and links to the judge call.
 */
import { Link } from 'react-router';
import type { FeedbackOut } from '../../../../schema/wire/feedback.ts';
import { formatAgo, formatScore, formatTime } from '../../lib/format.ts';
import { JsonView } from '../JsonView.tsx';
import { TextBlock } from './Payload.tsx';

export function FeedbackList({ feedback }: { feedback: FeedbackOut[] }) {
  if (!feedback.length) return <p className="muted small">No feedback yet.</p>;
  return (
    <ul className="feedback-list">
      {feedback.map((f) => (
        <li key={f.id} className="feedback-item" data-key={f.key}>
          <div className="feedback-line">
            <strong>{f.key}</strong>
            {f.score != null && <span className="fb-value">{f.key === 'thumbs' ? (f.score >= 1 ? '👍' : '👎') : formatScore(f.score)}</span>}
            {f.value != null && <code>{typeof f.value === 'string' ? f.value : JSON.stringify(f.value)}</code>}
            <span className="muted small">
              {f.source}
              {f.evaluator_id ? <EvaluatorSource feedback={f} /> : f.author ? ` · ${f.author}` : ''} · <span title={formatTime(f.updated_at)}>{formatAgo(f.updated_at)}</span>
            </span>
          </div>
          {f.comment && <TextBlock text={f.comment} />}
          {f.correction != null && (
            <div className="correction">
              <span className="muted small">Correction</span>
              {typeof f.correction === 'string' ? <TextBlock text={f.correction} /> : <JsonView value={f.correction} openDepth={1} />}
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

/** "evaluator Relevance v2 · judge call": the evaluator's name from the score's metadata, linked. */
function EvaluatorSource({ feedback: f }: { feedback: FeedbackOut }) {
  const name = typeof f.metadata.evaluator_name === 'string' ? f.metadata.evaluator_name : f.evaluator_id!;
  const judge = typeof f.metadata.judge_trace_id === 'string' ? f.metadata.judge_trace_id : null;
  return (
    <span className="evaluator-source">
      {' '}
      <Link to={`/evaluators/${encodeURIComponent(f.evaluator_id!)}`} className="evaluator-name">
        {name}
      </Link>
      {f.evaluator_version != null && <span className="evaluator-version"> v{f.evaluator_version}</span>}
      {judge && (
        <>
          {' · '}
          <Link to={`/judge-traces/${encodeURIComponent(judge)}`} className="judge-link">
            judge call
          </Link>
        </>
      )}
    </span>
  );
}
