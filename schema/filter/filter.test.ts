/// <reference types="vite/client" />
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  compileFilter,
  FILTER_FIELDS,
  FilterError,
  formatFilter,
  MAX_FILTER_PARAMS,
  parseFilter,
  stripPositions,
  suggest,
  type FilterNode,
  type FilterValue,
} from './index.ts';
import reference from '../../docs/filter-language.md?raw';

const NOW = Date.UTC(2026, 5, 1);
const opts = { projectId: 'p1', now: NOW };

/** The parsed tree without positions, for readable expectations. */
const tree = (text: string) => stripPositions(parseFilter(text)!);
const word = (text: string): FilterValue => ({ type: 'word', text });
const str = (text: string): FilterValue => ({ type: 'string', text });
const eq = (name: string, value: string, key?: string): FilterNode => ({ type: 'compare', field: key === undefined ? { name } : { name, key }, op: '=', value: word(value) });
const text = (t: string, quoted = false): FilterNode => ({ type: 'text', value: quoted ? str(t) : word(t) });

/** The FilterError `text` throws (fails the test if it parses). */
function parseError(text: string): FilterError {
  try {
    parseFilter(text);
  } catch (err) {
    if (err instanceof FilterError) return err;
    throw err;
  }
  throw new Error(`expected '${text}' not to parse`);
}

const countPlaceholders = (sql: string) => (sql.match(/\?/g) ?? []).length;

describe('parsing', () => {
  it('reads an empty or blank filter as "match everything" (null)', () => {
    expect(parseFilter('')).toBeNull();
    expect(parseFilter('  \t\n ')).toBeNull();
    expect(formatFilter(null)).toBe('');
    expect(compileFilter(null, 'traces', opts)).toEqual({ where: '1', params: [] });
  });

  it('binds not tighter than and, and and tighter than or', () => {
    expect(tree('env=a or env=b and not env=c')).toEqual({
      type: 'or',
      children: [eq('env', 'a'), { type: 'and', children: [eq('env', 'b'), { type: 'not', child: eq('env', 'c') }] }],
    });
    expect(tree('not env=a env=b')).toEqual({ type: 'and', children: [{ type: 'not', child: eq('env', 'a') }, eq('env', 'b')] });
  });

  it('reads juxtaposed conditions as and', () => {
    expect(tree('env=a tag=b "refund"')).toEqual(tree('env=a and tag=b and "refund"'));
    expect(tree('env=a tag=b or user=c')).toEqual({ type: 'or', children: [{ type: 'and', children: [eq('env', 'a'), eq('tag', 'b')] }, eq('user', 'c')] });
  });

  it('lets parentheses override precedence and keeps their grouping', () => {
    expect(tree('(env=a or env=b) tag=c')).toEqual({ type: 'and', children: [{ type: 'or', children: [eq('env', 'a'), eq('env', 'b')] }, eq('tag', 'c')] });
    expect(tree('((env=a))')).toEqual(eq('env', 'a'));
    expect(tree('env=a and (tag=b and user=c)')).toEqual({ type: 'and', children: [eq('env', 'a'), { type: 'and', children: [eq('tag', 'b'), eq('user', 'c')] }] });
  });

  it('accepts keywords, field names and booleans in any case', () => {
    expect(tree('ENV=a AND Not TAG=b OR user=c')).toEqual(tree('env=a and not tag=b or user=c'));
    expect(tree('Latency>5s')).toEqual(tree('latency>5s'));
    expect(compileFilter(parseFilter('error=TRUE'), 'traces', opts).params).toEqual([1]);
  });

  it('reads every operator, with or without spaces', () => {
    for (const op of ['=', '!=', '>', '>=', '<', '<=']) expect(tree(`latency ${op} 5s`)).toEqual(tree(`latency${op}5s`));
    expect(tree('name~search')).toMatchObject({ type: 'compare', op: '~' });
    expect(tree('name == x')).toEqual(tree('name=x'));
  });

  it('reads in and not in lists of bare and quoted values', () => {
    expect(tree('model in (gpt-4o, "gpt-4o-mini")')).toEqual({
      type: 'in',
      field: { name: 'model' },
      negated: false,
      values: [word('gpt-4o'), str('gpt-4o-mini')],
    });
    expect(tree("kind not in (tool,'llm')")).toEqual({ type: 'in', field: { name: 'kind' }, negated: true, values: [word('tool'), str('llm')] });
  });

  it('reads double- and single-quoted strings with backslash escapes', () => {
    expect(tree('"say \\"hi\\""')).toEqual(text('say "hi"', true));
    expect(tree("'it\\'s'")).toEqual(text("it's", true));
    expect(tree('"a\\nb\\t\\\\"')).toEqual(text('a\nb\t\\', true));
    expect(tree('name="and"')).toEqual({ type: 'compare', field: { name: 'name' }, op: '=', value: str('and') });
  });

  it('reads keyed fields with bare or quoted keys', () => {
    expect(tree('metadata.customer_tier=gold')).toEqual(eq('metadata', 'gold', 'customer_tier'));
    expect(tree('metadata.a.b-c_d=1')).toEqual(eq('metadata', '1', 'a.b-c_d'));
    expect(tree('metadata."my key"=x')).toEqual(eq('metadata', 'x', 'my key'));
    expect(tree("feedback.'q\"x'=1")).toEqual(eq('feedback', '1', 'q"x'));
    expect(tree('score.helpfulness<0.5')).toMatchObject({ field: { name: 'score', key: 'helpfulness' }, op: '<' });
  });

  it('reads durations in ms s m h d, and a bare latency number as milliseconds', () => {
    const param = (q: string) => compileFilter(parseFilter(q), 'spans', opts).params[0];
    expect(param('latency<=250ms')).toBe(250);
    expect(param('latency>5s')).toBe(5000);
    expect(param('latency>2.5s')).toBe(2500);
    expect(param('latency>2m')).toBe(120_000);
    expect(param('latency>1h')).toBe(3_600_000);
    expect(param('latency>1d')).toBe(86_400_000);
    expect(param('latency>1500')).toBe(1500);
  });

  it('reads weeks (w) in durations and time windows, as the CLI reads --since 2w', () => {
    expect(compileFilter(parseFilter('since:2w'), 'traces', opts).params[0]).toBe(NOW - 14 * 86_400_000);
    expect(compileFilter(parseFilter('latency>1w'), 'spans', opts).params[0]).toBe(604_800_000);
  });

  it('reads numbers in plain, negative, decimal and exponent form', () => {
    const param = (q: string) => compileFilter(parseFilter(q), 'spans', opts).params[0];
    expect(param('cost>0.5')).toBe(0.5);
    expect(param('tokens>=-1')).toBe(-1);
    expect(param('tokens<1e3')).toBe(1000);
    expect(param('cost<.25')).toBe(0.25);
  });

  it('reads time windows relative to now or as dates (UTC unless a zone is given)', () => {
    const param = (q: string) => compileFilter(parseFilter(q), 'traces', opts).params[0];
    expect(param('since:30d')).toBe(NOW - 30 * 86_400_000);
    expect(param('since:12h')).toBe(NOW - 12 * 3_600_000);
    expect(param('since: 12h')).toBe(NOW - 12 * 3_600_000);
    expect(param('since:2026-01-01')).toBe(Date.UTC(2026, 0, 1));
    expect(param('until:2026-01-01T10:00:00Z')).toBe(Date.UTC(2026, 0, 1, 10));
    expect(param('until:2026-01-01T10:00')).toBe(Date.UTC(2026, 0, 1, 10));
    expect(param('since:2026-01-01T10:00:00+02:00')).toBe(Date.UTC(2026, 0, 1, 8));
    expect(param('since:"2026-01-01T10:00:00.250Z"')).toBe(Date.UTC(2026, 0, 1, 10, 0, 0, 250));
    expect(tree('SINCE:7d')).toEqual({ type: 'time', bound: 'since', value: word('7d') });
  });

  it('reads lone words as full-text search, including words that are only keywords elsewhere', () => {
    expect(tree('refund')).toEqual(text('refund'));
    expect(tree('has in gpt-4o')).toEqual({ type: 'and', children: [text('has'), text('in'), text('gpt-4o')] });
    expect(tree('latency')).toEqual(text('latency'));
    expect(tree('hello! "x"')).toEqual({ type: 'and', children: [text('hello!'), text('x', true)] });
  });

  it('records source positions on nodes, fields, operators and values', () => {
    const node = parseFilter('  env != "prod"') as Extract<FilterNode, { type: 'compare' }>;
    expect(node.pos).toEqual({ start: 2, end: 15 });
    expect(node.field.pos).toEqual({ start: 2, end: 5 });
    expect(node.opPos).toEqual({ start: 6, end: 8 });
    expect(node.value.pos).toEqual({ start: 9, end: 15 });
  });

  it('parses and compiles every documented example', () => {
    for (const q of [
      'env=production feedback.thumbs=0 since:30d',
      'score.helpfulness<0.5 or feedback.outcome=0',
      '"refund" tag=checkout latency>5s',
      'has(kind=tool name=search_flights status=error)',
      'not (status=error or latency > 2.5s) model in (gpt-4o, "gpt-4o-mini")',
      'metadata.customer_tier=gold',
      'error~timeout',
    ]) {
      const { where, params } = compileFilter(parseFilter(q), 'traces', opts);
      expect(countPlaceholders(where), q).toBe(params.length);
    }
  });
});

describe('errors point at the problem', () => {
  const cases: [input: string, position: number, end: number, message: string][] = [
    ['colour=red', 0, 6, "unknown field 'colour'"],
    ['envv=prod', 0, 4, "did you mean 'env'?"],
    ['environment=prod', 0, 11, "did you mean 'env'?"],
    ['metdata.x=1', 0, 9, "unknown field 'metdata.x'; did you mean 'metadata'?"],
    ['name.x=1', 0, 6, 'only metadata, feedback and score take a key'],
    ['metadata=1', 0, 8, 'metadata needs a key'],
    ['feedback.=1', 0, 9, "expected a key after 'feedback.'"],
    ['kind=robot', 5, 10, "unknown kind 'robot': expected one of agent, chain, llm, tool, retriever, embedding, guardrail, evaluator, other"],
    ['status in (ok, broken)', 15, 21, "unknown status 'broken': expected one of ok, error, unset"],
    ['latency > fast', 10, 14, 'latency needs a duration like 250ms, 5s or 2m'],
    ['latency > "5s"', 10, 14, 'remove the quotes'],
    ['tokens > 5s', 9, 11, 'tokens needs a number'],
    ['cost=cheap', 5, 10, 'cost needs a number'],
    ['name > x', 5, 6, "'>' does not apply to name"],
    ['kind~to', 4, 5, "'~' (contains) does not apply to kind"],
    ['latency~5', 7, 8, "'~' (contains) does not apply to latency"],
    ['metadata.flag>true', 14, 18, "'>' cannot compare with true"],
    ['error in (true, timeout)', 16, 23, 'either true/false or error texts'],
    ['latency >', 9, 9, "expected a value after '>'"],
    ['latency >= and', 11, 14, "expected a value after '>=', found the keyword 'and'"],
    ['env = )', 6, 7, "expected a value after '=', found ')'"],
    ['name="abc', 5, 9, 'unterminated string: add a closing "'],
    ["'abc", 0, 4, "unterminated string: add a closing '"],
    ['"abc\\', 0, 5, 'unterminated string'],
    ['(env=a', 0, 1, "this '(' is never closed"],
    ['(env=a or (tag=b)', 0, 1, "this '(' is never closed"],
    ['env=a)', 5, 6, "unexpected ')': there is no '(' before it"],
    ['()', 1, 2, 'empty parentheses'],
    ['env=a and', 9, 9, "expected a filter after 'and'"],
    ['env=a or', 8, 8, "expected a filter after 'or'"],
    ['not', 3, 3, "expected a filter after 'not'"],
    ['env=a and or tag=b', 10, 12, "expected a filter after 'and', found 'or'"],
    ['and env=a', 0, 3, "expected a filter before 'and'"],
    ['> 5', 0, 1, "expected a field before '>'"],
    ['env=a = b', 6, 7, "expected a field before '='"],
    ['env=a, tag=b', 5, 6, "unexpected ','"],
    ['"name"=x', 0, 6, 'field names are not quoted'],
    ['metadata."k" x', 13, 14, 'expected an operator after metadata."k"'],
    ['model in (a,', 12, 12, "expected a value after ','"],
    ['model in ()', 10, 11, "expected a value after '('"],
    ['model in (a b)', 12, 13, "expected ',' or ')' in the list, found 'b'"],
    ['model in (a, b', 9, 10, "this '(' is never closed"],
    ['!error', 0, 1, "use 'not' to negate"],
    ['env:production', 0, 14, 'write env=production'],
    ['metadata:x', 0, 10, 'write metadata.<key>=x'],
    ['since:yesterday', 6, 15, 'since: needs a time like 30d'],
    ['until:2026-02-30', 6, 16, 'until: needs a time'],
    ['since:', 6, 6, "expected a time after 'since:'"],
    ['since:5', 6, 7, 'since: needs a time'],
    ['has()', 4, 5, 'has() needs a condition'],
    ['has(kind=tool has(name=x))', 14, 17, 'has() cannot be nested'],
    ['has(kind=tool', 3, 4, "this '(' is never closed"],
  ];

  for (const [input, position, end, message] of cases) {
    it(`${JSON.stringify(input)} fails at ${position}..${end}`, () => {
      const err = parseError(input);
      expect(err.message).toContain(message);
      expect([err.position, err.end]).toEqual([position, end]);
    });
  }

  it('refuses nesting deeper than it can handle with a FilterError, not a stack overflow', () => {
    expect(parseError('('.repeat(10_000) + 'env=a' + ')'.repeat(10_000)).message).toContain('nested too deeply');
    expect(parseError('not '.repeat(10_000) + 'env=a').message).toContain('nested too deeply');
    expect(parseFilter('('.repeat(20) + 'env=a' + ')'.repeat(20))).toBeTruthy();
  });

  it('rejects has() in a span filter at the has()', () => {
    const node = parseFilter('env=a has(kind=tool)');
    expect(() => compileFilter(node, 'spans', opts)).toThrow(FilterError);
    try {
      compileFilter(node, 'spans', opts);
    } catch (err) {
      expect(err).toMatchObject({ position: 6, end: 20, message: expect.stringContaining('only applies to trace filters') });
    }
  });

  it(`rejects a filter needing more than ${MAX_FILTER_PARAMS} parameters, spanning the whole input`, () => {
    const values = Array.from({ length: MAX_FILTER_PARAMS }, (_, i) => `v${i}`);
    const ok = `env in (${values.join(', ')})`;
    expect(compileFilter(parseFilter(ok), 'traces', opts).params).toHaveLength(MAX_FILTER_PARAMS);
    const tooMany = `env in (${values.join(', ')}, one_more)`;
    try {
      compileFilter(parseFilter(tooMany), 'traces', opts);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FilterError);
      expect(err).toMatchObject({ position: 0, end: tooMany.length, message: expect.stringContaining('too large') });
    }
  });

  it('validates hand-built trees when compiling', () => {
    const bad: FilterNode = { type: 'compare', field: { name: 'latency' }, op: '>', value: word('soon') };
    expect(() => compileFilter(bad, 'traces', opts)).toThrow(/latency needs a duration/);
    const unknown: FilterNode = { type: 'compare', field: { name: 'colour' }, op: '=', value: word('red') };
    expect(() => compileFilter(unknown, 'spans', opts)).toThrow(FilterError);
  });
});

describe('the reference (docs/filter-language.md)', () => {
  it('every example in its plain code blocks parses and compiles', () => {
    // Lines of fenced blocks without a language (```json, ```ts blocks are not filters).
    const examples: string[] = [];
    let fence: string | null = null;
    for (const line of reference.split('\n')) {
      if (line.startsWith('```')) fence = fence === null ? line.slice(3) : null;
      else if (fence === '') examples.push(line.replace(/\s+#\s.*$/, '').trim());
    }
    examples.splice(0, examples.length, ...examples.filter(Boolean));
    expect(examples.length).toBeGreaterThan(30);
    for (const q of examples) {
      const node = parseFilter(q);
      expect(node, q).not.toBeNull();
      expect(() => compileFilter(node, 'traces', opts), q).not.toThrow();
    }
  });

  it('every error in its table fails with the documented message', () => {
    const section = reference.slice(reference.indexOf('## Errors'), reference.indexOf('## Quick reference'));
    const rows = [...section.matchAll(/^\| `([^`]+)` \| (.+?) \| .+ \|$/gm)];
    expect(rows.length).toBeGreaterThan(10);
    for (const [, q, message] of rows) expect(parseError(q).message, q).toContain(message.split('…')[0].trim());
  });

  it('documents every field', () => {
    for (const f of FILTER_FIELDS) expect(reference).toMatch(new RegExp(`^\\| \`${f.name}(\\.<key>)?\` \\|`, 'm'));
  });
});

describe('formatting', () => {
  it('prints canonical text that reads back as the same tree', () => {
    const cases: [string, string][] = [
      ['env=a tag=b', 'env=a and tag=b'],
      ['NOT (status = error OR latency > 2.5s) model IN (gpt-4o, "gpt-4o-mini")', 'not (status=error or latency>2.5s) and model in (gpt-4o, "gpt-4o-mini")'],
      ["metadata.'my key'=x", 'metadata."my key"=x'],
      ['has(kind=tool name=x)', 'has(kind=tool and name=x)'],
      ['env=a and (tag=b and user=c)', 'env=a and (tag=b and user=c)'],
      ['(env=a or env=b) or env=c', '(env=a or env=b) or env=c'],
      ["'it\\'s'", '"it\'s"'],
      ['since: 7d', 'since:7d'],
    ];
    for (const [input, canonical] of cases) {
      expect(formatFilter(parseFilter(input))).toBe(canonical);
      expect(tree(canonical)).toEqual(tree(input));
    }
  });

  it('quotes values a hand-built tree holds as words but cannot be written bare', () => {
    const node: FilterNode = { type: 'and', children: [text('two words'), text('since:1d'), text('env:x'), eq('name', 'and')] };
    expect(formatFilter(node)).toBe('"two words" and "since:1d" and "env:x" and name="and"');
  });
});

describe('compiling', () => {
  it('never puts a user value into the SQL text', () => {
    const q = `name="x'; DROP TABLE spans; --" metadata."k'\\"]"=v 'refund" OR 1=1' error~"%_\\\\"`;
    const { where, params } = compileFilter(parseFilter(q), 'traces', opts);
    expect(where).not.toContain('DROP');
    expect(where).not.toContain('refund');
    expect(where).not.toContain("k'");
    expect(params).toContain("x'; DROP TABLE spans; --");
    expect(params).toContain('"refund"" OR 1=1"');
    expect(params).toContain('%\\%\\_\\\\%');
  });

  it('scopes every subquery by the project', () => {
    const { where, params } = compileFilter(parseFilter('"refund" has(kind=tool) feedback.thumbs=0 kind=llm model=x error~y'), 'traces', opts);
    const subqueries = where.match(/SELECT/g)!.length;
    const scoped = where.match(/project_id = \?/g)!.length;
    expect(scoped).toBe(subqueries);
    expect(params.filter((p) => p === 'p1')).toHaveLength(subqueries);
  });

  it('refers to traces as t and spans as s', () => {
    expect(compileFilter(parseFilter('env=a'), 'traces', opts).where).toBe('t.environment IS ?');
    expect(compileFilter(parseFilter('env=a'), 'spans', opts).where).toBe('s.environment IS ?');
  });
});

describe('autocomplete', () => {
  const labels = (text: string, cursor = text.length) => suggest(text, cursor).options.map((o) => o.label);

  it('offers fields and keywords at the start of a condition, filtered by what is typed', () => {
    expect(labels('')).toEqual(expect.arrayContaining(['name', 'latency', 'metadata.', 'feedback.', 'since:', 'has(', 'not']));
    expect(labels('')).not.toContain('and');
    expect(labels('la')).toEqual(['latency']);
    expect(suggest('env=a la', 8)).toMatchObject({ from: 6, to: 8 });
    expect(labels('env=a ')).toEqual(expect.arrayContaining(['and', 'or', 'tag']));
  });

  it('offers the operators a field takes', () => {
    expect(labels('latency ')).toEqual(['>', '>=', '<', '<=', '=', '!=']);
    expect(labels('kind ')).toEqual(['=', '!=', 'in', 'not in']);
    expect(labels('name i')).toEqual(['in']);
    expect(labels('metadata.tier ')).toContain('~');
    expect(labels('metadata."my key" ')).toContain('>=');
  });

  it('offers enum values, booleans and durations after an operator or inside in (...)', () => {
    expect(labels('kind=')).toContain('retriever');
    expect(labels('kind=to')).toEqual(['tool']);
    expect(suggest('kind=to', 7)).toMatchObject({ from: 5, to: 7 });
    expect(labels('status in (ok, ')).toEqual(['ok', 'error', 'unset']);
    expect(labels('status not in (e')).toEqual(['error']);
    expect(labels('error=')).toEqual(['true', 'false']);
    expect(labels('latency > ')).toContain('5s');
    expect(labels('since:')).toEqual(['1h', '24h', '7d', '30d']);
    expect(suggest('since:7', 7)).toMatchObject({ from: 6, to: 7, options: [{ label: '7d' }] });
  });

  it('leaves keys and free values to the caller, at the right range', () => {
    expect(suggest('metadata.cus', 12)).toEqual({ from: 9, to: 12, options: [] });
    expect(suggest('env=prod', 8)).toEqual({ from: 4, to: 8, options: [] });
  });

  it('completes the word under the cursor, not only at the end', () => {
    expect(suggest('lat>5s', 2)).toMatchObject({ from: 0, to: 3, options: [{ label: 'latency' }] });
  });
});

// ---- property tests -------------------------------------------------------------------

const KEYWORD = /^(and|or|not)$/i;
const bareWord = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.:\/+-]{0,8}$/).filter((w) => !KEYWORD.test(w));
const textWord = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.\/+-]{0,8}$/).filter((w) => !KEYWORD.test(w));
const anyString = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }));
const anyValue: fc.Arbitrary<FilterValue> = fc.oneof(bareWord.map(word), anyString.map(str));
const numberWord = fc.oneof(fc.integer({ min: -1e6, max: 1e9 }).map(String), fc.double({ noNaN: true, noDefaultInfinity: true }).map(String)).map(word);
const durationWord = fc.oneof(
  fc.nat(100_000).map(String),
  fc.tuple(fc.nat(1000), fc.constantFrom('ms', 's', 'm', 'h', 'd')).map(([n, u]) => `${n}${u}`),
  fc.tuple(fc.nat(99), fc.nat(9), fc.constantFrom('s', 'm')).map(([a, b, u]) => `${a}.${b}${u}`),
).map(word);
const boolWord = fc.constantFrom('true', 'false', 'TRUE').map(word);
const orderingOp = fc.constantFrom('>', '>=', '<', '<=' as const);

/** A valid comparison or in-list on one field, with values that field accepts. */
function fieldTest(field: (typeof FILTER_FIELDS)[number]): fc.Arbitrary<FilterNode> {
  const ref = field.type === 'keyed' ? anyString.filter((k) => k.length > 0).map((key) => ({ name: field.name, key })) : fc.constant({ name: field.name });
  const cmp = (op: fc.Arbitrary<string>, value: fc.Arbitrary<FilterValue>) =>
    fc.record({ type: fc.constant('compare' as const), field: ref, op: op as fc.Arbitrary<'='>, value });
  const list = (value: fc.Arbitrary<FilterValue>) =>
    fc.record({ type: fc.constant('in' as const), field: ref, negated: fc.boolean(), values: fc.array(value, { minLength: 1, maxLength: 4 }) });
  const eqOps = fc.constantFrom('=', '!=');
  switch (field.type) {
    case 'string':
      return fc.oneof(cmp(fc.constantFrom('=', '!=', '~'), anyValue), list(anyValue));
    case 'enum': {
      const value = fc.constantFrom(...field.values!).chain((v) => fc.constantFrom(word(v), word(v.toUpperCase()), str(v)));
      return fc.oneof(cmp(eqOps, value), list(value));
    }
    case 'number':
      return fc.oneof(cmp(fc.oneof(eqOps, orderingOp), numberWord), list(numberWord));
    case 'duration':
      return fc.oneof(cmp(fc.oneof(eqOps, orderingOp), durationWord), list(durationWord));
    case 'boolean': {
      const textValue = fc.oneof(bareWord.filter((w) => !/^(true|false)$/i.test(w)).map(word), anyString.map(str));
      return fc.oneof(cmp(eqOps, boolWord), cmp(fc.constantFrom('=', '!=', '~'), textValue), list(boolWord), list(textValue));
    }
    case 'keyed':
      return fc.oneof(
        cmp(fc.constantFrom('=', '!=', '~'), fc.oneof(anyValue, numberWord, boolWord)),
        cmp(orderingOp, fc.oneof(anyValue.filter((v) => v.type === 'string' || !/^(true|false)$/i.test(v.text)), numberWord)),
        list(fc.oneof(anyValue, numberWord, boolWord)),
      );
  }
}

const atom: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.constantFrom(...FILTER_FIELDS.filter((f) => f.targets.includes('traces'))).chain(fieldTest),
  fc.oneof(textWord.map(word), anyString.map(str)).map((value) => ({ type: 'text' as const, value })),
  fc.record({
    type: fc.constant('time' as const),
    bound: fc.constantFrom('since' as const, 'until' as const),
    value: fc.oneof(fc.constantFrom('30d', '12h', '90m', '2026-01-01', '2026-01-01T10:00:00Z', '2025-12-31T23:59:59.5+05:30').map(word), fc.constant(str('7d'))),
  }),
);

/** Random valid trees; `spanLevel` trees contain no has() (they go inside one). */
function trees(spanLevel: boolean): fc.Arbitrary<FilterNode> {
  return fc.letrec<{ node: FilterNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom,
      tie('node').map((child) => ({ type: 'not' as const, child })),
      fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((children) => ({ type: 'and' as const, children })),
      fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((children) => ({ type: 'or' as const, children })),
      ...(spanLevel ? [] : [trees(true).map((child) => ({ type: 'has' as const, child }))]),
    ),
  })).node;
}

/** Strings made of the language's own pieces, so the parser's corners get exercised, plus raw unicode. */
const filterish = fc.oneof(
  fc.array(
    fc.constantFrom('(', ')', '"', "'", '\\', '=', '!=', '!', '>', '>=', '<', '~', ',', ' ', 'and', 'or', 'not', 'in', 'has(', 'has', 'since:', 'until:', 'latency', 'kind', 'status', 'error', 'metadata.', 'feedback.x', 'score.', 'tag', 'x', '5s', '-1', '1e3', 'true', 'é', '🙂', '\u0000', '\n', '2026-01-01', 'env:'),
    { maxLength: 25 },
  ).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
);

describe('properties', () => {
  it('formatFilter then parseFilter gives back any valid tree', () => {
    fc.assert(
      fc.property(trees(false), (node) => {
        const text = formatFilter(node);
        expect(stripPositions(parseFilter(text)!)).toEqual(node);
      }),
      { numRuns: 1000 },
    );
  });

  it('any text either parses or throws a FilterError positioned inside the text', () => {
    fc.assert(
      fc.property(filterish, (text) => {
        let node: FilterNode | null = null;
        try {
          node = parseFilter(text);
        } catch (err) {
          expect(err).toBeInstanceOf(FilterError);
          const { position, end } = err as FilterError;
          expect(0 <= position && position <= end && end <= text.length, `${position}..${end} in ${JSON.stringify(text)}`).toBe(true);
          return;
        }
        // Whatever parses also formats to text that parses to the same tree...
        if (node) expect(stripPositions(parseFilter(formatFilter(node))!)).toEqual(stripPositions(node));
        // ...and compiles, or is refused with a FilterError (has() in a span filter, too many parameters).
        for (const target of ['traces', 'spans'] as const) {
          try {
            const { where, params } = compileFilter(node, target, opts);
            expect(countPlaceholders(where)).toBe(params.length);
          } catch (err) {
            expect(err).toBeInstanceOf(FilterError);
            const { position, end } = err as FilterError;
            expect(0 <= position && position <= end && end <= text.length).toBe(true);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('compiled SQL has exactly one placeholder per parameter', () => {
    fc.assert(
      fc.property(trees(false), trees(true), (traceNode, spanNode) => {
        for (const [node, target] of [[traceNode, 'traces'], [spanNode, 'spans']] as const) {
          try {
            const { where, params } = compileFilter(node, target, opts);
            expect(countPlaceholders(where)).toBe(params.length);
            expect(params.length).toBeLessThanOrEqual(MAX_FILTER_PARAMS);
          } catch (err) {
            // Big random trees may exceed the parameter cap; that must be the only refusal.
            expect((err as Error).message).toContain('too large');
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('autocomplete never throws and returns a range inside the text', () => {
    fc.assert(
      fc.property(filterish, fc.nat(), (text, n) => {
        const cursor = n % (text.length + 1);
        const { from, to } = suggest(text, cursor);
        expect(0 <= from && from <= to && to <= text.length).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
