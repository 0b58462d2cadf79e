/**
 * /queues/:queueId/review: the keyboard-first review screen. The next item opens with its
 * whole trajectory (the trace page's tree, timeline and span view) beside the rubric;
 * digits answer the highlighted question, Enter submits and the next item loads in place
 * (no page load), `s` skips, `e` edits the correction, `c` comments, `x` escalates, `?`
 * shows the shortcuts. Each review carries an idempotency key made when the item opened,
 * so a submit retried after a network error is stored once. Who else is reviewing and the
 * queue's progress arrive live over the queue's websocket.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { ItemOut, NextOut, QueueOut } from '../../../../schema/wire/review.ts';
import type { TraceTree } from '../../../../schema/wire/trace.ts';
import { api, ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useQueueLive } from '../../api/queue-live.ts';
import { loadSpan } from '../../api/span-payloads.ts';
import { TraceView } from '../../components/trace/TraceView.tsx';
import { RubricForm } from '../../components/review/RubricForm.tsx';
import { ProgressBar, ReviewerList } from '../../components/review/LivePresence.tsx';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { Markdown } from '../../components/Markdown.tsx';
import { digitValue, missingRequired, SHORTCUTS, type Answer } from '../../lib/review-keys.ts';

type Phase = 'loading' | 'reviewing' | 'empty';

/** Sends a request, retrying network failures (not API answers) a few times. */
async function withRetry<T>(fn: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ApiError || i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 300 * i));
    }
  }
}

export function ReviewPage() {
  const { queueId = '' } = useParams();
  const queueLoad = useApi<QueueOut>(`/v1/review-queues/${encodeURIComponent(queueId)}`);
  const queues = useApi<{ queues: QueueOut[] }>('/v1/review-queues');
  const queue = queueLoad.data;
  const live = useQueueLive(queueId);

  const [phase, setPhase] = useState<Phase>('loading');
  const [item, setItem] = useState<ItemOut | null>(null);
  const [trace, setTrace] = useState<TraceTree | null>(null);
  const [values, setValues] = useState<Record<string, Answer | undefined>>({});
  const [active, setActive] = useState(0);
  const [correction, setCorrection] = useState('');
  const [comment, setComment] = useState('');
  const [showHelp, setShowHelp] = useState(false);
  const [escalating, setEscalating] = useState(false);
  const [target, setTarget] = useState('');
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [reviewed, setReviewed] = useState(0);
  const idempotencyKey = useRef('');
  const correctionRef = useRef<HTMLTextAreaElement>(null);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);

  const experts = useMemo(() => (queues.data?.queues ?? []).filter((q) => q.id !== queueId && q.review_role !== 'reviewer'), [queues.data, queueId]);

  const open = useCallback(
    async (next: ItemOut | null) => {
      setItem(next);
      setValues({});
      setActive(0);
      setCorrection('');
      setComment('');
      setMissing([]);
      setEscalating(false);
      setNote('');
      setTrace(null);
      idempotencyKey.current = crypto.randomUUID();
      if (!next) return setPhase('empty');
      setPhase('reviewing');
      const tree = await withRetry(() => api<TraceTree>(`/v1/review-queues/${encodeURIComponent(queueId)}/items/${encodeURIComponent(next.trace_id)}/trace`));
      setTrace(tree);
      performance.mark('loupe:review-item-rendered');
    },
    [queueId],
  );

  const claimNext = useCallback(async () => {
    setError(null);
    try {
      const res = await withRetry(() => api<NextOut>(`/v1/review-queues/${encodeURIComponent(queueId)}/next`, { method: 'POST' }));
      await open(res.item);
    } catch (err) {
      setError(err as Error);
      setPhase('empty');
    }
  }, [queueId, open]);

  useEffect(() => {
    void claimNext();
  }, [claimNext]);

  const say = (text: string) => {
    setFlash(text);
    setTimeout(() => setFlash((f) => (f === text ? null : f)), 2500);
  };

  const submit = useCallback(async () => {
    if (!queue || !item || busy) return;
    const gaps = missingRequired(queue.rubric, values);
    setMissing(gaps);
    if (gaps.length) {
      setActive(queue.rubric.findIndex((k) => k.key === gaps[0]));
      setError(new Error(`Answer ${gaps.join(', ')} first`));
      return;
    }
    const body: Record<string, unknown> = { idempotency_key: idempotencyKey.current, values: Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) };
    if (queue.correction && correction.trim()) {
      try {
        body.correction = JSON.parse(correction);
      } catch {
        body.correction = correction;
      }
    }
    if (comment.trim()) body.comment = comment.trim();
    setBusy(true);
    setError(null);
    try {
      await withRetry(() => api(`/v1/review-queues/${encodeURIComponent(queueId)}/items/${encodeURIComponent(item.trace_id)}/review`, { body }));
      setReviewed((n) => n + 1);
      say('Saved');
      await claimNext();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }, [queue, item, busy, values, correction, comment, queueId, claimNext]);

  const skip = useCallback(async () => {
    if (!item || busy) return;
    setBusy(true);
    try {
      await withRetry(() => api(`/v1/review-queues/${encodeURIComponent(queueId)}/items/${encodeURIComponent(item.trace_id)}/skip`, { method: 'POST' }));
      say('Skipped');
      await claimNext();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }, [item, busy, queueId, claimNext]);

  const escalate = useCallback(async () => {
    if (!item || !target || !note.trim()) return setError(new Error('Pick a queue and write a note for the expert'));
    setBusy(true);
    try {
      await api(`/v1/review-queues/${encodeURIComponent(queueId)}/items/${encodeURIComponent(item.trace_id)}/escalate`, { body: { target_queue_id: target, note: note.trim() } });
      say('Escalated');
      await claimNext();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }, [item, target, note, queueId, claimNext]);

  const editCorrection = useCallback(async () => {
    if (!queue?.correction) return say('This queue does not ask for a correction');
    correctionRef.current?.focus();
    // Start from the agent's own answer, so fixing it is a small edit.
    if (!correction && trace?.trace.root_span_id) {
      const root = await loadSpan(trace.trace.id, trace.trace.root_span_id).catch(() => null);
      const out = root?.output;
      // Only into an empty box: whatever the reviewer typed meanwhile wins.
      if (out !== undefined && out !== null) setCorrection((c) => c || (typeof out === 'string' ? out : JSON.stringify(out, null, 2)));
    }
  }, [queue, correction, trace]);

  // The keyboard: everything without leaving the home row.
  useEffect(() => {
    if (!queue) return;
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      const typing = !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
      if (typing) {
        if (e.key === 'Escape') {
          el!.blur();
          e.preventDefault();
        } else if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
          e.preventDefault();
          void submit();
        }
        return;
      }
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      // Enter on a focused button or link is that control's own click.
      if (e.key === 'Enter' && el && /^(BUTTON|A|SUMMARY)$/.test(el.tagName)) return;
      if (e.key === '?') {
        setShowHelp((s) => !s);
      } else if (e.key === 'Escape') {
        setShowHelp(false);
        setEscalating(false);
      } else if (phase !== 'reviewing') {
        return;
      } else if (/^[0-9]$/.test(e.key)) {
        const key = queue.rubric[active];
        const v = key ? digitValue(key, Number(e.key)) : undefined;
        if (v === undefined) return;
        setValues((cur) => ({ ...cur, [key.key]: v }));
        setMissing((m) => m.filter((k) => k !== key.key));
        setActive((a) => Math.min(queue.rubric.length - 1, a + 1));
      } else if (e.key === 'Tab') {
        setActive((a) => (a + (e.shiftKey ? -1 : 1) + queue.rubric.length) % queue.rubric.length);
      } else if (e.key === 'Enter') {
        void submit();
      } else if (e.key === 's') {
        void skip();
      } else if (e.key === 'e') {
        void editCorrection();
      } else if (e.key === 'c') {
        commentRef.current?.focus();
      } else if (e.key === 'x') {
        setEscalating(true);
        setTimeout(() => noteRef.current?.focus(), 0);
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [queue, active, phase, submit, skip, editCorrection]);

  if (queueLoad.error) return <div className="page"><ErrorNote error={queueLoad.error} /></div>;
  if (!queue) return <div className="page muted">Loading queue…</div>;
  const progress = live.state?.progress ?? queue.progress;

  return (
    <div className="page review-page">
      <header className="review-head">
        <Link to={`/queues/${encodeURIComponent(queue.id)}`} className="back">
          ← {queue.name}
        </Link>
        {progress && <ProgressBar progress={progress} />}
        {live.state && <ReviewerList reviewers={live.state.reviewers} compact />}
        <span className="muted small">{reviewed ? `${reviewed} reviewed this session` : ''}</span>
        <button type="button" className="button subtle" onClick={() => setShowHelp((s) => !s)} aria-label="Keyboard shortcuts">
          <kbd>?</kbd>
        </button>
      </header>
      {flash && (
        <div className="ok-note review-flash" role="status">
          {flash}
        </div>
      )}
      {error && <ErrorNote error={error} />}
      {showHelp && (
        <div className="shortcuts card" role="dialog" aria-label="Shortcuts">
          <h2>Keyboard</h2>
          <dl>
            {SHORTCUTS.map(([k, what]) => (
              <div key={k}>
                <dt>
                  <kbd>{k}</kbd>
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
        </div>
      )}
      {phase === 'loading' && <p className="muted">Finding the next item…</p>}
      {phase === 'empty' && (
        <div className="card queue-empty" role="status">
          <h2>Nothing left for you in this queue</h2>
          <p className="muted">Every item is reviewed, held by someone else, or one you skipped. New traces arrive as routing rules match them.</p>
          <button type="button" className="button" onClick={() => void claimNext()}>
            Check again
          </button>
        </div>
      )}
      {phase === 'reviewing' && item && (
        <div className="review-split">
          <section className="review-trajectory" aria-label="Trajectory">
            <div className="muted small review-item-facts">
              <Link to={`/traces/${encodeURIComponent(item.trace_id)}`} className="mono" data-testid="review-trace-id">
                {item.trace_id}
              </Link>
              {item.reviews_needed > 1 && <span>{` · review ${item.reviews_done + 1} of ${item.reviews_needed}`}</span>}
              {item.lease_expires_at && <span> · yours until {new Date(item.lease_expires_at).toLocaleTimeString()}</span>}
            </div>
            {item.note && (
              <p className="notice">
                <strong>Note{item.escalated_from ? ' (escalated)' : ''}:</strong> {item.note}
              </p>
            )}
            {trace ? <TraceView trace={trace} feedbackForm={false} /> : <p className="muted">Loading the trajectory…</p>}
          </section>
          <aside className="review-panel" aria-label="Review">
            {queue.instructions && (
              <details className="instructions" open>
                <summary>Instructions</summary>
                <Markdown text={queue.instructions} />
              </details>
            )}
            <RubricForm
              rubric={queue.rubric}
              values={values}
              active={active}
              missing={missing}
              onActivate={setActive}
              onChange={(key, v) => {
                setValues((cur) => ({ ...cur, [key]: v }));
                setMissing((m) => m.filter((k) => k !== key));
              }}
            />
            {queue.correction && (
              <label className="block">
                Correction <kbd>e</kbd> <span className="muted small">(the output it should have given; JSON or text)</span>
                <textarea ref={correctionRef} aria-label="Correction" rows={4} value={correction} onChange={(e) => setCorrection(e.target.value)} />
              </label>
            )}
            <label className="block">
              Comment <kbd>c</kbd>
              <textarea ref={commentRef} aria-label="Comment" rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
            </label>
            {escalating && (
              <div className="escalate card">
                <label className="block">
                  Escalate to
                  <select aria-label="Escalate to" value={target} onChange={(e) => setTarget(e.target.value)}>
                    <option value="">choose a domain-expert queue</option>
                    {experts.map((q) => (
                      <option key={q.id} value={q.id}>
                        {q.name}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="block">
                  Note for the expert
                  <textarea ref={noteRef} aria-label="Escalation note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
                </label>
                <button type="button" className="button" disabled={busy} onClick={() => void escalate()}>
                  Escalate
                </button>
              </div>
            )}
            <div className="form-actions">
              <button type="button" className="button primary" disabled={busy} onClick={() => void submit()}>
                Submit <kbd>Enter</kbd>
              </button>
              <button type="button" className="button" disabled={busy} onClick={() => void skip()}>
                Skip <kbd>s</kbd>
              </button>
              {experts.length > 0 && (
                <button type="button" className="button subtle" disabled={busy} onClick={() => setEscalating((s) => !s)}>
                  Escalate <kbd>x</kbd>
                </button>
              )}
            </div>
          </aside>
        </div>
      )}
    </div>
  );
}
