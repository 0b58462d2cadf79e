/**
 * What an LLM judge was sent and what it answered: the provider and model, the messages
 * (system prompt and the rendered user prompt with the trace's values in it), the raw
 * answer before validation, tokens and cost. Used by try-it and the judge trace page.
 */
import { useMemo } from 'react';
import { toConversation } from '../../../../schema/payload/messages.ts';
import type { JudgeExchange } from '../../../../schema/wire/runs.ts';
import { formatCost, formatTokens } from '../../lib/format.ts';
import { Messages, TextBlock } from '../span/Payload.tsx';
import { JsonView } from '../JsonView.tsx';

/** The raw answer: a JSON tree when it parses (structured output), else text. */
export function RawAnswer({ raw }: { raw: string | null }) {
  const parsed = useMemo(() => {
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return undefined;
    }
  }, [raw]);
  if (raw === null) return <p className="muted small">No answer (the call failed before the model answered).</p>;
  return parsed !== undefined && typeof parsed === 'object' ? <JsonView value={parsed} /> : <TextBlock text={raw} />;
}

export function JudgeExchangeView({ exchange }: { exchange: JudgeExchange }) {
  const conversation = useMemo(() => toConversation({ messages: exchange.messages }), [exchange.messages]);
  return (
    <div className="judge-exchange">
      <p className="muted small">
        {exchange.provider} · <code>{exchange.model}</code> · {formatTokens(exchange.usage.input_tokens)} in · {formatTokens(exchange.usage.output_tokens)} out · {formatCost(exchange.cost_usd)}
      </p>
      <section className="payload" aria-label="Sent to the judge">
        <header className="payload-head">
          <h3>Sent to the judge</h3>
        </header>
        {conversation ? <Messages messages={conversation} /> : <JsonView value={exchange.messages} />}
      </section>
      <section className="payload" aria-label="Judge answer">
        <header className="payload-head">
          <h3>Answer (before validation)</h3>
        </header>
        <RawAnswer raw={exchange.raw} />
      </section>
    </div>
  );
}
