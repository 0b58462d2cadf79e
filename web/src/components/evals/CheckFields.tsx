/**
 * The form of a code check: pick the check, then its fields as the wire schema defines
 * them (lib/check-fields.ts), each with its help, default and error.
 */
import { allChecks, checkSpec, type CheckField, type CheckValues } from '../../lib/check-fields.ts';
import { describeSource, SOURCE_SUGGESTIONS } from '../../lib/judge-draft.ts';
import { FieldError } from './common.tsx';
import { InlineCode } from '../InlineCode.tsx';

/** Checks grouped as the docs group them. */
const GROUPS: { label: string; checks: string[] }[] = [
  { label: 'Text and JSON', checks: ['exact_match', 'json_equal', 'json_valid', 'json_schema', 'regex', 'contains', 'not_contains', 'length'] },
  { label: 'Latency, tokens, cost, errors', checks: ['latency', 'tokens', 'cost', 'error_free'] },
  { label: 'Trajectory (tool calls)', checks: ['tool_called', 'tool_not_called', 'tool_sequence', 'step_limit', 'no_loops'] },
];

interface Props {
  check: string;
  values: CheckValues;
  errors: Record<string, string>;
  onCheck(check: string): void;
  onChange(values: CheckValues): void;
}

export function CheckFields({ check, values, errors, onCheck, onChange }: Props) {
  const spec = checkSpec(check);
  const known = new Set(allChecks().map((c) => c.check));
  return (
    <fieldset className="form-section">
      <legend>Code check</legend>
      <label className="field">
        <span className="field-label">Check</span>
        <select value={check} onChange={(e) => onCheck(e.target.value)} aria-label="Check">
          {GROUPS.map((g) => (
            <optgroup key={g.label} label={g.label}>
              {g.checks
                .filter((c) => known.has(c))
                .map((c) => (
                  <option key={c} value={c}>
                    {checkSpec(c)!.label} ({c})
                  </option>
                ))}
            </optgroup>
          ))}
        </select>
        {spec && (
          <span className="field-help">
            <InlineCode text={spec.description} />. Scores 1 (pass) or 0 (fail) with a comment saying why.
          </span>
        )}
      </label>
      {spec && spec.fields.length === 0 && <p className="muted small">This check has no settings.</p>}
      <div className="check-fields">
        {spec?.fields.map((f) => (
          <CheckInput key={`${check}.${f.name}`} field={f} value={values[f.name]} error={errors[f.name]} onChange={(v) => onChange({ ...values, [f.name]: v })} />
        ))}
      </div>
      <datalist id="value-sources">
        {SOURCE_SUGGESTIONS.map((s) => (
          <option key={s.source} value={s.source}>
            {s.detail}
          </option>
        ))}
      </datalist>
    </fieldset>
  );
}

function CheckInput({ field: f, value, error, onChange }: { field: CheckField; value: string | boolean | undefined; error?: string; onChange(v: string | boolean): void }) {
  const id = `check-${f.name}`;
  const text = typeof value === 'string' ? value : '';
  const label = (
    <span className="field-label">
      {f.label}
      {f.required && <span className="required" title="required"> *</span>} <code className="field-name">{f.name}</code>
    </span>
  );
  if (f.kind === 'boolean') {
    return (
      <div className="field">
        <label className="check">
          <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} aria-label={f.label} /> {f.label} <code className="field-name">{f.name}</code>
        </label>
        {f.help && (
          <span className="field-help">
            <InlineCode text={f.help} />
          </span>
        )}
        <FieldError text={error} />
      </div>
    );
  }
  let input;
  if (f.kind === 'enum') {
    input = (
      <select id={id} value={text} onChange={(e) => onChange(e.target.value)} aria-label={f.label}>
        {!f.required && f.default === undefined && <option value="">(not set)</option>}
        {f.options!.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (f.kind === 'json' || f.kind === 'texts') {
    input = <textarea id={id} className="mono" rows={f.kind === 'json' ? 5 : 3} value={text} onChange={(e) => onChange(e.target.value)} aria-label={f.label} spellCheck={false} aria-invalid={error ? true : undefined} />;
  } else {
    input = (
      <input
        id={id}
        className={f.kind === 'source' || f.kind === 'string' ? 'mono' : undefined}
        value={text}
        onChange={(e) => onChange(e.target.value)}
        aria-label={f.label}
        inputMode={f.kind === 'number' ? 'decimal' : f.kind === 'integer' ? 'numeric' : undefined}
        list={f.kind === 'source' ? 'value-sources' : undefined}
        placeholder={f.default !== undefined ? String(f.default) : undefined}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
      />
    );
  }
  const source = f.kind === 'source' && text.trim() ? describeSource(text) : null;
  return (
    <div className={f.kind === 'json' || f.kind === 'texts' ? 'field wide' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {input}
      {f.help && (
        <span className="field-help">
          <InlineCode text={f.help} />
        </span>
      )}
      {source?.ok && <span className="field-help source-reads">Reads {source.text}.</span>}
      <FieldError text={error ?? (source && !source.ok ? source.text : undefined)} />
    </div>
  );
}
