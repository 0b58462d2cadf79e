/**
 * The filter bar: one line of the shared filter language (schema/filter), checked as you
 * type with the parse error shown at its position, and autocomplete for fields,
 * operators and values, including the project's tags, metadata keys and feedback keys
 * (GET /v1/traces/facets). Enter applies.
 */
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Suggestion } from '../../../schema/filter/index.ts';
import type { TraceFacets } from '../../../schema/wire/facets.ts';
import { checkFilter, completions, type FilterProblem } from '../lib/filter-completions.ts';

export type { FilterProblem };

interface Props {
  value: string;
  /** Enter or Apply with a filter that parses. */
  onApply(q: string): void;
  facets?: TraceFacets;
  /** An error the API answered for `value` (shown while the text is unchanged). */
  serverError?: FilterProblem | null;
  /** Every edit, for forms that save the filter with other fields (rules, span targets). */
  onChange?(q: string): void;
  /** In a form: no Apply/Clear buttons (the form's own button saves it). */
  embedded?: boolean;
  label?: string;
  placeholder?: string;
}

/** The filter input with validation and autocomplete. */
export function FilterBar({ value, onApply, facets, serverError, onChange, embedded = false, label = 'Filter', placeholder }: Props) {
  const [text, setText] = useState(value);
  const [cursor, setCursor] = useState(value.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  useEffect(() => setText(value), [value]);

  const problem = useMemo(() => checkFilter(text), [text]);
  const shown = problem ?? (text === value ? serverError ?? null : null);
  const menu = useMemo(() => (open ? completions(text, cursor, facets) : null), [open, text, cursor, facets]);
  const options = menu?.options.slice(0, 12) ?? [];

  const accept = (option: Suggestion) => {
    if (!menu) return;
    const next = text.slice(0, menu.from) + option.label + text.slice(menu.to);
    const at = menu.from + option.label.length;
    setText(next);
    onChange?.(next);
    setCursor(at);
    setActive(-1);
    // Keep the menu open after a field ending in "." or "(" so the key or value comes next.
    setOpen(/[.(:]$/.test(option.label) || !/\s$/.test(next));
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(at, at);
    });
  };

  // No option is highlighted until the arrow keys pick one, so a plain Enter always applies.
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (open && options.length) {
      if (e.key === 'ArrowDown') return e.preventDefault(), setActive((active + 1) % options.length);
      if (e.key === 'ArrowUp') return e.preventDefault(), setActive(active <= 0 ? options.length - 1 : active - 1);
      if (e.key === 'Tab' && !e.shiftKey) return e.preventDefault(), accept(options[Math.max(active, 0)]);
      if (e.key === 'Enter' && active >= 0) return e.preventDefault(), accept(options[active]);
    }
    if (e.key === 'Escape') return setOpen(false);
    if (e.key === 'Enter') {
      e.preventDefault();
      setOpen(false);
      if (!problem) onApply(text.trim());
    }
  };

  return (
    <div className="filter-bar">
      <div className="filter-input-row">
        <input
          ref={input}
          className={shown ? 'filter-input invalid' : 'filter-input'}
          type="text"
          spellCheck={false}
          autoComplete="off"
          placeholder={placeholder ?? 'Filter: env=production feedback.outcome=0 has(kind=tool status=error) "refund"'}
          aria-label={label}
          aria-invalid={shown ? true : undefined}
          role="combobox"
          aria-expanded={open && options.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            onChange?.(e.target.value);
            setCursor(e.target.selectionStart ?? e.target.value.length);
            setActive(-1);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
          onKeyUp={(e) => {
            if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') setCursor(e.currentTarget.selectionStart ?? 0);
          }}
          onClick={(e) => {
            setCursor(e.currentTarget.selectionStart ?? 0);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
        {!embedded && (
          <button type="button" className="button" disabled={!!problem} onClick={() => onApply(text.trim())}>
            Apply
          </button>
        )}
        {!embedded && value && (
          <button type="button" className="button subtle" onClick={() => onApply('')}>
            Clear
          </button>
        )}
      </div>
      {open && options.length > 0 && (
        <ul className="suggestions" id={listId} role="listbox">
          {options.map((o, i) => (
            <li
              key={`${o.label}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(o);
              }}
            >
              <code>{o.label}</code>
              {o.detail && <span className="muted small">{o.detail}</span>}
            </li>
          ))}
        </ul>
      )}
      {shown && <FilterErrorView text={text} problem={shown} />}
    </div>
  );
}

/** The filter text with the offending part marked, and the message. */
function FilterErrorView({ text, problem }: { text: string; problem: FilterProblem }) {
  const start = Math.min(problem.position, text.length);
  const end = Math.max(Math.min(problem.end, text.length), start);
  return (
    <div className="filter-error" role="alert">
      <code className="filter-error-text">
        {text.slice(0, start)}
        <mark>{text.slice(start, end) || ' '}</mark>
        {text.slice(end)}
      </code>
      <span className="filter-error-message">
        {problem.message} <span className="muted">(at column {start + 1})</span>
      </span>
    </div>
  );
}
