/**
 * What a written value means for a given field: the typing rules shared by the parser
 * (to report errors while the user types) and the compiler (to bind the right SQL value).
 */
import type { CompareNode, CompareOp, FilterValue, InNode, SourceRange } from './ast.ts';
import { FilterError } from './errors.ts';
import { findField, nearestField, type FilterField } from './fields.ts';

/** A value after interpretation. Numbers keep their text so keyed fields can also match it as text. */
export type Literal = { kind: 'number'; value: number; raw: string } | { kind: 'boolean'; value: boolean } | { kind: 'string'; value: string };

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** `text` as a finite number (`0.5`, `-1`, `1e3`), or undefined. */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * `text` as a duration with a unit (`250ms`, `5s`, `2.5m`, `1h`, `30d`, `2w`) in
 * milliseconds, or undefined. The one duration reader: filters (`latency>`, `since:`) and
 * the CLI's `--since`/`--until` both use it.
 */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A `since:`/`until:` value as epoch ms: a duration counts back from `now` (`30d`), a date
 * or date-time is absolute (`2026-01-01`, `2026-01-01T10:00:00Z`; no zone means UTC).
 */
export function parseTime(text: string, now: number): number | undefined {
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1, 7);
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms);
  const check = new Date(utc);
  // Date.UTC rolls Feb 30 over into March; reading the parts back rejects impossible dates.
  if (check.getUTCFullYear() !== +y || check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) return undefined;
  const zone = m[8];
  if (!zone || zone.toUpperCase() === 'Z') return utc;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return utc - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/** `true`/`false` (any case) as a boolean, or undefined. */
export function parseBoolean(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

function at(range: SourceRange | undefined, message: string): FilterError {
  return new FilterError(message, range?.start ?? 0, range?.end ?? 0);
}

/** The field a reference names, or a FilterError at the reference ("unknown field 'foo'"). */
export function resolveField(ref: { name: string; key?: string; pos?: SourceRange }): FilterField {
  const field = findField(ref.name);
  if (!field) {
    const hint = nearestField(ref.name);
    const written = ref.key === undefined ? ref.name : `${ref.name}.${ref.key}`;
    throw at(ref.pos, `unknown field '${written}'${hint ? `; did you mean '${hint}'?` : ''}`);
  }
  if (field.type === 'keyed' && ref.key === undefined) throw at(ref.pos, `${field.name} needs a key, like ${field.example}`);
  if (field.type !== 'keyed' && ref.key !== undefined) throw at(ref.pos, `unknown field '${ref.name}.${ref.key}'; only metadata, feedback and score take a key`);
  return field;
}

/** Reads `value` as a value of `field`, or throws a FilterError at the value. */
export function literalFor(field: FilterField, value: FilterValue): Literal {
  const { text, type } = value;
  switch (field.type) {
    case 'string':
      return { kind: 'string', value: text };
    case 'enum': {
      const lower = text.toLowerCase();
      if (!field.values!.includes(lower)) throw at(value.pos, `unknown ${field.name} '${text}': expected one of ${field.values!.join(', ')}`);
      return { kind: 'string', value: lower };
    }
    case 'number':
    case 'duration': {
      const duration = field.type === 'duration';
      const n = type === 'word' ? (duration ? (parseDuration(text) ?? parseNumber(text)) : parseNumber(text)) : undefined;
      if (n === undefined) {
        const wanted = duration ? 'a duration like 250ms, 5s or 2m (a bare number means milliseconds)' : `a number, like ${field.example}`;
        throw at(value.pos, `${field.name} needs ${wanted}${type === 'string' ? '; remove the quotes' : ''}`);
      }
      return { kind: 'number', value: n, raw: text };
    }
    case 'boolean': {
      const b = type === 'word' ? parseBoolean(text) : undefined;
      return b === undefined ? { kind: 'string', value: text } : { kind: 'boolean', value: b };
    }
    case 'keyed': {
      if (type === 'string') return { kind: 'string', value: text };
      const n = parseNumber(text);
      if (n !== undefined) return { kind: 'number', value: n, raw: text };
      const b = parseBoolean(text);
      return b === undefined ? { kind: 'string', value: text } : { kind: 'boolean', value: b };
    }
  }
}

const ORDERING = new Set<CompareOp>(['>', '>=', '<', '<=']);

/** Validates a comparison and returns its literal; FilterError at the operator or value otherwise. */
export function checkCompare(node: CompareNode): Literal {
  const field = resolveField(node.field);
  const { op } = node;
  if (op === '~') {
    // Contains is always a text match, so `error~true` searches error messages for "true".
    if (field.type === 'string' || field.type === 'keyed' || field.type === 'boolean') return { kind: 'string', value: node.value.text };
    throw at(node.opPos, `'~' (contains) does not apply to ${field.name}; use ${field.type === 'enum' ? "'=', '!=' or 'in'" : "'=', '!=', '>', '>=', '<' or '<='"}`);
  }
  const literal = literalFor(field, node.value);
  if (ORDERING.has(op)) {
    if (field.type === 'string' || field.type === 'enum' || field.type === 'boolean') {
      throw at(node.opPos, `'${op}' does not apply to ${field.name}; use '=', '!='${field.type === 'enum' ? '' : ", '~'"} or 'in'`);
    }
    if (literal.kind === 'boolean') throw at(node.value.pos, `'${op}' cannot compare with ${literal.value}; use '=' or '!='`);
  }
  return literal;
}

/** Validates an `in` list and returns its literals. */
export function checkIn(node: InNode): Literal[] {
  const field = resolveField(node.field);
  const literals = node.values.map((v) => literalFor(field, v));
  if (literals.length === 0) throw at(node.pos, `'${node.negated ? 'not in' : 'in'}' needs at least one value`);
  if (field.type === 'boolean') {
    // error in (true, "timeout") mixes "failed or not" with message text: nothing sensible to compile.
    const firstKind = literals[0].kind;
    const odd = literals.findIndex((l) => l.kind !== firstKind);
    if (odd >= 0) throw at(node.values[odd].pos, `${field.name} in (...) takes either true/false or error texts, not both`);
  }
  return literals;
}

/** Validates a `since:`/`until:` value. */
export function checkTime(value: FilterValue, bound: string): void {
  if (parseTime(value.text, 0) === undefined) {
    throw at(value.pos, `${bound}: needs a time like 30d, 12h or 2026-01-01 (or 2026-01-01T10:00:00Z), not '${value.text}'`);
  }
}
