/**
 * Realistic benchmark traces built from the tau-bench airline conversations
 * (demo/taubench-airline.json, converted by scripts/demo/taubench.ts), with fresh ids,
 * times spread over a window, and the attributes production traces carry (environment,
 * release, user, session, token usage and cost). Deterministic for a given seed.
 *
 * Every trace is a root `airline-agent` span plus `spansPerTrace - 1` consecutive steps
 * (`chat gpt-4o` llm spans whose input is the whole conversation so far, including the
 * airline policy system prompt, and tool spans named after the tool) of one conversation,
 * so payloads have the size and text of a real tool-using chat agent (~7.5 KB per span).
 * Spans come out in the normalized form the ingest route stores (epoch ms times, total
 * tokens filled in), so they can also be written to R2 as they are.
 */
import { readFileSync } from 'node:fs';
import { taubenchToTrace, type DemoSpan, type TauBenchItem } from '../../scripts/demo/taubench.ts';

const DAY = 86_400_000;

/** A span as POST /v1/spans takes it, plus token usage. */
export interface BenchSpan extends DemoSpan {
  usage?: { input_tokens: number; output_tokens: number; total_tokens: number; cost_usd: number };
}

/** Options for a workload. */
export interface WorkloadOptions {
  /** Distinguishes runs: ids derive from it, so two runs never share a trace id. */
  seed: number;
  /** Epoch ms; traces start within `days` before it. */
  now: number;
  days: number;
  spansPerTrace: number;
  /** Traces in the workload (times spread evenly, newest = highest index). */
  traces: number;
}

interface Template {
  root: DemoSpan;
  steps: DemoSpan[];
  userId: string;
  /** tau-bench's reward (1 = task solved). */
  reward: number;
}

let templates: Template[] | null = null;

/** The 200 tau-bench conversations as span templates (times relative to the root's start). */
export function conversationTemplates(): Template[] {
  if (templates) return templates;
  const file = new URL('../../demo/taubench-airline.json', import.meta.url);
  const items = JSON.parse(readFileSync(file, 'utf8')) as TauBenchItem[];
  templates = items.map((item) => {
    const { spans } = taubenchToTrace(item, 0, 1, 0);
    const [root, ...steps] = spans;
    const shift = (s: DemoSpan): DemoSpan => ({ ...s, start_time: s.start_time - root.start_time, end_time: s.end_time - root.start_time });
    return { root: shift(root), steps: steps.map(shift), userId: item.info.task.user_id, reward: item.reward };
  });
  return templates;
}

/** A small, fast, seedable PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (n: number, width: number) => (n >>> 0).toString(16).padStart(width, '0').slice(-width);

/** The OTel-style 32-hex trace id of trace `n` of a workload. */
export function benchTraceId(seed: number, n: number): string {
  return `${hex(Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1), 8)}${hex(Math.imul(n + 1, 0x9e3779b1), 8)}${hex(n, 8)}${hex(Math.imul(seed ^ n, 0x85ebca6b), 8)}`;
}

function tokensOf(value: unknown): number {
  return Math.ceil(JSON.stringify(value ?? '').length / 4);
}

/**
 * Trace `n` of the workload: `spansPerTrace` spans of conversation `n mod 200`, with fresh
 * 32/16-hex ids. The environment is production for 70% of traces, staging 20%, test 10%.
 */
export function benchTrace(opts: WorkloadOptions, n: number): BenchSpan[] {
  const all = conversationTemplates();
  const t = all[n % all.length];
  const rand = prng(opts.seed * 7919 + n);
  const traceId = benchTraceId(opts.seed, n);
  const spanId = (j: number) => `${hex(Math.imul(n + 17, 0x27d4eb2f) ^ j, 8)}${hex(Math.imul(j + 1, 0x165667b1) ^ n, 8)}`;
  const rootId = spanId(0);
  // Where the trace starts: spread evenly over the window, newest last, with jitter.
  const start = Math.round(opts.now - opts.days * DAY * (1 - (n + rand()) / opts.traces));
  // Consecutive steps of the conversation, starting at a varying turn (wrapping if short).
  const wanted = opts.spansPerTrace - 1;
  const offset = t.steps.length > wanted ? Math.floor(n / all.length) % (t.steps.length - wanted + 1) : 0;
  const steps: DemoSpan[] = [];
  for (let j = 0; j < wanted; j++) steps.push(t.steps[(offset + j) % t.steps.length]);
  const r = rand();
  const environment = r < 0.7 ? 'production' : r < 0.9 ? 'staging' : 'test';
  const release = `airline-agent@1.${Math.floor(rand() * 8)}.0`;
  // Steps run one after another, keeping the conversation's own gaps (user think time).
  let cursor = start + 50;
  const out: BenchSpan[] = [];
  for (let j = 0; j < steps.length; j++) {
    const s = steps[j];
    const prev = j > 0 ? steps[j - 1] : null;
    const gap = prev && s.start_time >= prev.end_time ? s.start_time - prev.end_time : 0;
    const spanStart = cursor + gap;
    cursor = spanStart + (s.end_time - s.start_time);
    const span: BenchSpan = { ...s, id: spanId(j + 1), trace_id: traceId, parent_id: rootId, start_time: spanStart, end_time: cursor };
    if (s.kind === 'llm') {
      const input = tokensOf(s.input);
      const output = tokensOf(s.output);
      // gpt-4o list prices: $2.50 / 1M input tokens, $10 / 1M output tokens.
      span.usage = { input_tokens: input, output_tokens: output, total_tokens: input + output, cost_usd: Math.round((input * 2.5 + output * 10) * 100) / 1e8 };
    }
    out.push(span);
  }
  const end = cursor + 30;
  out.unshift({
    ...t.root,
    id: rootId,
    trace_id: traceId,
    start_time: start,
    end_time: end,
    environment,
    release,
    session_id: `sess-${hex(opts.seed, 4)}-${n}`,
    user_id: t.userId,
    metadata: { ...t.root.metadata, customer_tier: rand() < 0.2 ? 'gold' : 'standard' },
    tags: rand() < 0.3 ? [...(t.root.tags ?? []), 'checkout'] : t.root.tags,
  });
  return out;
}

/** Feedback a workload's traces get: tau-bench's `outcome` on every trace, end-user `thumbs` on ~10%. */
export function benchFeedback(opts: WorkloadOptions, n: number): { id: string; trace_id: string; key: string; score: number }[] {
  const all = conversationTemplates();
  const traceId = benchTraceId(opts.seed, n);
  const rand = prng(opts.seed * 104729 + n);
  const out = [{ id: `${traceId}:outcome`, trace_id: traceId, key: 'outcome', score: all[n % all.length].reward >= 1 ? 1 : 0 }];
  if (rand() < 0.1) out.push({ id: `${traceId}:thumbs`, trace_id: traceId, key: 'thumbs', score: rand() < 0.35 ? 0 : 1 });
  return out;
}

/**
 * One long trace of `size` spans (e.g. a batch agent working through many customers): a
 * root `airline-agent`, one `chain` span per conversation it handles, and that
 * conversation's llm and tool steps under it, until `size` spans. Starts an hour before `now`.
 * `toolsOnly` keeps only tool steps (~1 KB each instead of chat calls carrying the history).
 */
export function benchLongTrace(seed: number, now: number, size: number, opts: { toolsOnly?: boolean } = {}): BenchSpan[] {
  const all = conversationTemplates();
  const traceId = `${hex(Math.imul(seed ^ 0x1b873593, 0x9e3779b1), 8)}${opts.toolsOnly ? 'f' : '0'}000000000000000${hex(size, 8)}`;
  const spanId = (j: number) => `${hex(Math.imul(seed, 0x27d4eb2f) ^ 0x5bd1e995, 8)}${hex(j, 8)}`;
  const start = now - 3_600_000;
  const root: BenchSpan = { ...all[0].root, id: spanId(0), trace_id: traceId, start_time: start, end_time: start, environment: 'production', release: 'airline-agent@1.7.0', session_id: `batch-${seed}`, user_id: 'batch-runner' };
  const out: BenchSpan[] = [root];
  let cursor = start + 10;
  for (let c = 0; out.length < size; c++) {
    const t = all[c % all.length];
    const chain: BenchSpan = {
      id: spanId(out.length), trace_id: traceId, parent_id: root.id, name: `customer ${t.userId}`, kind: 'chain', start_time: cursor, end_time: cursor, status: 'ok',
      input: opts.toolsOnly ? { customer: t.userId } : t.root.input,
      output: t.root.output,
    };
    out.push(chain);
    for (const s of t.steps) {
      if (out.length >= size) break;
      if (opts.toolsOnly && s.kind !== 'tool') continue;
      const span: BenchSpan = { ...s, id: spanId(out.length), trace_id: traceId, parent_id: chain.id, start_time: cursor, end_time: cursor + (s.end_time - s.start_time) };
      cursor = span.end_time;
      out.push(span);
    }
    chain.end_time = cursor;
    cursor += 20;
  }
  root.end_time = cursor;
  return out;
}
