/** Prints a filter tree as canonical text: parseFilter(formatFilter(n)) gives back n (minus positions). */
import type { FieldRef, FilterNode, FilterValue } from './ast.ts';
import { findField } from './fields.ts';
import { lex } from './lexer.ts';

const BARE_KEY = /^[A-Za-z0-9_.:-]+$/;
const KEYWORDS = new Set(['and', 'or', 'not']);
const TIME_PREFIX = /^(since|until):/i;

/**
 * Canonical text for `node`: explicit `and`/`or`, no spaces around operators, parentheses
 * only where the tree needs them, strings in double quotes. `null` (match all) prints as ''.
 */
export function formatFilter(node: FilterNode | null): string {
  return node ? format(node) : '';
}

function format(node: FilterNode): string {
  switch (node.type) {
    case 'and':
      return node.children.map((c) => (c.type === 'and' || c.type === 'or' ? `(${format(c)})` : format(c))).join(' and ');
    case 'or':
      // An `and` child needs no parentheses: and binds tighter than or.
      return node.children.map((c) => (c.type === 'or' ? `(${format(c)})` : format(c))).join(' or ');
    case 'not':
      return `not ${node.child.type === 'and' || node.child.type === 'or' ? `(${format(node.child)})` : format(node.child)}`;
    case 'compare':
      return `${formatField(node.field)}${node.op}${formatValue(node.value)}`;
    case 'in':
      return `${formatField(node.field)} ${node.negated ? 'not in' : 'in'} (${node.values.map((v) => formatValue(v)).join(', ')})`;
    case 'text':
      return formatValue(node.value, true);
    case 'time':
      return `${node.bound}:${formatValue(node.value)}`;
    case 'has':
      return `has(${format(node.child)})`;
  }
}

function formatField(field: FieldRef): string {
  if (field.key === undefined) return field.name;
  return `${field.name}.${BARE_KEY.test(field.key) ? field.key : quote(field.key)}`;
}

/**
 * A value as written. A `word` that would not read back as the same single bare word
 * (a hand-built tree with spaces, a keyword, ...) is quoted rather than printed unparseable.
 */
function formatValue(value: FilterValue, asText = false): string {
  return value.type === 'word' && isBareWord(value.text, asText) ? value.text : quote(value.text);
}

function isBareWord(text: string, asText: boolean): boolean {
  if (KEYWORDS.has(text.toLowerCase())) return false;
  if (asText) {
    // On its own, `since:x` is a time window and `env:x` an error, so such text needs quotes.
    const colon = text.indexOf(':');
    if (TIME_PREFIX.test(text) || (colon > 0 && findField(text.slice(0, colon)))) return false;
  }
  try {
    const tokens = lex(text);
    return tokens.length === 2 && tokens[0].type === 'word' && tokens[0].text === text;
  } catch {
    return false;
  }
}

function quote(text: string): string {
  return `"${text.replace(/[\\"\n\r\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!)}"`;
}
