/**
 * The rubric of a queue as a form: each question with its description, the options with
 * the digit that picks them, a range or a text box; the highlighted question is the one
 * digits answer. Controlled: the review screen owns the values and the keyboard.
 */
import type { RubricKey } from '../../../../schema/wire/review.ts';
import { choices, type Answer } from '../../lib/review-keys.ts';

interface Props {
  rubric: RubricKey[];
  values: Record<string, Answer | undefined>;
  active: number;
  missing: string[];
  onChange(key: string, value: Answer | undefined): void;
  onActivate(index: number): void;
}

export function RubricForm({ rubric, values, active, missing, onChange, onActivate }: Props) {
  return (
    <ol className="rubric" aria-label="Rubric">
      {rubric.map((k, i) => {
        const value = values[k.key];
        const picks = choices(k);
        return (
          <li
            key={k.key}
            className={`rubric-key${i === active ? ' active' : ''}${missing.includes(k.key) ? ' missing' : ''}`}
            data-key={k.key}
            aria-current={i === active ? 'step' : undefined}
            onClick={() => onActivate(i)}
          >
            <div className="rubric-q">
              <strong>{k.label ?? k.key}</strong>
              {k.required ? <span className="muted small"> required</span> : <span className="muted small"> optional</span>}
              {k.label && <code className="muted small"> {k.key}</code>}
            </div>
            {k.description && <p className="muted small rubric-desc">{k.description}</p>}
            {picks.length > 0 && (
              <div className="rubric-options" role="radiogroup" aria-label={k.label ?? k.key}>
                {picks.map((c) => (
                  <button
                    type="button"
                    key={String(c.value)}
                    role="radio"
                    aria-checked={value === c.value}
                    className={`button option${value === c.value ? ' chosen' : ''}`}
                    title={c.description}
                    onClick={(e) => {
                      e.stopPropagation();
                      onActivate(i);
                      onChange(k.key, value === c.value && !k.required ? undefined : c.value);
                    }}
                  >
                    <kbd>{c.digit}</kbd> {c.label}
                  </button>
                ))}
              </div>
            )}
            {k.type === 'number' && picks.length === 0 && (
              <input
                type="number"
                aria-label={k.label ?? k.key}
                min={k.min}
                max={k.max}
                step={k.step ?? 'any'}
                value={typeof value === 'number' ? value : ''}
                onFocus={() => onActivate(i)}
                onChange={(e) => onChange(k.key, e.target.value === '' ? undefined : Number(e.target.value))}
              />
            )}
            {k.type === 'categorical' && k.options.some((o) => o.description) && (
              <ul className="muted small option-help">
                {k.options.filter((o) => o.description).map((o) => (
                  <li key={o.value}>
                    <strong>{o.label ?? o.value}</strong>: {o.description}
                  </li>
                ))}
              </ul>
            )}
            {k.type === 'text' && (
              <textarea
                aria-label={k.label ?? k.key}
                rows={2}
                maxLength={k.max_length}
                value={typeof value === 'string' ? value : ''}
                onFocus={() => onActivate(i)}
                onChange={(e) => onChange(k.key, e.target.value || undefined)}
              />
            )}
          </li>
        );
      })}
    </ol>
  );
}
