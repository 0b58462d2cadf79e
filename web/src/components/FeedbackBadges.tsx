/** A trace's feedback summary as small badges: key and average score (count when several). */
import { formatScore } from '../lib/format.ts';

type Summary = Record<string, { avg: number | null; count: number }>;

/** Badge tone for a score: 0..1 scores read as bad/good, others neutral. */
function tone(avg: number | null): string {
  if (avg == null) return 'neutral';
  if (avg >= 0 && avg <= 1) return avg >= 0.75 ? 'good' : avg <= 0.25 ? 'bad' : 'mixed';
  return 'neutral';
}

export function FeedbackBadges({ feedback }: { feedback: Summary }) {
  const keys = Object.keys(feedback).sort();
  if (!keys.length) return <span className="muted">—</span>;
  return (
    <span className="feedback-badges">
      {keys.map((key) => {
        const { avg, count } = feedback[key];
        const label = key === 'thumbs' && avg != null && count === 1 ? (avg >= 1 ? '👍' : '👎') : formatScore(avg);
        return (
          <span key={key} className={`fb-badge ${tone(avg)}`} title={`${key}: average ${formatScore(avg)} over ${count}`} data-key={key}>
            <span className="fb-key">{key}</span> <span className="fb-value">{label}</span>
            {count > 1 && <span className="fb-count">×{count}</span>}
          </span>
        );
      })}
    </span>
  );
}
