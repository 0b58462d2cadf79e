/**
 * /judge-traces/:id: one LLM judge call as recorded in the organisation's system project
 * (GET /v1/judge-traces/{id}): the evaluator and version, the trace it scored, the exact
 * messages sent, the answer schema, the raw answer, tokens, cost and the resulting score
 * or error. Linked from scores on traces, evaluator scores and run logs.
 */
import { useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { TraceTree } from '../../../../schema/wire/trace.ts';
import { ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { JsonView } from '../../components/JsonView.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Messages, TextBlock } from '../../components/span/Payload.tsx';
import { RawAnswer } from '../../components/evals/JudgeExchange.tsx';
import { EvaluatorLink, ScoreValue } from '../../components/evals/common.tsx';
import { toConversation } from '../../../../schema/payload/messages.ts';
import { formatCost, formatDuration, formatTime, formatTokens } from '../../lib/format.ts';

/** Times a missing judge call is asked for again, 2 s apart. */
const RETRIES = 10;

const str = (v: unknown) => (typeof v === 'string' ? v : null);

export function JudgeTracePage() {
  const { id = '' } = useParams();
  const { data, error, reload } = useApi<TraceTree>(`/v1/judge-traces/${encodeURIComponent(id)}`);
  // A judge call is indexed a moment after its score is written: a fresh link may 404 at
  // first, so keep asking for a while before saying it is not there.
  const notFound = error instanceof ApiError && error.status === 404;
  const [waited, setWaited] = useState(0);
  useEffect(() => {
    if (!notFound || waited >= RETRIES) return;
    const timer = setTimeout(() => {
      setWaited((n) => n + 1);
      reload();
    }, 2000);
    return () => clearTimeout(timer);
  }, [notFound, waited, reload]);
  const root = data?.spans.find((s) => s.parent_id === null);
  const llm = data?.spans.find((s) => s.kind === 'llm');
  const input = (llm?.input ?? {}) as { messages?: unknown; response_schema?: unknown };
  const conversation = useMemo(() => toConversation({ messages: input.messages }), [input.messages]);

  if (notFound && waited < RETRIES) return <div className="page muted">Loading judge call… (it is recorded a moment after the score)</div>;
  if (error) {
    return (
      <div className="page narrow-page">
        {notFound ? (
          <div className="not-found" role="alert">
            <h1>Judge call not found</h1>
            <p>
              There is no judge call <code>{id}</code> for this project. Judge calls are recorded shortly after the score; each is readable only from the project it scored.
            </p>
          </div>
        ) : (
          <ErrorNote error={error} />
        )}
      </div>
    );
  }
  if (!data || !root) return <div className="page muted">Loading judge call…</div>;
  const m = root.metadata;
  const out = (root.output ?? {}) as { score?: number | null; value?: unknown; comment?: string; error_code?: string; error?: string };
  const sourceTrace = str(m.source_trace_id);
  const sourceSpan = str(m.source_span_id);
  const ruleId = str(m.rule_id);
  const answer = llm?.output && typeof llm.output === 'object' ? str((llm.output as { content?: unknown }).content) : null;

  return (
    <div className="page narrow-page judge-trace-page">
      {sourceTrace && (
        <p>
          <Link to={`/traces/${encodeURIComponent(sourceTrace)}${sourceSpan ? `?span=${encodeURIComponent(sourceSpan)}` : ''}`}>← The scored trace</Link>
        </p>
      )}
      <header className="page-head">
        <h1>Judge call</h1>
        <StatusBadge status={root.status} ended />
      </header>
      <dl className="facts">
        <div>
          <dt>Evaluator</dt>
          <dd>{str(m.evaluator_id) ? <EvaluatorLink id={str(m.evaluator_id)!} version={typeof m.evaluator_version === 'number' ? m.evaluator_version : null} name={root.name?.replace(/^judge /, '').replace(/ v\d+$/, '')} /> : root.name}</dd>
        </div>
        {sourceTrace && (
          <div>
            <dt>Scored</dt>
            <dd>
              <Link to={`/traces/${encodeURIComponent(sourceTrace)}`} className="mono">
                {sourceTrace}
              </Link>
              {sourceSpan && <span className="mono"> · {sourceSpan}</span>}
            </dd>
          </div>
        )}
        {ruleId && (
          <div>
            <dt>Rule</dt>
            <dd>
              <Link to={`/rules/${encodeURIComponent(ruleId)}${str(m.run_id) ? `/runs/${encodeURIComponent(str(m.run_id)!)}` : ''}`}>{str(m.run_id) === 'online' ? 'online run' : 'backfill run'}</Link>
            </dd>
          </div>
        )}
        <div>
          <dt>When</dt>
          <dd>{formatTime(root.start_time)}</dd>
        </div>
        {llm && (
          <>
            <div>
              <dt>Model</dt>
              <dd>
                <code>{llm.model}</code> {str(llm.metadata.provider) && <span className="muted small">via {str(llm.metadata.provider)}</span>}
              </dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd>
                {formatTokens(llm.usage.input_tokens)} in · {formatTokens(llm.usage.output_tokens)} out
              </dd>
            </div>
            <div>
              <dt>Cost · latency</dt>
              <dd>
                {formatCost(llm.usage.cost_usd)} · {formatDuration(llm.latency_ms)}
              </dd>
            </div>
          </>
        )}
      </dl>
      <section className="card" aria-label="Result">
        <h2>Result</h2>
        {out.error_code ? (
          <p className="error-text" role="alert">
            <strong>{out.error_code}</strong>: {out.error}
          </p>
        ) : (
          <>
            <p>
              <span className="muted">{str(m.feedback_key) ?? 'score'}</span> <ScoreValue score={out.score ?? null} value={out.value} />
            </p>
            {out.comment && <TextBlock text={out.comment} />}
          </>
        )}
      </section>
      <section className="card" aria-label="Sent to the judge">
        <h2>Sent to the judge</h2>
        {conversation ? <Messages messages={conversation} /> : <JsonView value={input.messages ?? null} />}
        {input.response_schema !== undefined && (
          <details>
            <summary>Answer schema (structured output)</summary>
            <JsonView value={input.response_schema} openDepth={4} />
          </details>
        )}
      </section>
      <section className="card" aria-label="Judge answer">
        <h2>Answer</h2>
        <RawAnswer raw={answer} />
      </section>
    </div>
  );
}
