/**
 * Autocomplete for the filter bar and the CLI: given text and a cursor, what could go
 * here. Static knowledge only (fields, operators, enum values, time shorthands); the
 * caller merges dynamic ones (metadata keys, feedback keys, tag values) from the server
 * into the same `from`..`to` range.
 */
import { findField, FILTER_FIELDS, type FilterField } from './fields.ts';
import { lex, type Token } from './lexer.ts';

/** One completion. `label` is the text to insert. */
export interface Suggestion {
  label: string;
  detail?: string;
}

/** Completions replacing `text.slice(from, to)`. */
export interface Suggestions {
  from: number;
  to: number;
  options: Suggestion[];
}

const OPERATORS: Record<string, string> = {
  '=': 'equals',
  '!=': 'does not equal (includes rows without a value)',
  '>': 'greater than',
  '>=': 'at least',
  '<': 'less than',
  '<=': 'at most',
  '~': 'contains (case-insensitive)',
  in: 'one of: in (a, b)',
  'not in': 'none of: not in (a, b)',
};

const OPS_BY_TYPE: Record<FilterField['type'], string[]> = {
  string: ['=', '!=', '~', 'in', 'not in'],
  enum: ['=', '!=', 'in', 'not in'],
  boolean: ['=', '!=', '~'],
  number: ['=', '!=', '>', '>=', '<', '<=', 'in', 'not in'],
  duration: ['>', '>=', '<', '<=', '=', '!='],
  keyed: ['=', '!=', '>', '>=', '<', '<=', '~', 'in', 'not in'],
};

const DURATIONS: Suggestion[] = [
  { label: '250ms', detail: '250 milliseconds' },
  { label: '1s', detail: '1 second' },
  { label: '5s', detail: '5 seconds' },
  { label: '30s', detail: '30 seconds' },
  { label: '1m', detail: '1 minute' },
];

const TIMES: Suggestion[] = [
  { label: '1h', detail: 'the last hour' },
  { label: '24h', detail: 'the last 24 hours' },
  { label: '7d', detail: 'the last 7 days' },
  { label: '30d', detail: 'the last 30 days' },
];

const TERM_KEYWORDS: Suggestion[] = [
  { label: 'since:', detail: 'started at or after: since:7d, since:2026-01-01' },
  { label: 'until:', detail: 'started before: until:1h, until:2026-01-01T10:00:00Z' },
  { label: 'has(', detail: 'traces with one span matching all of: has(kind=tool status=error)' },
  { label: 'not', detail: 'negate the next condition' },
];

/** Completions for the cursor position in `text` (never throws). */
export function suggest(text: string, cursor: number): Suggestions {
  const at = Math.max(0, Math.min(cursor, text.length));
  const tokens = lex(text, true).filter((t) => t.type !== 'eof');
  // The token being edited: the cursor is inside it or right at its end.
  const index = tokens.findIndex((t) => (t.type === 'word' || t.type === 'string' || t.type === 'op') && t.start < at && at <= t.end);
  const current = index >= 0 ? tokens[index] : undefined;
  const before = index >= 0 ? tokens.slice(0, index) : tokens.filter((t) => t.end <= at);

  // Right after an operator (`latency>|`): complete the value, not the operator.
  if (current?.type === 'op') return values(before.concat(current), at, at, '');
  const from = current ? current.start : at;
  const to = current ? current.end : at;
  const prefix = current ? text.slice(current.type === 'string' ? current.start + 1 : current.start, at) : '';

  if (current?.type === 'word') {
    const time = /^(since|until):/i.exec(current.text);
    if (time) return { from: from + 6, to, options: matching(TIMES, prefix.slice(6)) };
  }
  const prev = before[before.length - 1];
  if (prev?.type === 'op' || prev?.type === ',' || (prev?.type === '(' && inListField(before) !== undefined)) {
    return values(before, from, to, prefix);
  }
  const field = fieldBefore(before);
  if (field && current?.type !== 'string') return { from, to, options: matching(OPS_BY_TYPE[field.type].map((op) => ({ label: op, detail: OPERATORS[op] })), prefix) };

  if (current?.type === 'word') {
    const dot = current.text.indexOf('.');
    // `metadata.cus|`: keys come from the server; say where they go.
    if (dot > 0 && findField(current.text.slice(0, dot))?.type === 'keyed') return { from: from + dot + 1, to, options: [] };
  }
  if (current?.type === 'string') return { from, to, options: [] };
  // The trace and span filter bars: example-only fields (split, source) are not offered.
  const options: Suggestion[] = FILTER_FIELDS.filter((f) => f.targets.includes('traces')).map((f) => ({ label: f.type === 'keyed' ? `${f.name}.` : f.name, detail: f.description }));
  options.push(...TERM_KEYWORDS);
  if (prev && endsTerm(before)) options.push({ label: 'and', detail: 'both conditions (also implied by a space)' }, { label: 'or', detail: 'either condition' });
  return { from, to, options: matching(options, prefix) };
}

/** Value completions for the field the tokens before the value name. */
function values(before: Token[], from: number, to: number, prefix: string): Suggestions {
  const prev = before[before.length - 1];
  const field = prev?.type === 'op' ? fieldBefore(before.slice(0, -1)) : inListField(before);
  let options: Suggestion[] = [];
  if (field?.type === 'enum' || field?.type === 'boolean') options = field.values!.map((v) => ({ label: v }));
  else if (field?.type === 'duration') options = DURATIONS;
  return { from, to, options: matching(options, prefix) };
}

/** The field named by the last one or two tokens (`latency`, `metadata.k`, `metadata."k"`), if they name one. */
function fieldBefore(tokens: Token[]): FilterField | undefined {
  const last = tokens[tokens.length - 1];
  if (!last) return undefined;
  if (last.type === 'string') {
    const word = tokens[tokens.length - 2];
    if (word?.type === 'word' && word.end === last.start && word.text.endsWith('.')) return keyedField(word.text.slice(0, -1));
    return undefined;
  }
  if (last.type !== 'word') return undefined;
  // A word right after an operator is a value, not a field.
  if (tokens[tokens.length - 2]?.type === 'op') return undefined;
  const dot = last.text.indexOf('.');
  if (dot > 0) return dot < last.text.length - 1 ? keyedField(last.text.slice(0, dot)) : undefined;
  const field = findField(last.text);
  return field?.type === 'keyed' ? undefined : field;
}

function keyedField(name: string): FilterField | undefined {
  const field = findField(name);
  return field?.type === 'keyed' ? field : undefined;
}

/** Inside `field [not] in (a, b, |`: the field, else undefined. */
function inListField(before: Token[]): FilterField | undefined {
  let i = before.length - 1;
  while (i >= 0 && before[i].type !== '(' && before[i].type !== ')') i--;
  if (i < 1 || before[i].type !== '(') return undefined;
  const kw = before[i - 1];
  if (kw.type !== 'word' || kw.text.toLowerCase() !== 'in') return undefined;
  const j = before[i - 2]?.type === 'word' && before[i - 2].text.toLowerCase() === 'not' ? i - 2 : i - 1;
  return fieldBefore(before.slice(0, j));
}

/** Whether the tokens end with a complete condition (so `and`/`or` may follow). */
function endsTerm(before: Token[]): boolean {
  const last = before[before.length - 1];
  if (last.type === ')' || last.type === 'string') return true;
  if (last.type !== 'word') return false;
  return !['and', 'or', 'not', 'in'].includes(last.text.toLowerCase());
}

function matching(options: Suggestion[], prefix: string): Suggestion[] {
  const p = prefix.toLowerCase();
  return options.filter((o) => o.label.toLowerCase().startsWith(p));
}
