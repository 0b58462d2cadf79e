/**
 * A saved evaluator version, read-only: what it scores and its settings in words (a code
 * check's parameters, a judge's prompt, variables and output contract, a webhook's URL).
 */
import type { EvaluatorOut } from '../../../../schema/wire/evaluators.ts';
import type { ProviderOut } from '../../../../schema/wire/providers.ts';
import { checkSpec } from '../../lib/check-fields.ts';
import { describeOutput, describeSource } from '../../lib/judge-draft.ts';
import { JsonView } from '../JsonView.tsx';
import { InlineCode } from '../InlineCode.tsx';

export function EvaluatorView({ evaluator: e, providers }: { evaluator: EvaluatorOut; providers?: ProviderOut[] }) {
  const c = e.config;
  return (
    <div className="evaluator-view">
      <dl className="facts">
        <div>
          <dt>Scores</dt>
          <dd>{e.target.type === 'trace' ? 'the whole trace' : <>each span matching <code>{e.target.filter}</code></>}</dd>
        </div>
        <div>
          <dt>Feedback key</dt>
          <dd>
            <code>{e.key}</code>
          </dd>
        </div>
        {e.template && (
          <div>
            <dt>Template</dt>
            <dd>{e.template}</dd>
          </div>
        )}
        {e.description && (
          <div>
            <dt>Description</dt>
            <dd>{e.description}</dd>
          </div>
        )}
      </dl>
      {c.type === 'code' && (
        <section className="payload" aria-label="Check">
          <h3>{checkSpec(c.check)?.label ?? c.check}</h3>
          <p className="muted small">
            <code>{c.check}</code>: <InlineCode text={checkSpec(c.check)?.description ?? ''} />. Scores 1 (pass) or 0 (fail).
          </p>
          <table className="plain params">
            <tbody>
              {Object.entries(c)
                .filter(([k]) => k !== 'type' && k !== 'check')
                .map(([k, v]) => (
                  <tr key={k}>
                    <th>{checkSpec(c.check)?.fields.find((f) => f.name === k)?.label ?? k}</th>
                    <td>{typeof v === 'object' && v !== null ? <JsonView value={v} openDepth={1} /> : <code>{String(v)}</code>}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
      )}
      {c.type === 'judge' && (
        <section className="payload" aria-label="Judge">
          <h3>LLM judge</h3>
          <p>
            Provider <strong>{providers?.find((p) => p.id === c.provider_id)?.name ?? <code>{c.provider_id}</code>}</strong> · model{' '}
            <code>{c.model ?? providers?.find((p) => p.id === c.provider_id)?.default_model ?? "the provider's default"}</code> · temperature {c.temperature} · answer ≤ {c.max_tokens} tokens · trajectory ≤{' '}
            {c.trajectory_max_tokens} tokens · timeout {c.timeout_ms / 1000} s
          </p>
          <p>
            <span className="muted">Answers:</span> {describeOutput(c.output)}; the reasoning is kept as the comment.
          </p>
          {c.prompt.system && (
            <>
              <h4>System prompt</h4>
              <pre className="prompt">{c.prompt.system}</pre>
            </>
          )}
          <h4>User prompt</h4>
          <pre className="prompt">{c.prompt.user}</pre>
          <h4>Variables</h4>
          <ul className="variables-explained">
            {Object.entries(c.variables).map(([name, source]) => (
              <li key={name}>
                <code>{`{{${name}}}`}</code> ← <code>{source}</code>: {describeSource(source).text}
              </li>
            ))}
          </ul>
        </section>
      )}
      {c.type === 'webhook' && (
        <section className="payload" aria-label="Webhook">
          <h3>Webhook</h3>
          <p>
            POST <code>{c.url}</code> · timeout {c.timeout_ms / 1000} s · signing secret {e.has_secret ? 'set (never shown)' : 'none'}
          </p>
          {c.headers && <JsonView value={c.headers} />}
        </section>
      )}
    </div>
  );
}
