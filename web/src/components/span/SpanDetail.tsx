/**
 * Everything about one span: what it is (kind, model, status), what it cost (tokens,
 * cost, latency), its input and output rendered for people, error, metadata, and its
 * feedback with a form to add more.
 */
import { useEffect, type ReactNode } from 'react';
import type { SpanOut } from '../../../../schema/wire/span.ts';
import type { FeedbackOut } from '../../../../schema/wire/feedback.ts';
import { formatCost, formatDuration, formatTime, formatTokens } from '../../lib/format.ts';
import { JsonView } from '../JsonView.tsx';
import { ErrorNote } from '../ErrorNote.tsx';
import { StatusBadge } from '../StatusBadge.tsx';
import { Payload, TextBlock, ToolValue } from './Payload.tsx';
import { FeedbackList } from './FeedbackList.tsx';
import { FeedbackForm, feedbackId } from '../FeedbackForm.tsx';
import { useSession } from '../../api/session.tsx';
import { useSpanPayload } from '../../api/span-payloads.ts';

interface Props {
  span: SpanOut;
  feedback: FeedbackOut[];
  isRoot: boolean;
  onFeedbackSaved(): void;
  /** Offer the free feedback form (off on the review screen, where the rubric is the form). */
  feedbackForm?: boolean;
}

export function SpanDetail({ span: shell, feedback, isRoot, onFeedbackSaved, feedbackForm = true }: Props) {
  const { session } = useSession();
  // The tree carries previews; the full input and output arrive here.
  const full = useSpanPayload(shell.trace_id, shell.id);
  const span = full.span ?? shell;
  const loading = !full.span && !full.error;
  useEffect(() => {
    if (full.span) performance.mark('loupe:span-payload-rendered');
  }, [full.span]);
  // Feedback on the root span shows together with feedback on the whole trace.
  const mine = feedback.filter((f) => f.span_id === span.id || (isRoot && f.span_id === null));
  const myThumbs = session ? feedback.find((f) => f.id === feedbackId(session.user.id, 'thumbs', span.trace_id, isRoot ? null : span.id))?.score : undefined;
  const u = span.usage;
  const facts: [string, ReactNode][] = [
    ['Latency', formatDuration(span.latency_ms)],
    ['Start', formatTime(span.start_time)],
  ];
  if (span.model) facts.push(['Model', <code key="m">{span.model}</code>]);
  if (u.total_tokens != null || u.input_tokens != null) facts.push(['Tokens', `${formatTokens(u.input_tokens)} in · ${formatTokens(u.output_tokens)} out · ${formatTokens(u.total_tokens)} total`]);
  if (u.cost_usd != null) facts.push(['Cost', formatCost(u.cost_usd)]);
  if (span.environment) facts.push(['Env', span.environment]);
  if (span.release) facts.push(['Release', span.release]);
  if (span.session_id) facts.push(['Session', <code key="s">{span.session_id}</code>]);
  if (span.user_id) facts.push(['User', <code key="u">{span.user_id}</code>]);
  if (span.tags.length) facts.push(['Tags', span.tags.map((t) => <span key={t} className="tag">{t}</span>)]);

  const isTool = span.kind === 'tool';
  return (
    <article className="span-detail" aria-label={`Span ${span.name ?? span.id}`}>
      <header className="span-detail-head">
        <span className={`kind kind-${span.kind}`}>{span.kind}</span>
        <h2 className="span-title">{span.name ?? span.id}</h2>
        <StatusBadge status={span.status} ended={span.end_time !== null} />
      </header>
      <div className="muted small mono">{span.id}</div>
      <dl className="facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {span.error && (
        <section className="span-error" aria-label="Error">
          <h3>Error</h3>
          <TextBlock text={span.error} />
        </section>
      )}
      {full.error && <ErrorNote error={full.error} />}
      {loading ? (
        <Previews span={shell} />
      ) : isTool ? (
        <>
          {span.input !== undefined && (
            <section className="payload tool-payload" aria-label="Arguments">
              <header className="payload-head">
                <h3>Arguments</h3>
              </header>
              <ToolValue value={span.input} />
            </section>
          )}
          {span.output !== undefined && (
            <section className="payload tool-payload" aria-label="Result">
              <header className="payload-head">
                <h3>Result</h3>
              </header>
              <ToolValue value={span.output} />
            </section>
          )}
        </>
      ) : (
        <>
          <Payload title="Input" value={span.input} kind={span.kind} />
          <Payload title="Output" value={span.output} kind={span.kind} />
        </>
      )}
      {Object.keys(span.metadata).length > 0 && (
        <section className="payload" aria-label="Metadata">
          <header className="payload-head">
            <h3>Metadata</h3>
          </header>
          <JsonView value={span.metadata} openDepth={1} />
        </section>
      )}
      <section className="payload" aria-label="Feedback">
        <header className="payload-head">
          <h3>Feedback</h3>
        </header>
        <FeedbackList feedback={mine} />
        {feedbackForm && <FeedbackForm traceId={span.trace_id} spanId={isRoot ? null : span.id} currentThumbs={myThumbs} onSaved={onFeedbackSaved} />}
      </section>
    </article>
  );
}

/** While the payloads load: the one-line previews from the index. */
function Previews({ span }: { span: SpanOut }) {
  return (
    <section className="payload loading-payload" aria-busy="true" aria-label="Loading input and output">
      {span.input_preview && (
        <p className="muted">
          <strong>Input</strong> {span.input_preview}
        </p>
      )}
      {span.output_preview && (
        <p className="muted">
          <strong>Output</strong> {span.output_preview}
        </p>
      )}
      <p className="muted small">Loading…</p>
    </section>
  );
}
