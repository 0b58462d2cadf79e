/**
 * The recursive-descent parser. Grammar (keywords case-insensitive):
 *
 *   filter  := or?
 *   or      := and ("or" and)*
 *   and     := unary (("and")? unary)*          -- juxtaposition means and
 *   unary   := "not" unary | primary
 *   primary := "(" or ")" | "has" "(" or ")" | since/until | comparison | in | text
 *   comparison := field op value                 op: = != > >= < <= ~
 *   in      := field ("not")? "in" "(" value ("," value)* ")"
 *   field   := word | keyed "." word | keyed "." string
 *   value   := word | string
 *   text    := word | string                     -- full-text search
 *
 * Field and value checks run here too, so the filter bar shows the error while typing.
 */
import type { CompareOp, FieldRef, FilterNode, FilterValue, SourceRange } from './ast.ts';
import { FilterError } from './errors.ts';
import { findField } from './fields.ts';
import { lex, type Token } from './lexer.ts';
import { checkCompare, checkIn, checkTime, resolveField } from './values.ts';

/** Deepest nesting of parentheses, `not` and `has` accepted; keeps recursion and SQL depth bounded. */
export const MAX_DEPTH = 32;

const KEYWORDS = new Set(['and', 'or', 'not']);
const TIME_PREFIX = /^(since|until):/i;

/**
 * Parses filter text. Returns `null` for an empty (or all-whitespace) filter, which means
 * "match everything"; throws FilterError with the position of the first problem.
 */
export function parseFilter(text: string): FilterNode | null {
  const parser = new Parser(text);
  return parser.parse();
}

class Parser {
  private tokens: Token[];
  private i = 0;
  private depth = 0;
  private inHas = false;

  constructor(text: string) {
    this.tokens = lex(text);
  }

  parse(): FilterNode | null {
    if (this.peek().type === 'eof') return null;
    const node = this.parseOr();
    const tok = this.peek();
    if (tok.type !== 'eof') {
      if (tok.type === ')') throw this.error(tok, "unexpected ')': there is no '(' before it");
      if (tok.type === 'op') throw this.error(tok, `expected a field before '${tok.text}'`);
      throw this.error(tok, `unexpected '${tok.text}'`);
    }
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const tok = this.peek();
    if (tok.type !== 'eof') this.i++;
    return tok;
  }

  private error(tok: Token | SourceRange, message: string): FilterError {
    return new FilterError(message, tok.start, tok.end);
  }

  private isKeyword(tok: Token, word: string): boolean {
    return tok.type === 'word' && tok.text.toLowerCase() === word;
  }

  /** Whether `tok` can begin a term (so `a b` is read as `a and b`). */
  private startsTerm(tok: Token): boolean {
    return tok.type === 'string' || tok.type === '(' || (tok.type === 'word' && !this.isKeyword(tok, 'and') && !this.isKeyword(tok, 'or'));
  }

  /** After `and`/`or`/`not` a term must follow; says so at the right place if not. */
  private expectTerm(after: Token): void {
    const tok = this.peek();
    if (this.startsTerm(tok)) return;
    const what = after.text.toLowerCase();
    if (tok.type === 'eof') throw this.error(tok, `expected a filter after '${what}'`);
    throw this.error(tok, `expected a filter after '${what}', found '${tok.text}'`);
  }

  private parseOr(): FilterNode {
    const first = this.parseAnd();
    const children = [first];
    while (this.isKeyword(this.peek(), 'or')) {
      const kw = this.next();
      this.expectTerm(kw);
      children.push(this.parseAnd());
    }
    return children.length === 1 ? first : { type: 'or', children, pos: span(children) };
  }

  private parseAnd(): FilterNode {
    const first = this.parseUnary();
    const children = [first];
    for (;;) {
      const tok = this.peek();
      if (this.isKeyword(tok, 'and')) {
        this.next();
        this.expectTerm(tok);
      } else if (!this.startsTerm(tok)) break;
      children.push(this.parseUnary());
    }
    return children.length === 1 ? first : { type: 'and', children, pos: span(children) };
  }

  private parseUnary(): FilterNode {
    const tok = this.peek();
    if (this.isKeyword(tok, 'not')) {
      this.next();
      this.expectTerm(tok);
      const child = this.nested(tok, () => this.parseUnary());
      return { type: 'not', child, pos: { start: tok.start, end: child.pos!.end } };
    }
    return this.parsePrimary();
  }

  /** Runs `parse` one level deeper, refusing pathological nesting with a FilterError, not a stack overflow. */
  private nested<T>(tok: Token, parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw this.error(tok, `the filter is nested too deeply (more than ${MAX_DEPTH} levels)`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private parsePrimary(): FilterNode {
    const tok = this.peek();
    switch (tok.type) {
      case '(':
        return this.parseGroup();
      case 'string':
        return this.parseStringTerm();
      case 'word':
        return this.parseWordTerm();
      case 'op':
        throw this.error(tok, `expected a field before '${tok.text}'`);
      case ')':
        throw this.error(tok, "unexpected ')': there is no '(' before it");
      case ',':
        throw this.error(tok, "unexpected ','; commas only separate values inside 'in (...)'");
      default:
        throw this.error(tok, 'expected a filter');
    }
  }

  private parseGroup(): FilterNode {
    const open = this.next();
    if (this.peek().type === ')') throw this.error(this.peek(), "empty parentheses: put a condition inside '( )'");
    const inner = this.nested(open, () => this.parseOr());
    this.closeParen(open);
    return inner;
  }

  /** Consumes the `)` matching `open`, or explains what is wrong. */
  private closeParen(open: Token): Token {
    const tok = this.peek();
    if (tok.type === ')') return this.next();
    if (tok.type === 'eof') throw this.error(open, "this '(' is never closed: add ')'");
    if (tok.type === 'op') throw this.error(tok, `expected a field before '${tok.text}'`);
    throw this.error(tok, `unexpected '${tok.text}'; expected ')'`);
  }

  private parseStringTerm(): FilterNode {
    const tok = this.next();
    const after = this.peek();
    if (after.type === 'op') throw this.error(tok, 'field names are not quoted; for a metadata key write metadata."key"');
    return { type: 'text', value: valueOf(tok), pos: range(tok) };
  }

  private parseWordTerm(): FilterNode {
    const tok = this.peek();
    const lower = tok.text.toLowerCase();
    if (lower === 'and' || lower === 'or') throw this.error(tok, `expected a filter before '${lower}'`);
    if (lower === 'has' && this.peek(1).type === '(') return this.parseHas();
    if (TIME_PREFIX.test(tok.text)) return this.parseTime();

    // A word followed by an operator or `[not] in (` is a field; otherwise it is search text.
    const field = this.fieldAhead();
    const after = this.peek(field.tokens);
    if (after.type === 'op') return this.parseCompare(field);
    if (this.isKeyword(after, 'in') && this.peek(field.tokens + 1).type === '(') return this.parseIn(field, false);
    if (this.isKeyword(after, 'not') && this.isKeyword(this.peek(field.tokens + 1), 'in') && this.peek(field.tokens + 2).type === '(') return this.parseIn(field, true);
    if (field.tokens === 2) throw this.error(after, `expected an operator after ${tok.text}"${field.ref.key}", like =, != or ~`);
    this.next();
    // `env:production` reads like a filter but would silently become a text search.
    const colon = tok.text.indexOf(':');
    const known = colon > 0 ? findField(tok.text.slice(0, colon)) : undefined;
    if (known) {
      const lhs = known.type === 'keyed' ? `${known.name}.<key>` : known.name;
      throw this.error(tok, `write ${lhs}=${tok.text.slice(colon + 1) || '<value>'} (filters compare with '=', not ':'), or quote the text to search for it`);
    }
    return { type: 'text', value: valueOf(tok), pos: range(tok) };
  }

  /**
   * The field reference starting at the current word, if it is written like one:
   * `name`, `metadata.key`, or `metadata."key"` (a word ending in '.' touching a string).
   * Nothing is consumed; `tokens` says how many tokens it spans.
   */
  private fieldAhead(): { ref: FieldRef; tokens: number } {
    const tok = this.peek();
    const dot = tok.text.indexOf('.');
    const base = dot < 0 ? tok.text : tok.text.slice(0, dot);
    const quoted = this.peek(1);
    if (dot === tok.text.length - 1 && findField(base)?.type === 'keyed' && quoted.type === 'string' && quoted.start === tok.end) {
      return { ref: { name: base.toLowerCase(), key: quoted.text, pos: { start: tok.start, end: quoted.end } }, tokens: 2 };
    }
    const ref: FieldRef = dot < 0 ? { name: tok.text, pos: range(tok) } : { name: base, key: tok.text.slice(dot + 1), pos: range(tok) };
    return { ref, tokens: 1 };
  }

  /** Checks the field exists and canonicalizes its name (case-insensitive names). */
  private resolve(ref: FieldRef): FieldRef {
    if (ref.key === '' && findField(ref.name)?.type === 'keyed') {
      throw new FilterError(`expected a key after '${ref.name}.', like ${findField(ref.name)!.example}`, ref.pos!.start, ref.pos!.end);
    }
    const field = resolveField(ref);
    return { ...ref, name: field.name };
  }

  private parseCompare(found: { ref: FieldRef; tokens: number }): FilterNode {
    const field = this.resolve(found.ref);
    this.i += found.tokens;
    const opTok = this.next();
    const value = this.parseValue(`'${opTok.text}'`);
    const node: FilterNode = { type: 'compare', field, op: opTok.text as CompareOp, value, opPos: range(opTok), pos: { start: field.pos!.start, end: value.pos!.end } };
    checkCompare(node);
    return node;
  }

  private parseIn(found: { ref: FieldRef; tokens: number }, negated: boolean): FilterNode {
    const field = this.resolve(found.ref);
    this.i += found.tokens + (negated ? 2 : 1);
    const open = this.next();
    const values: FilterValue[] = [this.parseValue("'('")];
    while (this.peek().type === ',') {
      this.next();
      values.push(this.parseValue("','"));
    }
    const tok = this.peek();
    if (tok.type === 'eof') throw this.error(open, "this '(' is never closed: add ')' after the last value");
    if (tok.type !== ')') throw this.error(tok, `expected ',' or ')' in the list, found '${tok.text}'`);
    const close = this.next();
    const node: FilterNode = { type: 'in', field, negated, values, pos: { start: field.pos!.start, end: close.end } };
    checkIn(node);
    return node;
  }

  /** A value after an operator, '(' or ','; `after` names what it follows, for the error. */
  private parseValue(after: string): FilterValue {
    const tok = this.peek();
    if (tok.type === 'string') return valueOf(this.next());
    if (tok.type === 'word') {
      if (KEYWORDS.has(tok.text.toLowerCase())) {
        throw this.error(tok, `expected a value after ${after}, found the keyword '${tok.text}' (quote it to use it as a value: "${tok.text}")`);
      }
      return valueOf(this.next());
    }
    if (tok.type === 'eof') throw this.error(tok, `expected a value after ${after}`);
    throw this.error(tok, `expected a value after ${after}, found '${tok.text}'`);
  }

  private parseTime(): FilterNode {
    const tok = this.next();
    const bound = tok.text.slice(0, 5).toLowerCase() as 'since' | 'until';
    let value: FilterValue;
    if (tok.text.length > 6) {
      value = { type: 'word', text: tok.text.slice(6), pos: { start: tok.start + 6, end: tok.end } };
    } else {
      const next = this.peek();
      if (next.type !== 'word' && next.type !== 'string') {
        throw this.error(next.type === 'eof' ? next : tok, `expected a time after '${bound}:', like ${bound}:30d or ${bound}:2026-01-01`);
      }
      value = valueOf(this.next());
    }
    checkTime(value, bound);
    return { type: 'time', bound, value, pos: { start: tok.start, end: value.pos!.end } };
  }

  private parseHas(): FilterNode {
    const kw = this.next();
    if (this.inHas) throw this.error(kw, 'has() cannot be nested: list all conditions of the one span inside a single has(...)');
    const open = this.next();
    if (this.peek().type === ')') throw this.error(this.peek(), 'has() needs a condition, like has(kind=tool status=error)');
    this.inHas = true;
    try {
      const child = this.nested(kw, () => this.parseOr());
      const close = this.closeParen(open);
      return { type: 'has', child, pos: { start: kw.start, end: close.end } };
    } finally {
      this.inHas = false;
    }
  }
}

function range(tok: Token): SourceRange {
  return { start: tok.start, end: tok.end };
}

function valueOf(tok: Token): FilterValue {
  return { type: tok.type === 'string' ? 'string' : 'word', text: tok.text, pos: range(tok) };
}

function span(children: FilterNode[]): SourceRange {
  return { start: children[0].pos!.start, end: children[children.length - 1].pos!.end };
}
