/** Splits filter text into tokens, keeping each token's source range for error positions. */
import { FilterError } from './errors.ts';

/** Kinds of token. Keywords (and, or, not, in, has, true, ...) are `word`s; the parser decides. */
export type TokenType = 'word' | 'string' | 'op' | '(' | ')' | ',' | 'eof';

/** One token. `text` is the word, the unescaped string contents, or the operator symbol. */
export interface Token {
  type: TokenType;
  text: string;
  start: number;
  end: number;
  /** Lenient mode only: a string whose closing quote is missing (the user is still typing). */
  unterminated?: boolean;
}

const WHITESPACE = /\s/;
// Characters that end a bare word. `!` only ends one when it starts `!=`, so `hello!` stays a word.
const DELIMITERS = new Set(['(', ')', ',', '=', '<', '>', '~', '"', "'"]);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };

/**
 * Tokenizes `text`. Strict mode throws FilterError for an unterminated string or a stray
 * `!`; lenient mode (for autocomplete on half-typed text) never throws.
 */
export function lex(text: string, lenient = false): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (WHITESPACE.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c, text: c, start, end: ++i });
    } else if (c === '"' || c === "'") {
      i = lexString(text, i, tokens, lenient);
    } else if (c === '!' && text[i + 1] === '=') {
      tokens.push({ type: 'op', text: '!=', start, end: (i += 2) });
    } else if (c === '>' || c === '<') {
      const op = text[i + 1] === '=' ? `${c}=` : c;
      tokens.push({ type: 'op', text: op, start, end: (i += op.length) });
    } else if (c === '=') {
      // `==` is read as `=`: people coming from code type it, and it cannot mean anything else.
      const len = text[i + 1] === '=' ? 2 : 1;
      tokens.push({ type: 'op', text: '=', start, end: (i += len) });
    } else if (c === '~') {
      tokens.push({ type: 'op', text: '~', start, end: ++i });
    } else {
      if (c === '!' && !lenient) throw new FilterError("unexpected '!': use 'not' to negate a condition, or '!=' to compare", i, i + 1);
      i++;
      while (i < text.length && !WHITESPACE.test(text[i]) && !DELIMITERS.has(text[i]) && !(text[i] === '!' && text[i + 1] === '=')) i++;
      tokens.push({ type: 'word', text: text.slice(start, i), start, end: i });
    }
  }
  tokens.push({ type: 'eof', text: '', start: text.length, end: text.length });
  return tokens;
}

/** Reads a quoted string starting at `start`; returns the index after it. */
function lexString(text: string, start: number, tokens: Token[], lenient: boolean): number {
  const quote = text[start];
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === quote) {
      tokens.push({ type: 'string', text: value, start, end: i + 1 });
      return i + 1;
    }
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1];
      value += ESCAPES[next] ?? next;
      i += 2;
      continue;
    }
    if (c === '\\') break; // a trailing backslash escapes the end of input: unterminated
    value += c;
    i++;
  }
  if (!lenient) throw new FilterError(`unterminated string: add a closing ${quote}`, start, text.length);
  tokens.push({ type: 'string', text: value, start, end: text.length, unterminated: true });
  return text.length;
}
