/** Feedback rows: key, score or value, comment, correction, who and when. */
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
              {f.evaluator_id ? ` ${f.evaluator_id}${f.evaluator_version != null ? ` v${f.evaluator_version}` : ''}` : ''}
              {f.author ? ` · ${f.author}` : ''} · <span title={formatTime(f.updated_at)}>{formatAgo(f.updated_at)}</span>
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
