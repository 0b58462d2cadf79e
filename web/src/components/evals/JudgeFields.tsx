/**
 * The form of an LLM judge: provider and model, the prompt with its {{variables}} and
 * where each comes from, the output contract, and the call's limits.
 */
import { Link } from 'react-router';
import type { JudgeOutput } from '../../../../schema/wire/evaluators.ts';
import type { ProviderOut } from '../../../../schema/wire/providers.ts';
import { JudgeOutput as JudgeOutputSchema } from '../../../../schema/wire/evaluators.ts';
import { useApi } from '../../api/use-api.ts';
import { ApiError } from '../../api/client.ts';
import { describeOutput, describeSource, promptVariables, SOURCE_SUGGESTIONS, type JudgeDraft } from '../../lib/judge-draft.ts';
import { judgeConfig } from '../../lib/judge-draft.ts';
import { FieldError } from './common.tsx';

interface Props {
  draft: JudgeDraft;
  /** Errors by path below `config` ("prompt.user", "variables.x", "provider_id"). */
  errors: Record<string, string>;
  onChange(draft: JudgeDraft): void;
}

export function JudgeFields({ draft, errors, onChange }: Props) {
  const providers = useApi<{ providers: ProviderOut[] }>('/v1/providers');
  const set = (patch: Partial<JudgeDraft>) => onChange({ ...draft, ...patch });
  const provider = providers.data?.providers.find((p) => p.id === draft.provider_id);
  const used = promptVariables(draft.system, draft.user);
  const defined = new Set(draft.variables.map((v) => v.name));
  const missing = used.filter((u) => !defined.has(u));
  const output = JudgeOutputSchema.safeParse((judgeConfig(draft) as { output: unknown }).output);
  const setOutput = (patch: Partial<JudgeDraft['output']>) => set({ output: { ...draft.output, ...patch } });
  const forbidden = providers.error instanceof ApiError && providers.error.status === 403;

  return (
    <fieldset className="form-section">
      <legend>LLM judge</legend>
      <div className="form-grid">
        <label className="field">
          <span className="field-label">
            Provider<span className="required"> *</span>
          </span>
          <select value={draft.provider_id} onChange={(e) => set({ provider_id: e.target.value })} aria-label="Provider" aria-invalid={errors.provider_id ? true : undefined}>
            <option value="">Choose a provider…</option>
            {providers.data?.providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.type}
                {p.default_model ? `, ${p.default_model}` : ''})
              </option>
            ))}
            {draft.provider_id && !provider && <option value={draft.provider_id}>{draft.provider_id}</option>}
          </select>
          {providers.data && providers.data.providers.length === 0 && (
            <span className="field-help">
              No providers yet: <Link to="/providers">add one</Link> (OpenAI-compatible, Anthropic or Workers AI).
            </span>
          )}
          {forbidden && <span className="field-help">Only owners and admins can list providers.</span>}
          <FieldError text={errors.provider_id === 'required' || errors.provider_id?.startsWith('Too small') ? 'choose a provider' : errors.provider_id} />
        </label>
        <label className="field">
          <span className="field-label">Model</span>
          <input className="mono" value={draft.model} onChange={(e) => set({ model: e.target.value })} placeholder={provider?.default_model ?? "the provider's default model"} aria-label="Model" />
          <FieldError text={errors.model} />
        </label>
      </div>

      <label className="field wide">
        <span className="field-label">System prompt</span>
        <textarea className="mono" rows={4} value={draft.system} onChange={(e) => set({ system: e.target.value })} aria-label="System prompt" spellCheck={false} />
        <FieldError text={errors['prompt.system']} />
      </label>
      <label className="field wide">
        <span className="field-label">
          User prompt<span className="required"> *</span>
        </span>
        <textarea className="mono" rows={10} value={draft.user} onChange={(e) => set({ user: e.target.value })} aria-label="User prompt" spellCheck={false} aria-invalid={errors['prompt.user'] ? true : undefined} />
        <span className="field-help">
          <code>{'{{name}}'}</code> inserts a variable. The judge answers <code>{'{"reasoning": …, "verdict": …}'}</code> (reasoning first, enforced with structured output); the reasoning becomes the score's comment.
        </span>
        <FieldError text={errors['prompt.user']} />
      </label>

      <div className="field wide">
        <span className="field-label">Variables</span>
        <span className="field-help">Where each {'{{variable}}'} of the prompt is read from on the trace. A trace without the value is an error (missing_variable), not a guess.</span>
        <div className="table-wrap">
          <table className="plain variables">
            <thead>
              <tr>
                <th>Variable</th>
                <th>Source</th>
                <th className="hide-narrow">Reads</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {draft.variables.map((v, i) => {
                const reads = v.source.trim() ? describeSource(v.source) : null;
                const update = (patch: Partial<typeof v>) => set({ variables: draft.variables.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
                return (
                  <tr key={i} data-variable={v.name}>
                    <td>
                      <input className="mono" value={v.name} onChange={(e) => update({ name: e.target.value })} aria-label={`Variable ${i + 1} name`} size={12} />
                      {!used.includes(v.name) && v.name && <div className="muted small">not used in the prompt</div>}
                    </td>
                    <td>
                      <input className="mono" value={v.source} list="judge-sources" onChange={(e) => update({ source: e.target.value })} aria-label={`Source of ${v.name || `variable ${i + 1}`}`} />
                      <FieldError text={errors[`variables.${v.name}`] ?? (reads && !reads.ok ? reads.text : undefined)} />
                    </td>
                    <td className="hide-narrow muted small">{reads?.ok ? reads.text : ''}</td>
                    <td>
                      <button type="button" className="button subtle" onClick={() => set({ variables: draft.variables.filter((_, j) => j !== i) })} aria-label={`Remove variable ${v.name}`}>
                        ✕
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div className="inline-form">
          <button type="button" className="button subtle" onClick={() => set({ variables: [...draft.variables, { name: '', source: 'output' }] })}>
            + Add variable
          </button>
          {missing.map((name) => (
            <button key={name} type="button" className="button subtle missing-variable" onClick={() => set({ variables: [...draft.variables, { name, source: SOURCE_SUGGESTIONS.some((s) => s.source === name) ? name : 'output' }] })}>
              + {`{{${name}}}`} (used in the prompt)
            </button>
          ))}
        </div>
        <datalist id="judge-sources">
          {SOURCE_SUGGESTIONS.map((s) => (
            <option key={s.source} value={s.source}>
              {s.detail}
            </option>
          ))}
        </datalist>
      </div>

      <div className="field wide">
        <span className="field-label">Output contract</span>
        <div className="inline-form">
          <select value={draft.output.type} onChange={(e) => setOutput({ type: e.target.value as JudgeDraft['output']['type'] })} aria-label="Output type">
            <option value="boolean">true / false</option>
            <option value="number">a number in a range</option>
            <option value="category">a category</option>
          </select>
          {draft.output.type === 'number' && (
            <>
              <label>
                from <input value={draft.output.min} onChange={(e) => setOutput({ min: e.target.value })} inputMode="decimal" size={5} aria-label="Minimum score" />
              </label>
              <label>
                to <input value={draft.output.max} onChange={(e) => setOutput({ max: e.target.value })} inputMode="decimal" size={5} aria-label="Maximum score" />
              </label>
            </>
          )}
        </div>
        {draft.output.type === 'category' && (
          <div className="categories">
            {draft.output.categories.map((c, i) => (
              <div className="inline-form" key={i}>
                <input className="mono" value={c.name} placeholder="category" onChange={(e) => setOutput({ categories: draft.output.categories.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)) })} aria-label={`Category ${i + 1}`} />
                <input value={c.score} placeholder="score (optional)" inputMode="decimal" size={8} onChange={(e) => setOutput({ categories: draft.output.categories.map((x, j) => (j === i ? { ...x, score: e.target.value } : x)) })} aria-label={`Score of category ${i + 1}`} />
                <button type="button" className="button subtle" onClick={() => setOutput({ categories: draft.output.categories.filter((_, j) => j !== i) })} aria-label={`Remove category ${i + 1}`}>
                  ✕
                </button>
              </div>
            ))}
            <button type="button" className="link" onClick={() => setOutput({ categories: [...draft.output.categories, { name: '', score: '' }] })}>
              + category
            </button>
          </div>
        )}
        <span className="field-help output-explained">
          {output.success ? `The judge answers ${describeOutput(output.data as JudgeOutput)}. ` : ''}An answer that does not fit (not JSON, out of range, an unknown category, a refusal) is an evaluator error (malformed_answer), never a score.
        </span>
        <FieldError text={Object.entries(errors).find(([k]) => k === 'output' || k.startsWith('output.'))?.[1]} />
      </div>

      <details>
        <summary>Call limits</summary>
        <div className="form-grid">
          <label className="field">
            <span className="field-label">Temperature</span>
            <input value={draft.temperature} onChange={(e) => set({ temperature: e.target.value })} inputMode="decimal" aria-label="Temperature" />
            <FieldError text={errors.temperature} />
          </label>
          <label className="field">
            <span className="field-label">Max answer tokens</span>
            <input value={draft.max_tokens} onChange={(e) => set({ max_tokens: e.target.value })} inputMode="numeric" aria-label="Max answer tokens" />
            <FieldError text={errors.max_tokens} />
          </label>
          <label className="field">
            <span className="field-label">Trajectory budget (tokens)</span>
            <input value={draft.trajectory_max_tokens} onChange={(e) => set({ trajectory_max_tokens: e.target.value })} inputMode="numeric" aria-label="Trajectory budget" />
            <span className="field-help">The rendered trajectory is cut to this, saying what it elided.</span>
            <FieldError text={errors.trajectory_max_tokens} />
          </label>
          <label className="field">
            <span className="field-label">Timeout (ms)</span>
            <input value={draft.timeout_ms} onChange={(e) => set({ timeout_ms: e.target.value })} inputMode="numeric" aria-label="Timeout" />
            <FieldError text={errors.timeout_ms} />
          </label>
        </div>
      </details>
    </fieldset>
  );
}
