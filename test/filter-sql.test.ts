/**
 * The filter language against real local D1: compiled filters run on a small fixed data
 * set in two projects, which reuse the same trace id so any subquery that forgot its
 * project scope would pull the other project's spans, feedback or text into the answer.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { env } from 'cloudflare:workers';
import { compileFilter, FilterError, parseFilter, type FilterTarget } from '../schema/filter/index.ts';

const A = 'proj-a';
const B = 'proj-b';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 5, 1);

interface TraceRow {
  trace_id: string;
  name: string;
  start: number;
  duration: number | null;
  has_error: 0 | 1;
  root_ended: 0 | 1;
  env?: string;
  release?: string;
  session?: string;
  user?: string;
  tokens?: number;
  cost?: number;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

interface SpanRow {
  span_id: string;
  name: string;
  kind: string;
  status?: 'ok' | 'error';
  error?: string;
  model?: string;
  duration?: number;
  tokens?: number;
  cost?: number;
  tags?: string[];
  metadata?: Record<string, unknown>;
  env?: string;
  /** Text the indexer would put on the input side (name + input) and output side (output + error). */
  input?: string;
  output?: string;
}

interface FeedbackRow {
  id: string;
  key: string;
  score?: number;
  value?: unknown;
  span_id?: string;
}

async function addTrace(project: string, t: TraceRow, spans: SpanRow[], feedback: FeedbackRow[] = []) {
  await env.DB.prepare(
    `INSERT INTO traces (project_id, trace_id, root_span_id, name, start_time, end_time, duration_ms, span_count, total_tokens, cost_usd,
       has_error, root_ended, environment, release, session_id, user_id, tags, metadata, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(project, t.trace_id, spans[0].span_id, t.name, t.start, t.duration === null ? null : t.start + t.duration, t.duration, spans.length,
      t.tokens ?? null, t.cost ?? null, t.has_error, t.root_ended, t.env ?? null, t.release ?? null, t.session ?? null, t.user ?? null,
      t.tags ? JSON.stringify(t.tags) : null, t.metadata ? JSON.stringify(t.metadata) : null, NOW)
    .run();
  for (const [i, s] of spans.entries()) {
    const row = await env.DB.prepare(
      `INSERT INTO spans (project_id, trace_id, span_id, parent_id, name, kind, status, error, start_time, end_time, duration_ms, model,
         total_tokens, cost_usd, tags, metadata, environment, release, session_id, user_id, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING rowid`,
    )
      .bind(project, t.trace_id, s.span_id, i === 0 ? null : spans[0].span_id, s.name, s.kind, s.status ?? null, s.error ?? null,
        t.start + i, s.duration == null ? null : t.start + i + s.duration, s.duration ?? null, s.model ?? null, s.tokens ?? null, s.cost ?? null,
        s.tags ? JSON.stringify(s.tags) : null, s.metadata ? JSON.stringify(s.metadata) : null, s.env ?? t.env ?? null, t.release ?? null,
        t.session ?? null, t.user ?? null, NOW)
      .first<{ rowid: number }>();
    // Same layout as the indexer (workers/store/indexer.ts): 2*rowid input side, 2*rowid+1 output side.
    if (s.input) await env.DB.prepare('INSERT INTO spans_fts(rowid, body) VALUES (?, ?)').bind(row!.rowid * 2, s.input).run();
    if (s.output) await env.DB.prepare('INSERT INTO spans_fts(rowid, body) VALUES (?, ?)').bind(row!.rowid * 2 + 1, s.output).run();
  }
  for (const f of feedback) {
    await env.DB.prepare(
      `INSERT INTO feedback (id, project_id, trace_id, span_id, key, score, value, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'api', ?, ?)`,
    )
      .bind(f.id, project, t.trace_id, f.span_id ?? null, f.key, f.score ?? null, f.value === undefined ? null : JSON.stringify(f.value), NOW, NOW)
      .run();
  }
}

beforeAll(async () => {
  // tr-1: a finished, slow checkout trace with a refund request, thumbs down and a resolved outcome.
  await addTrace(
    A,
    {
      trace_id: 'tr-1', name: 'support_agent', start: NOW - 2 * DAY, duration: 8000, has_error: 0, root_ended: 1, env: 'production',
      release: 'v1.2', session: 's-1', user: 'u-1', tokens: 1500, cost: 0.03, tags: ['checkout'],
      metadata: { customer_tier: 'gold', build: 1234, beta: true, 'my key': 'x', note: '50% off', 'a"b': 1, 'x.y': 'dot' },
    },
    [
      { span_id: 't1-root', name: 'support_agent', kind: 'agent', status: 'ok', duration: 8000, tags: ['checkout'], input: 'support_agent I want a refund for my flight', output: 'Refund issued' },
      { span_id: 't1-llm', name: 'chat', kind: 'llm', status: 'ok', model: 'gpt-4o', duration: 2000, tokens: 1500, cost: 0.03, input: 'chat refund policy', output: 'sure' },
      { span_id: 't1-tool', name: 'search_flights', kind: 'tool', status: 'ok', duration: 500 },
    ],
    [
      { id: 'f1', key: 'thumbs', score: 0 },
      { id: 'f2', key: 'outcome', value: 'resolved' },
      { id: 'f3', key: 'accuracy', score: 0.9, span_id: 't1-llm' },
    ],
  );
  // tr-2: failed in its search_flights tool call with a timeout.
  await addTrace(
    A,
    { trace_id: 'tr-2', name: 'support_agent', start: NOW - 10 * DAY, duration: 1200, has_error: 1, root_ended: 1, env: 'production', user: 'u-2', tags: ['browse'], metadata: { customer_tier: 'free', note: '50x off' } },
    [
      { span_id: 't2-root', name: 'support_agent', kind: 'agent', status: 'ok', duration: 1200, input: 'where is my bag' },
      { span_id: 't2-tool', name: 'search_flights', kind: 'tool', status: 'error', error: 'upstream timeout after 30s', duration: 900, output: 'upstream timeout after 30s' },
      { span_id: 't2-llm', name: 'chat', kind: 'llm', status: 'ok', model: 'gpt-4o-mini', duration: 200 },
    ],
    [
      { id: 'f4', key: 'helpfulness', score: 0.2 },
      { id: 'f5', key: 'thumbs', score: 1 },
    ],
  );
  // tr-3: old staging trace; search_flights succeeded and a *different* tool span failed.
  await addTrace(
    A,
    { trace_id: 'tr-3', name: 'booking_agent', start: NOW - 40 * DAY, duration: 3000, has_error: 1, root_ended: 1, env: 'staging', tags: ['checkout', 'beta'] },
    [
      { span_id: 't3-root', name: 'booking_agent', kind: 'agent', status: 'ok', duration: 3000 },
      { span_id: 't3-search', name: 'search_flights', kind: 'tool', status: 'ok', duration: 100 },
      { span_id: 't3-user', name: 'get_user', kind: 'tool', status: 'error', error: 'permission denied', duration: 100 },
    ],
    [{ id: 'f6', key: 'outcome', score: 0 }],
  );
  // tr-4: still running (root not ended, no latency), no environment, no tags.
  await addTrace(
    A,
    { trace_id: 'tr-4', name: 'support_agent', start: NOW - HOUR, duration: null, has_error: 0, root_ended: 0, metadata: { customer_tier: 'gold', build: '1234' } },
    [
      { span_id: 't4-root', name: 'support_agent', kind: 'agent' },
      { span_id: 't4-llm', name: 'chat', kind: 'llm', status: 'ok', model: 'gpt-4o-mini', duration: 300, output: 'your refund is being processed' },
    ],
  );
  // Project B reuses trace id tr-1 with spans, feedback and text that would match many of A's filters.
  await addTrace(
    B,
    { trace_id: 'tr-1', name: 'other_agent', start: NOW - DAY, duration: 100, has_error: 1, root_ended: 1, env: 'production', tags: ['checkout'], metadata: { customer_tier: 'gold' } },
    [
      { span_id: 'b1-root', name: 'other_agent', kind: 'agent', status: 'ok', duration: 100, input: 'zebra refund' },
      { span_id: 'b1-tool', name: 'search_flights', kind: 'tool', status: 'error', error: 'timeout', model: 'gpt-4o', duration: 50 },
      { span_id: 'b1-ret', name: 'lookup', kind: 'retriever', status: 'ok', duration: 10 },
    ],
    [
      { id: 'f1', key: 'thumbs', score: 0 },
      { id: 'g2', key: 'csat', score: 5 },
    ],
  );
  await addTrace(B, { trace_id: 'tr-b', name: 'other_agent', start: NOW - DAY, duration: 10, has_error: 0, root_ended: 1, env: 'staging' }, [
    { span_id: 'b2-root', name: 'other_agent', kind: 'agent', status: 'ok', duration: 10 },
  ]);
});

/** Runs a compiled filter the way the store does (the caller adds the project scope). */
async function run(target: FilterTarget, q: string, project = A, negate = false): Promise<string[]> {
  const { where, params } = compileFilter(parseFilter(q), target, { projectId: project, now: NOW });
  const cond = negate ? `NOT (${where})` : `(${where})`;
  const sql =
    target === 'traces'
      ? `SELECT t.trace_id AS id FROM traces t WHERE t.project_id = ? AND ${cond} ORDER BY t.trace_id`
      : `SELECT s.span_id AS id FROM spans s WHERE s.project_id = ? AND ${cond} ORDER BY s.span_id`;
  const { results } = await env.DB.prepare(sql).bind(project, ...params).all<{ id: string }>();
  return results.map((r) => r.id);
}
const traces = (q: string, project = A) => run('traces', q, project);
const spans = (q: string, project = A) => run('spans', q, project);

const ALL_A = ['tr-1', 'tr-2', 'tr-3', 'tr-4'];

describe('the documented examples', () => {
  it('env, feedback and a time window combine with and', async () => {
    expect(await traces('env=production feedback.thumbs=0 since:30d')).toEqual(['tr-1']);
  });

  it('score.<key> and feedback.<key> filter on scores, joined with or', async () => {
    expect(await traces('score.helpfulness<0.5 or feedback.outcome=0')).toEqual(['tr-2', 'tr-3']);
  });

  it('a quoted word searches span text alongside tag and latency conditions', async () => {
    expect(await traces('"refund" tag=checkout latency>5s')).toEqual(['tr-1']);
  });

  it('has() needs one span matching every condition, not several spans each matching one', async () => {
    expect(await traces('has(kind=tool name=search_flights status=error)')).toEqual(['tr-2']);
    expect(await traces('kind=tool name=support_agent status=error')).toEqual(['tr-2']);
    expect(await traces('has(kind=tool status=error) has(name=search_flights)')).toEqual(['tr-2', 'tr-3']);
  });

  it('not over a group treats a missing latency as not slow', async () => {
    expect(await traces('not (status=error or latency > 2.5s) model in (gpt-4o, "gpt-4o-mini")')).toEqual(['tr-4']);
  });

  it('metadata compares a key of the root span metadata', async () => {
    expect(await traces('metadata.customer_tier=gold')).toEqual(['tr-1', 'tr-4']);
  });

  it('error~text finds traces with a span whose error message contains it', async () => {
    expect(await traces('error~timeout')).toEqual(['tr-2']);
    expect(await traces('error~TIMEOUT')).toEqual(['tr-2']);
    expect(await traces('error="permission denied"')).toEqual(['tr-3']);
  });
});

describe('trace fields', () => {
  it('a tag filter matches only traces carrying that tag, and tag!= keeps untagged traces', async () => {
    expect(await traces('tag=checkout')).toEqual(['tr-1', 'tr-3']);
    expect(await traces('tag!=checkout')).toEqual(['tr-2', 'tr-4']);
    expect(await traces('tag~CHECK')).toEqual(['tr-1', 'tr-3']);
    expect(await traces('tag in (beta, browse)')).toEqual(['tr-2', 'tr-3']);
    expect(await traces('tag not in (beta, browse)')).toEqual(['tr-1', 'tr-4']);
  });

  it('!= and not in include traces that have no value at all', async () => {
    expect(await traces('env!=production')).toEqual(['tr-3', 'tr-4']);
    expect(await traces('env not in (production)')).toEqual(['tr-3', 'tr-4']);
    expect(await traces('env in (production, staging)')).toEqual(['tr-1', 'tr-2', 'tr-3']);
    expect(await traces('metadata.customer_tier!=gold')).toEqual(['tr-2', 'tr-3']);
  });

  it('ordering comparisons never match a missing value, so not flips them exactly', async () => {
    expect(await traces('latency<5s')).toEqual(['tr-2', 'tr-3']);
    expect(await traces('not latency<5s')).toEqual(['tr-1', 'tr-4']);
  });

  it('a bare latency number is milliseconds; durations take units', async () => {
    expect(await traces('latency>1500')).toEqual(['tr-1', 'tr-3']);
    expect(await traces('latency<=1200')).toEqual(['tr-2']);
    expect(await traces('latency>=1.2s')).toEqual(['tr-1', 'tr-2', 'tr-3']);
    expect(await traces('latency>1m')).toEqual([]);
  });

  it('status is error if any span failed, ok once the root ended, else unset', async () => {
    expect(await traces('status=error')).toEqual(['tr-2', 'tr-3']);
    expect(await traces('status=ok')).toEqual(['tr-1']);
    expect(await traces('status=unset')).toEqual(['tr-4']);
    expect(await traces('status in (ok, unset)')).toEqual(['tr-1', 'tr-4']);
    expect(await traces('error=true')).toEqual(['tr-2', 'tr-3']);
    expect(await traces('error=false')).toEqual(['tr-1', 'tr-4']);
  });

  it('kind and model on a trace mean some span has them; != means no span has them', async () => {
    expect(await traces('model=gpt-4o')).toEqual(['tr-1']);
    expect(await traces('model!=gpt-4o')).toEqual(['tr-2', 'tr-3', 'tr-4']);
    expect(await traces('kind=tool')).toEqual(['tr-1', 'tr-2', 'tr-3']);
    expect(await traces('kind not in (tool, llm)')).toEqual([]);
  });

  it('name, trace, user, session, release, tokens and cost read the trace row', async () => {
    expect(await traces('name=booking_agent')).toEqual(['tr-3']);
    expect(await traces('name~AGENT')).toEqual(ALL_A);
    expect(await traces('trace=tr-2')).toEqual(['tr-2']);
    expect(await traces('user=u-2 or session=s-1')).toEqual(['tr-1', 'tr-2']);
    expect(await traces('release=v1.2')).toEqual(['tr-1']);
    expect(await traces('tokens>1000 cost<0.05')).toEqual(['tr-1']);
  });

  it('since: and until: window the start time, relative to now or absolute', async () => {
    expect(await traces('since:7d')).toEqual(['tr-1', 'tr-4']);
    expect(await traces('until:7d')).toEqual(['tr-2', 'tr-3']);
    expect(await traces('since:30d until:1d')).toEqual(['tr-1', 'tr-2']);
    expect(await traces('since:2026-05-01')).toEqual(['tr-1', 'tr-2', 'tr-4']);
    expect(await traces('until:2026-05-31T23:00:00Z')).toEqual(['tr-1', 'tr-2', 'tr-3']);
  });
});

describe('metadata', () => {
  it('compares numbers numerically and also matches the same number written as text', async () => {
    expect(await traces('metadata.build=1234')).toEqual(['tr-1', 'tr-4']);
    expect(await traces('metadata.build>1000')).toEqual(['tr-1']);
    expect(await traces('metadata.build="1234"')).toEqual(['tr-4']);
  });

  it('matches JSON booleans with true/false', async () => {
    expect(await traces('metadata.beta=true')).toEqual(['tr-1']);
    expect(await traces('metadata.beta=false')).toEqual([]);
  });

  it('matches keys with spaces, quotes and dots exactly', async () => {
    expect(await traces('metadata."my key"=x')).toEqual(['tr-1']);
    expect(await traces('metadata."a\\"b"=1')).toEqual(['tr-1']);
    expect(await traces('metadata.x.y=dot')).toEqual(['tr-1']);
    expect(await traces('metadata.x=dot')).toEqual([]);
  });

  it('contains is case-insensitive and treats % and _ literally', async () => {
    expect(await traces('metadata.customer_tier~GOL')).toEqual(['tr-1', 'tr-4']);
    expect(await traces('metadata.note~50%')).toEqual(['tr-1']);
    expect(await traces('metadata.note~"0_ "')).toEqual([]);
    expect(await traces('metadata.customer_tier in (free, gold)')).toEqual(['tr-1', 'tr-2', 'tr-4']);
  });
});

describe('feedback', () => {
  it('!= means "has such feedback with another value"; not ... = means "has none equal"', async () => {
    expect(await traces('feedback.thumbs!=0')).toEqual(['tr-2']);
    expect(await traces('not feedback.thumbs=0')).toEqual(['tr-2', 'tr-3', 'tr-4']);
  });

  it('numbers and true/false compare the score; words compare the JSON value', async () => {
    expect(await traces('score.thumbs=false')).toEqual(['tr-1']);
    expect(await traces('feedback.thumbs=true')).toEqual(['tr-2']);
    expect(await traces('feedback.thumbs in (0, 1)')).toEqual(['tr-1', 'tr-2']);
    expect(await traces('feedback.outcome=resolved')).toEqual(['tr-1']);
    expect(await traces('feedback.outcome~RESOL')).toEqual(['tr-1']);
    expect(await traces('feedback.outcome not in (resolved)')).toEqual([]);
  });

  it('feedback on one span counts for its trace', async () => {
    expect(await traces('feedback.accuracy>0.5')).toEqual(['tr-1']);
  });
});

describe('full-text search', () => {
  it('finds words on the input and the output side of spans, case-insensitively', async () => {
    expect(await traces('refund')).toEqual(['tr-1', 'tr-4']);
    expect(await traces('REFUND')).toEqual(['tr-1', 'tr-4']);
    expect(await traces('processed')).toEqual(['tr-4']);
    expect(await traces('"I want a refund"')).toEqual(['tr-1']);
    expect(await traces('"want refund"')).toEqual([]);
    expect(await traces('refund bag')).toEqual([]);
    expect(await traces('refund or bag')).toEqual(['tr-1', 'tr-2', 'tr-4']);
  });

  it('user text is one phrase, so FTS5 syntax in it is inert', async () => {
    expect(await traces('"refund OR zebra"')).toEqual([]);
    expect(await traces('"refund NOT flight"')).toEqual([]);
    for (const q of ['"NEAR(refund flight)"', '"*"', "'\"'", '"-refund"', 'refund*', '""', '"^refund"', '"AND"', '"body:refund"', '"\' OR 1=1 --"', '"é🙂"', '"\\u0000"', '"{body}: refund"']) {
      await expect(traces(q), q).resolves.toEqual(expect.any(Array));
      await expect(spans(q), q).resolves.toEqual(expect.any(Array));
    }
    expect(await traces('refund*')).toEqual(['tr-1', 'tr-4']);
  });
});

describe('span filters', () => {
  it('match single spans on their own columns', async () => {
    expect(await spans('kind=tool name=search_flights status=error')).toEqual(['t2-tool']);
    expect(await spans('error~timeout')).toEqual(['t2-tool']);
    expect(await spans('error=true')).toEqual(['t2-tool', 't3-user']);
    expect(await spans('status=unset')).toEqual(['t4-root']);
    expect(await spans('model=gpt-4o-mini')).toEqual(['t2-llm', 't4-llm']);
    expect(await spans('kind=llm latency<1s')).toEqual(['t2-llm', 't4-llm']);
    expect(await spans('trace=tr-3 not kind=agent')).toEqual(['t3-search', 't3-user']);
    expect(await spans('tag=checkout')).toEqual(['t1-root']);
    expect(await spans('since:2h')).toEqual(['t4-llm', 't4-root']);
  });

  it('full-text search returns the spans whose text matched', async () => {
    expect(await spans('refund')).toEqual(['t1-llm', 't1-root', 't4-llm']);
    expect(await spans('issued')).toEqual(['t1-root']);
  });

  it('feedback on the trace applies to all its spans; feedback on a span only to that span', async () => {
    expect(await spans('feedback.thumbs=0')).toEqual(['t1-llm', 't1-root', 't1-tool']);
    expect(await spans('feedback.accuracy>0.5')).toEqual(['t1-llm']);
  });

  it('has() is refused in a span filter', () => {
    expect(() => compileFilter(parseFilter('has(kind=tool)'), 'spans', { projectId: A, now: NOW })).toThrow(FilterError);
  });
});

describe('project isolation', () => {
  it("another project's spans, feedback and text never make a trace match, even with the same trace id", async () => {
    for (const q of ['zebra', 'kind=retriever', 'feedback.csat=5', 'has(name=lookup)', 'model=gpt-4o error~timeout', 'has(kind=tool name=search_flights status=error) tag=checkout']) {
      expect(await traces(q), q).toEqual([]);
    }
    expect(await spans('zebra')).toEqual([]);
  });

  it('the same filters find the other project its own traces', async () => {
    expect(await traces('zebra', B)).toEqual(['tr-1']);
    expect(await traces('kind=retriever', B)).toEqual(['tr-1']);
    expect(await traces('feedback.csat=5', B)).toEqual(['tr-1']);
    expect(await traces('has(kind=tool name=search_flights status=error)', B)).toEqual(['tr-1']);
    expect(await traces('env=production feedback.thumbs=0 since:30d', B)).toEqual(['tr-1']);
    expect(await spans('zebra', B)).toEqual(['b1-root']);
    expect(await spans('feedback.thumbs=0', B)).toEqual(['b1-ret', 'b1-root', 'b1-tool']);
  });

  it('no example ever returns a row of the other project', async () => {
    const bTraces = new Set(['tr-b']);
    const bSpans = new Set(['b1-root', 'b1-tool', 'b1-ret', 'b2-root']);
    for (const q of ['', 'refund', 'env=production', 'tag=checkout', 'metadata.customer_tier=gold', 'error=true', 'since:30d', 'status=ok or status=error']) {
      for (const id of await traces(q)) expect(bTraces.has(id)).toBe(false);
      for (const id of await spans(q)) expect(bSpans.has(id)).toBe(false);
    }
  });
});

describe('limits', () => {
  it('the largest allowed filter still fits in one D1 statement with the caller parameters', async () => {
    const values = Array.from({ length: 79 }, (_, i) => `v${i}`);
    expect(await traces(`env in (production, ${values.join(', ')})`)).toEqual(['tr-1', 'tr-2']);
  });
});

/** Random filters built from valid pieces, including hostile values, for the SQL-level properties. */
const hostile = fc.constantFrom('"x\'y"', '"%_\\\\"', '"é🙂"', "'--'", '"a\\"b"', '"1e3"', '""');
// Keys may be anything but empty (an empty key is a parse error).
const hostileKey = hostile.filter((v) => v !== '""');
const atom = fc.oneof(
  fc.constantFrom(
    'env=production', 'env!=production', 'tag=checkout', 'tag!=beta', 'latency>2s', 'latency<=1200', 'status=unset', 'status!=error',
    'error=true', 'error~timeout', 'kind=tool', 'model!=gpt-4o', 'metadata.build=1234', 'metadata.build>1000', 'metadata.customer_tier!=gold',
    'metadata.beta=true', 'feedback.thumbs=0', 'score.outcome!=0', 'feedback.outcome=resolved', 'refund', '"my flight"', 'since:7d',
    'until:2026-05-01', 'tokens>100', 'cost<0.1', 'name~agent', 'trace in (tr-1, tr-3)', 'user=u-2',
  ),
  hostile.map((v) => `name=${v}`),
  fc.tuple(hostileKey, hostile).map(([k, v]) => `metadata.${k}~${v}`),
  fc.tuple(hostileKey, hostile).map(([k, v]) => `feedback.${k}!=${v}`),
  hostile,
);
const filterText = (spanLevel: boolean): fc.Arbitrary<string> =>
  fc.letrec<{ f: string }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small' },
      atom,
      tie('f').map((x) => `not (${x})`),
      fc.tuple(tie('f'), tie('f')).map(([x, y]) => `(${x} or ${y})`),
      fc.tuple(tie('f'), tie('f')).map(([x, y]) => `${x} ${y}`),
      ...(spanLevel ? [] : [filterText(true).map((x) => `has(${x})`)]),
    ),
  })).f;

describe('properties on D1', () => {
  it('any filter and its negation split the project exactly: nothing in both, nothing lost to NULL', async () => {
    await fc.assert(
      fc.asyncProperty(filterText(false), filterText(true), async (traceQ, spanQ) => {
        for (const [target, q, all] of [['traces', traceQ, ALL_A], ['spans', spanQ, null]] as const) {
          let yes: string[];
          try {
            yes = await run(target, q);
          } catch (err) {
            // Random filters may exceed the parameter cap; that must be the only refusal.
            expect((err as Error).message, q).toContain('too large');
            continue;
          }
          const no = await run(target, q, A, true);
          expect(yes.filter((id) => no.includes(id)), q).toEqual([]);
          const everything = all ?? (await run('spans', ''));
          expect([...yes, ...no].sort(), q).toEqual(everything);
        }
      }),
      { numRuns: 60 },
    );
  });
});
