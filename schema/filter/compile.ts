/**
 * Compiles a filter tree to a parameterized SQLite boolean expression for D1.
 *
 * Invariants the callers rely on:
 * - User values only ever reach SQL as bound `?` parameters, in order, in `params`.
 * - Every subquery over spans or feedback is scoped by its own `project_id = ?`, so a
 *   filter can never see another project's rows whatever the caller's WHERE does.
 * - Every atom evaluates to 0 or 1, never NULL (missing values are handled explicitly),
 *   so `not x` is the exact complement of `x` and callers may negate a compiled filter.
 * - Every atom binds at least one parameter, so the parameter cap also bounds the
 *   expression's size and depth.
 */
import type { CompareOp, FilterNode } from './ast.ts';
import { FilterError } from './errors.ts';
import { findField, type FieldTarget, type FilterTarget } from './fields.ts';
import { checkCompare, checkIn, checkTime, parseTime, resolveField, type Literal } from './values.ts';

/** What compileFilter needs besides the tree. `now` (epoch ms) anchors `since:30d`. */
export interface CompileOptions {
  projectId: string;
  now: number;
  /**
   * Full-text terms (as written) known to match many spans, for trace filters. Either
   * form gives the same traces; only the plan differs. A rare term is best looked up the
   * FTS way (its spans, then their traces: cost grows with the matches); a frequent one
   * is best checked per trace while scanning the newest traces (cost grows with the traces
   * scanned), since mapping hundreds of thousands of matches to traces is what is slow.
   * The caller decides from a bounded count (workers/store/trace-query.ts).
   */
  frequentTexts?: ReadonlySet<string>;
}

/** Every full-text term a trace filter searches at trace level (not inside has()). */
export function traceLevelTexts(node: FilterNode | null): string[] {
  const out: string[] = [];
  const walk = (n: FilterNode) => {
    if (n.type === 'text') out.push(n.value.text);
    else if (n.type === 'and' || n.type === 'or') n.children.forEach(walk);
    else if (n.type === 'not') walk(n.child);
  };
  if (node) walk(node);
  return [...new Set(out)];
}

/** A WHERE-ready boolean expression and its parameters, in placeholder order. */
export interface CompiledFilter {
  where: string;
  params: (string | number)[];
}

/**
 * Most parameters one filter may bind. D1 allows 100 bound parameters per statement;
 * the rest is headroom for the caller's own (project, time range, cursor, limit).
 */
export const MAX_FILTER_PARAMS = 80;

/**
 * How FTS rows map to spans. The indexer (workers/store/indexer.ts, UPSERT_FTS) gives each
 * span two FTS rows, `2*rowid` (name + input) and `2*rowid+1` (output + error), so a
 * later post can replace one side alone. Keep in step with it.
 */
const FTS_SPAN_ROWID = 'spans_fts.rowid >> 1';

/** Which rows field names refer to: the trace row `t`, or a span row under an alias. */
type Scope = { level: 'trace' } | { level: 'span'; alias: 's' | 's2'; inHas: boolean } | { level: 'example'; alias: 'e' };

/** One test against a field: a comparison, or an `in` list (`values` then holds several). */
interface Test {
  op: CompareOp | 'in' | 'not in';
  values: Literal[];
}

/**
 * Compiles `node` for `target` ('traces': rows of `traces t`; 'spans': rows of `spans s`;
 * 'examples': rows of `dataset_example_revisions e`, a dataset's examples).
 * The caller still adds its own `t.project_id = ?` / `s.project_id = ?`. A null node
 * (the empty filter) compiles to `1`. Throws FilterError for trees the language rejects
 * (has() outside a trace filter, more than MAX_FILTER_PARAMS parameters, invalid values).
 */
export function compileFilter(node: FilterNode | null, target: FieldTarget, opts: CompileOptions): CompiledFilter {
  if (!node) return { where: '1', params: [] };
  checkTargets(node, target);
  const compiler = new Compiler(opts);
  const scope: Scope = target === 'traces' ? { level: 'trace' } : target === 'spans' ? { level: 'span', alias: 's', inHas: false } : { level: 'example', alias: 'e' };
  const where = compiler.node(node, scope);
  if (compiler.params.length > MAX_FILTER_PARAMS) {
    throw new FilterError(
      `this filter is too large: it needs ${compiler.params.length} query parameters and the limit is ${MAX_FILTER_PARAMS}; use fewer conditions or shorter in (...) lists`,
      0,
      node.pos?.end ?? 0,
    );
  }
  return { where, params: compiler.params };
}

/** Throws a FilterError at the first field that does not apply to `target` (e.g. `split`, for examples only). */
export function checkTargets(node: FilterNode, target: FieldTarget): void {
  switch (node.type) {
    case 'and':
    case 'or':
      for (const c of node.children) checkTargets(c, target);
      return;
    case 'has':
      if (target === 'examples') throw new FilterError('has() applies to traces: an example has no spans', node.pos?.start ?? 0, node.pos?.end ?? 0);
      return checkTargets(node.child, target);
    case 'not':
      return checkTargets(node.child, target);
    case 'compare':
    case 'in': {
      const field = findField(node.field.name);
      if (field && !field.targets.includes(target)) {
        const where = field.targets.map((t) => (t === 'examples' ? 'dataset examples' : t)).join(' and ');
        throw new FilterError(`${field.name} applies to ${where}, not to ${target === 'examples' ? 'dataset examples' : target}`, node.field.pos?.start ?? 0, node.field.pos?.end ?? 0);
      }
      return;
    }
    default:
      return;
  }
}

const NUMERIC = "j.type IN ('integer', 'real')";
const FEEDBACK_VALUE = "(f.value ->> '$')";

class Compiler {
  readonly params: (string | number)[] = [];
  private readonly opts: CompileOptions;

  constructor(opts: CompileOptions) {
    this.opts = opts;
  }

  /** Binds a value and returns its placeholder. Call in the order placeholders appear. */
  private bind(value: string | number): string {
    this.params.push(value);
    return '?';
  }

  private bindAll(values: (string | number)[]): string {
    return values.map((v) => this.bind(v)).join(', ');
  }

  node(node: FilterNode, scope: Scope): string {
    switch (node.type) {
      case 'and':
      case 'or':
        return `(${node.children.map((c) => this.node(c, scope)).join(node.type === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `NOT (${this.node(node.child, scope)})`;
      case 'compare':
        return this.field(node.field.name, node.field.key, { op: node.op, values: [checkCompare(node)] }, scope);
      case 'in':
        return this.field(node.field.name, node.field.key, { op: node.negated ? 'not in' : 'in', values: checkIn(node) }, scope);
      case 'text':
        return this.text(node.value.text, scope);
      case 'time': {
        checkTime(node.value, node.bound);
        // An example has no start: since/until read when it was last changed.
        const column = scope.level === 'trace' ? 't.start_time' : scope.level === 'example' ? 'e.modified_at' : `${scope.alias}.start_time`;
        const at = parseTime(node.value.text, this.opts.now)!;
        return `(${column} IS NOT NULL AND ${column} ${node.bound === 'since' ? '>=' : '<'} ${this.bind(at)})`;
      }
      case 'has': {
        if (scope.level === 'example') throw new FilterError('has() applies to traces: an example has no spans', node.pos?.start ?? 0, node.pos?.end ?? 0);
        if (scope.level === 'span') {
          const why = scope.inHas ? 'has() cannot be nested' : 'has() only applies to trace filters: a span filter already matches one span at a time';
          throw new FilterError(why, node.pos?.start ?? 0, node.pos?.end ?? 0);
        }
        return this.spanExists(() => this.node(node.child, { level: 'span', alias: 's2', inHas: true }));
      }
    }
  }

  /** `EXISTS` a span of this trace (alias s2) for which `cond()` holds. */
  private spanExists(cond: () => string): string {
    const project = this.bind(this.opts.projectId);
    return `EXISTS (SELECT 1 FROM spans s2 WHERE s2.project_id = ${project} AND s2.trace_id = t.trace_id AND ${cond()})`;
  }

  /** Full-text search: the user's text becomes one quoted FTS5 phrase, so its syntax characters are inert. */
  private text(text: string, scope: Scope): string {
    if (scope.level === 'example') {
      // Examples are not in the spans' full-text index: a case-insensitive substring over
      // their JSON (a dataset is scanned in id order a page at a time anyway).
      const needle = this.bind(text.toLowerCase());
      return `instr(lower(e.inputs || ' ' || coalesce(e.outputs, '') || ' ' || coalesce(e.criteria, '') || ' ' || e.metadata), ${needle}) > 0`;
    }
    const phrase = ftsPhrase(text);
    if (scope.level === 'span') {
      // The outer span row is already project-scoped and rowids are unique, so no project check is needed here.
      return `${scope.alias}.rowid IN (SELECT ${FTS_SPAN_ROWID} FROM spans_fts WHERE spans_fts MATCH ${this.bind(phrase)})`;
    }
    if (this.opts.frequentTexts?.has(text)) {
      // Frequent term: the set of matching span rowids is cheap (no lookups); each trace
      // scanned checks its own spans against it through the covering spans_key index.
      const project = this.bind(this.opts.projectId);
      return `EXISTS (SELECT 1 FROM spans s WHERE s.project_id = ${project} AND s.trace_id = t.trace_id AND s.rowid IN (SELECT ${FTS_SPAN_ROWID} FROM spans_fts WHERE spans_fts MATCH ${this.bind(phrase)}))`;
    }
    const match = this.bind(phrase);
    return `t.trace_id IN (SELECT s.trace_id FROM spans_fts JOIN spans s ON s.rowid = ${FTS_SPAN_ROWID} WHERE spans_fts MATCH ${match} AND s.project_id = ${this.bind(this.opts.projectId)})`;
  }

  private field(name: string, key: string | undefined, test: Test, scope: Scope): string {
    const field = resolveField({ name, key });
    if (field.type === 'keyed') {
      if (field.name === 'insight') return this.insight(scope, key!, test);
      return field.name === 'metadata' ? this.metadata(scope, key!, test) : this.feedback(scope, key!, test);
    }
    if (scope.level === 'trace') return this.traceField(field.name, test);
    if (scope.level === 'example') return this.exampleField(field.name, test);
    return this.spanField(scope.alias, field.name, test);
  }

  /** A dataset example's own fields (checkTargets let only example fields through). */
  private exampleField(name: string, test: Test): string {
    switch (name) {
      case 'tag':
        return this.jsonArray('e.tags', test);
      case 'split':
        return this.jsonArray('e.splits', test);
      case 'trace':
        return this.scalar("json_extract(e.source, '$.trace_id')", true, test);
      case 'source':
        return this.scalar("(CASE WHEN json_extract(e.source, '$.queue_id') IS NOT NULL THEN 'review' WHEN json_extract(e.source, '$.trace_id') IS NOT NULL THEN 'trace' ELSE 'manual' END)", false, test);
      default:
        throw new FilterError(`${name} does not apply to dataset examples`, 0, 0);
    }
  }

  private traceField(name: string, test: Test): string {
    switch (name) {
      case 'kind':
      case 'model':
        return this.someSpan(name, test);
      case 'error':
        // true/false is the trace's own flag; text is matched against its spans' messages.
        if (test.values[0].kind !== 'boolean') return this.someSpan(name, test);
        return this.scalar('t.has_error', false, test, (l) => (l.value ? 1 : 0));
      case 'status':
        return this.scalar("(CASE WHEN t.has_error = 1 THEN 'error' WHEN t.root_ended = 1 THEN 'ok' ELSE 'unset' END)", false, test);
      case 'tag':
        return this.jsonArray('t.tags', test);
      default:
        return this.scalar(`t.${TRACE_COLUMNS[name]}`, true, test);
    }
  }

  /**
   * A span-derived field at trace level: "some span has kind=tool". Negative tests negate
   * the positive one ("no span has kind=tool"), which is what `model!=gpt-4o` is asked for.
   */
  private someSpan(name: string, test: Test): string {
    const negative = test.op === '!=' || test.op === 'not in';
    const positive: Test = negative ? { op: test.op === '!=' ? '=' : 'in', values: test.values } : test;
    const exists = this.spanExists(() => this.spanField('s2', name, positive));
    return negative ? `NOT ${exists}` : exists;
  }

  private spanField(alias: string, name: string, test: Test): string {
    switch (name) {
      case 'status':
        return this.scalar(`COALESCE(${alias}.status, 'unset')`, false, test);
      case 'error':
        if (test.values[0].kind === 'boolean') return this.spanFailed(alias, test);
        return this.scalar(`${alias}.error`, true, test);
      case 'tag':
        return this.jsonArray(`${alias}.tags`, test);
      default:
        return this.scalar(`${alias}.${SPAN_COLUMNS[name]}`, true, test);
    }
  }

  /** `error=true|false` on a span: its status is (not) error. */
  private spanFailed(alias: string, test: Test): string {
    const one = (failed: boolean) => `${alias}.status ${failed ? 'IS' : 'IS NOT'} ${this.bind('error')}`;
    const flip = test.op === '!=' || test.op === 'not in';
    const parts = test.values.map((l) => one(l.value !== flip));
    return `(${parts.join(flip ? ' AND ' : ' OR ')})`;
  }

  /**
   * A column compared with values. NULL (missing) never equals anything and always
   * differs: `env!=production` includes rows with no env; `latency<5s` excludes rows with
   * no latency. Ordering and contains on NULL are false, never NULL.
   */
  private scalar(expr: string, nullable: boolean, test: Test, toSql: (l: Literal) => string | number = sqlValue): string {
    const notNull = nullable ? `${expr} IS NOT NULL AND ` : '';
    const values = test.values.map(toSql);
    switch (test.op) {
      case '=':
        return `${expr} IS ${this.bind(values[0])}`;
      case '!=':
        return `${expr} IS NOT ${this.bind(values[0])}`;
      case '~':
        return `(${notNull}${expr} LIKE ${this.bind(likePattern(String(values[0])))} ESCAPE '\\')`;
      case 'in':
        return `(${notNull}${expr} IN (${this.bindAll(values)}))`;
      case 'not in':
        return `(${nullable ? `${expr} IS NULL OR ` : ''}${expr} NOT IN (${this.bindAll(values)}))`;
      default:
        return `(${notNull}${expr} ${test.op} ${this.bind(values[0])})`;
    }
  }

  /** Tags: a JSON array of strings. `tag!=x` means the row does not carry x. */
  private jsonArray(expr: string, test: Test): string {
    const negative = test.op === '!=' || test.op === 'not in';
    const values = test.values.map(sqlValue);
    let cond: string;
    if (test.op === '~') cond = `j.value LIKE ${this.bind(likePattern(String(values[0])))} ESCAPE '\\'`;
    else if (test.op === 'in' || test.op === 'not in') cond = `j.value IN (${this.bindAll(values)})`;
    else cond = `j.value = ${this.bind(values[0])}`;
    return `${negative ? 'NOT ' : ''}EXISTS (SELECT 1 FROM json_each(${expr}) j WHERE ${cond})`;
  }

  /**
   * `metadata.k`: a top-level key of the row's JSON metadata. json_each with `j.key = ?`
   * matches any key exactly (a json_extract path cannot address keys containing '"').
   * A bare number matches a JSON number or the same text; words match JSON strings.
   * `!=` / `not in` are the negation, so a row without the key counts as different.
   */
  private metadata(scope: Scope, key: string, test: Test): string {
    const expr = `${scope.level === 'trace' ? 't' : scope.alias}.metadata`; // examples: e.metadata
    const negative = test.op === '!=' || test.op === 'not in';
    const k = this.bind(key);
    let cond: string;
    if (test.op === '~') cond = `j.value LIKE ${this.bind(likePattern(rawText(test.values[0])))} ESCAPE '\\'`;
    else if (test.op === '=' || test.op === '!=') cond = this.metadataEquals(test.values[0]);
    else if (test.op === 'in' || test.op === 'not in') cond = `(${test.values.map((l) => this.metadataEquals(l)).join(' OR ')})`;
    else {
      const l = test.values[0];
      cond = `(${l.kind === 'number' ? NUMERIC : "j.type = 'text'"} AND j.value ${test.op} ${this.bind(sqlValue(l))})`;
    }
    return `${negative ? 'NOT ' : ''}EXISTS (SELECT 1 FROM json_each(${expr}) j WHERE j.key = ${k} AND ${cond})`;
  }

  private metadataEquals(l: Literal): string {
    if (l.kind === 'boolean') return l.value ? "j.type = 'true'" : "j.type = 'false'";
    if (l.kind === 'number') return `((${NUMERIC} AND j.value = ${this.bind(l.value)}) OR (j.type = 'text' AND j.value = ${this.bind(l.raw)}))`;
    return `(j.type = 'text' AND j.value = ${this.bind(l.value)})`;
  }

  /**
   * `feedback.k` / `score.k`: some feedback row with that key matches (LangSmith
   * semantics). Numbers and true/false (1/0) compare the score; text compares the JSON
   * value (a JSON string unquoted). `!=` is "has such feedback with a different value".
   * For a span: feedback on the whole trace (no span id) or on that span.
   */
  private feedback(scope: Scope, key: string, test: Test): string {
    const project = this.bind(this.opts.projectId);
    const owner =
      scope.level === 'trace'
        ? 'f.trace_id = t.trace_id'
        : `f.trace_id = ${scope.alias}.trace_id AND (f.span_id IS NULL OR f.span_id = ${scope.alias}.span_id)`;
    const k = this.bind(key);
    let cond: string;
    if (test.op === '~') cond = `${FEEDBACK_VALUE} LIKE ${this.bind(likePattern(rawText(test.values[0])))} ESCAPE '\\'`;
    else if (test.op === 'in' || test.op === 'not in') {
      cond = `(${test.values.map((l) => this.feedbackCompare(l, '=')).join(' OR ')})`;
      if (test.op === 'not in') cond = `NOT ${cond}`;
    } else cond = this.feedbackCompare(test.values[0], test.op === '!=' ? '<>' : test.op);
    return `EXISTS (SELECT 1 FROM feedback f WHERE f.project_id = ${project} AND ${owner} AND f.key = ${k} AND ${cond})`;
  }

  /**
   * `insight.<report>=<cluster>`: the trace is a member of that cluster or pattern of that
   * report (insight_members, written by the Insights job under the report's own id). For a
   * span: its trace is. `!=` / `not in` are the negation (traces outside the cluster); `~`
   * matches cluster ids by text (`insight.r=c1` vs `insight.r~c1.` for c1's subclusters).
   */
  private insight(scope: Scope, report: string, test: Test): string {
    const owner = scope.level === 'trace' ? 't.trace_id' : `${scope.alias}.trace_id`;
    const project = this.bind(this.opts.projectId);
    const r = this.bind(report);
    const negative = test.op === '!=' || test.op === 'not in';
    let cond: string;
    if (test.op === '~') cond = `im.cluster LIKE ${this.bind(likePattern(rawText(test.values[0])))} ESCAPE '\\'`;
    else if (test.op === '=' || test.op === '!=' || test.op === 'in' || test.op === 'not in') cond = `im.cluster IN (${this.bindAll(test.values.map(rawText))})`;
    // Ordering compares cluster ids as text: rarely useful, but every keyed field takes every operator.
    else cond = `im.cluster ${test.op} ${this.bind(rawText(test.values[0]))}`;
    const exists = `EXISTS (SELECT 1 FROM insight_members im WHERE im.project_id = ${project} AND im.report_id = ${r} AND ${cond} AND im.trace_id = ${owner})`;
    return negative ? `NOT ${exists}` : exists;
  }

  private feedbackCompare(l: Literal, op: string): string {
    if (l.kind === 'string') return `${FEEDBACK_VALUE} ${op} ${this.bind(l.value)}`;
    return `f.score ${op} ${this.bind(l.kind === 'boolean' ? (l.value ? 1 : 0) : l.value)}`;
  }
}

/** The FTS5 MATCH argument for user text: one quoted phrase, so FTS5 syntax in it is inert. */
export function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** Trace-row columns for plain fields (kind, model, error, status, tag are special). */
const TRACE_COLUMNS: Record<string, string> = {
  name: 'name', env: 'environment', release: 'release', session: 'session_id', user: 'user_id',
  latency: 'duration_ms', tokens: 'total_tokens', cost: 'cost_usd', trace: 'trace_id',
};

/** Span-row columns for plain fields. */
const SPAN_COLUMNS: Record<string, string> = {
  ...TRACE_COLUMNS, kind: 'kind', model: 'model',
};

function sqlValue(l: Literal): string | number {
  return l.kind === 'boolean' ? (l.value ? 1 : 0) : l.value;
}

/** The text the user typed for a value (numbers keep their spelling). */
function rawText(l: Literal): string {
  return l.kind === 'number' ? l.raw : String(l.value);
}

/** `%text%` with LIKE's wildcards escaped, so `~50%` means the characters "50%". */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
