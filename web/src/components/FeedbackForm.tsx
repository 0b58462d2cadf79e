/**
 * Human feedback on a trace or one of its spans: thumbs up/down, a score, a comment and a
 * correction, posted to POST /v1/feedback as source `human` with the reviewer's email as
 * author. Thumbs, score and correction use one id per person and target, so changing your
 * mind updates your row instead of adding one; each comment is its own row.
 */
import { useState, type FormEvent } from 'react';
import type { FeedbackIn } from '../../../schema/wire/feedback.ts';
import { api, ApiError } from '../api/client.ts';
import { useSession } from '../api/session.tsx';

interface Props {
  traceId: string;
  spanId: string | null;
  /** The user's current thumbs on this target (1, 0) if any. */
  currentThumbs?: number | null;
  onSaved(): void;
}

/** A stable feedback id for one person's `key` on one target. */
export function feedbackId(userId: string, key: string, traceId: string, spanId: string | null): string {
  return `ui:${key}:${userId}:${traceId}:${spanId ?? ''}`.slice(0, 128);
}

export function FeedbackForm({ traceId, spanId, currentThumbs, onSaved }: Props) {
  const { session } = useSession();
  const [scoreKey, setScoreKey] = useState('score');
  const [score, setScore] = useState('');
  const [comment, setComment] = useState('');
  const [correction, setCorrection] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  if (!session) return null;
  const userId = session.user.id;
  const base = { trace_id: traceId, span_id: spanId, source: 'human' as const, author: session.user.email };

  const send = async (items: FeedbackIn[], done: string) => {
    setBusy(true);
    setMessage(null);
    try {
      for (const item of items) await api('/v1/feedback', { body: item });
      setMessage({ ok: true, text: done });
      onSaved();
      return true;
    } catch (err) {
      setMessage({ ok: false, text: err instanceof ApiError && err.path ? `${err.path}: ${err.message}` : (err as Error).message });
      return false;
    } finally {
      setBusy(false);
    }
  };

  const thumbs = (value: 0 | 1) => send([{ ...base, id: feedbackId(userId, 'thumbs', traceId, spanId), key: 'thumbs', score: value }], value ? 'Thumbs up saved' : 'Thumbs down saved');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const items: FeedbackIn[] = [];
    if (score.trim() !== '') {
      const n = Number(score);
      if (!Number.isFinite(n)) return setMessage({ ok: false, text: 'score: must be a number' });
      items.push({ ...base, id: feedbackId(userId, scoreKey, traceId, spanId), key: scoreKey, score: n });
    }
    if (correction.trim()) {
      let value: unknown = correction;
      try {
        value = JSON.parse(correction);
      } catch {
        // plain text corrections are kept as text
      }
      items.push({ ...base, id: feedbackId(userId, 'correction', traceId, spanId), key: 'correction', correction: value, comment: comment.trim() || null });
    } else if (comment.trim()) {
      items.push({ ...base, id: `ui:comment:${crypto.randomUUID()}`, key: 'comment', comment: comment.trim() });
    }
    if (!items.length) return setMessage({ ok: false, text: 'Give a score, a comment or a correction' });
    if (await send(items, 'Feedback saved')) {
      setScore('');
      setComment('');
      setCorrection('');
    }
  };

  return (
    <form className="feedback-form" onSubmit={submit} aria-label={spanId ? 'Feedback on this span' : 'Feedback on this trace'}>
      <div className="thumbs">
        <button type="button" className={`button thumb${currentThumbs === 1 ? ' chosen' : ''}`} disabled={busy} onClick={() => thumbs(1)} aria-label="Thumbs up" aria-pressed={currentThumbs === 1}>
          👍
        </button>
        <button type="button" className={`button thumb${currentThumbs === 0 ? ' chosen' : ''}`} disabled={busy} onClick={() => thumbs(0)} aria-label="Thumbs down" aria-pressed={currentThumbs === 0}>
          👎
        </button>
        <span className="muted small">{spanId ? 'on this span' : 'on the whole trace'}</span>
      </div>
      <div className="score-row">
        <label>
          Key{' '}
          <input value={scoreKey} onChange={(e) => setScoreKey(e.target.value)} aria-label="Score key" pattern="[A-Za-z0-9_.:\-]+" size={10} />
        </label>
        <label>
          Score <input value={score} onChange={(e) => setScore(e.target.value)} aria-label="Score" inputMode="decimal" placeholder="0..1" size={6} />
        </label>
      </div>
      <label className="block">
        Comment
        <textarea value={comment} onChange={(e) => setComment(e.target.value)} aria-label="Comment" rows={2} />
      </label>
      <label className="block">
        Correction <span className="muted small">(the output it should have given; JSON or text)</span>
        <textarea value={correction} onChange={(e) => setCorrection(e.target.value)} aria-label="Correction" rows={3} />
      </label>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy}>
          Save feedback
        </button>
        {message && (
          <span className={message.ok ? 'ok-note' : 'error-text'} role="status">
            {message.text}
          </span>
        )}
      </div>
    </form>
  );
}
