/**
 * Helpers for evaluation tests: the fake provider (started in Node by
 * test/node/workers-global-setup.ts) scripted from inside workerd, tau-bench traces as
 * spans, and waits on run logs.
 */
import { inject } from 'vitest';
import { api, eventually } from './helpers.ts';
import taubench from '../demo/taubench-airline.json';
import { taubenchToTrace, type TauBenchItem } from '../scripts/demo/taubench.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    fakeProvider: string;
  }
}

/** The fake provider's base URL. */
export const fakeUrl = () => inject('fakeProvider');

/** A fresh scenario id (scenarios are global to the fake server). */
export const scenarioId = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

/** Scripts a scenario: steps in order, then `then` forever. */
export async function script(id: string, scenario: { steps: unknown[]; then?: unknown; expect_key?: string }): Promise<void> {
  const res = await fetch(`${fakeUrl()}/__scenarios/${id}`, { method: 'PUT', body: JSON.stringify(scenario) });
  if (!res.ok) throw new Error(`scripting the fake provider failed: ${res.status}`);
}

/** What the fake received for a scenario. */
export async function received(id: string): Promise<{ path: string; at: number; headers: Record<string, string>; body: any; raw: string }[]> {
  return ((await (await fetch(`${fakeUrl()}/__scenarios/${id}/requests`)).json()) as { requests: any[] }).requests;
}

/** The base URL a provider uses to reach scenario `id` (OpenAI style, up to /v1). */
export const scenarioBase = (id: string) => `${fakeUrl()}/s/${id}/v1`;

/** The tau-bench conversations. */
export const TAU: TauBenchItem[] = taubench as unknown as TauBenchItem[];

/** Spans of tau-bench conversation `index`, with its expected actions in the root's metadata. */
export function tauSpans(index: number, now = Date.now()) {
  const item = TAU[index];
  const { spans } = taubenchToTrace(item, index, TAU.length, now);
  const root = spans.find((s) => s.parent_id === null)!;
  root.metadata = { ...root.metadata, expected_actions: item.info.task.actions };
  return spans;
}

/** Posts spans and waits until the ingest API accepted them. */
export async function postSpans(key: string, spans: unknown[]) {
  const res = await api('/v1/spans', { key, body: { spans } });
  if (res.status !== 202) throw new Error(`POST /v1/spans answered ${res.status}: ${res.text}`);
}

/** Creates an OpenAI-compatible provider pointed at a fake scenario. */
export async function fakeOpenAiProvider(key: string, scenario: string, extra: Record<string, unknown> = {}) {
  const res = await api('/v1/providers', { key, body: { name: `fake ${scenario}`, type: 'openai', base_url: scenarioBase(scenario), default_model: 'gpt-4o-mini', api_key: 'sk-test-secret-key-123456', ...extra } });
  if (res.status !== 201) throw new Error(`provider: ${res.status} ${res.text}`);
  return res.json.id as string;
}

/** Creates an evaluator, failing loudly. */
export async function createEvaluator(key: string, body: unknown) {
  const res = await api('/v1/evaluators', { key, body });
  if (res.status !== 201) throw new Error(`evaluator: ${res.status} ${res.text}`);
  return res.json;
}

/** Waits until a run's counters satisfy `check`. */
export async function waitForRun(key: string, ruleId: string, runId: string, check: (counts: any, run: any) => boolean, timeoutMs = 20_000) {
  return eventually(async () => {
    const res = await api(`/v1/rules/${ruleId}/runs/${runId}`, { key });
    if (res.status !== 200 || !check(res.json.counts, res.json)) throw new Error(`run not there yet: ${res.status} ${res.text.slice(0, 300)}`);
    return res.json;
  }, timeoutMs);
}

/** A TraceTree built in memory from native spans (no ingest), for pure check tests. */
export function treeFromSpans(spans: any[], feedback: any[] = []): import('../schema/wire/trace.ts').TraceTree {
  const iso = (t: number | undefined) => (t == null ? null : new Date(t).toISOString());
  const root = spans.find((s) => !s.parent_id);
  const out = spans.map((s) => ({
    id: s.id,
    trace_id: s.trace_id,
    parent_id: s.parent_id ?? null,
    name: s.name ?? null,
    kind: s.kind ?? 'other',
    start_time: iso(s.start_time),
    end_time: iso(s.end_time),
    latency_ms: s.end_time != null && s.start_time != null ? s.end_time - s.start_time : null,
    status: s.status ?? 'unset',
    error: s.error ?? null,
    input: s.input,
    output: s.output,
    model: s.model ?? null,
    usage: { input_tokens: s.usage?.input_tokens ?? null, output_tokens: s.usage?.output_tokens ?? null, total_tokens: s.usage?.total_tokens ?? null, cost_usd: s.usage?.cost_usd ?? null },
    tags: s.tags ?? [],
    metadata: s.metadata ?? {},
    environment: s.environment ?? null,
    release: s.release ?? null,
    session_id: s.session_id ?? null,
    user_id: s.user_id ?? null,
  }));
  const sum = (k: string) => (out.some((s: any) => s.usage[k] != null) ? out.reduce((a: number, s: any) => a + (s.usage[k] ?? 0), 0) : null);
  return {
    trace: {
      id: root.trace_id,
      root_span_id: root.id,
      name: root.name ?? null,
      start_time: iso(root.start_time),
      end_time: iso(root.end_time),
      latency_ms: root.end_time != null ? root.end_time - root.start_time : null,
      span_count: out.length,
      status: out.some((s: any) => s.status === 'error') ? 'error' : 'ok',
      usage: { input_tokens: sum('input_tokens'), output_tokens: sum('output_tokens'), total_tokens: sum('total_tokens'), cost_usd: sum('cost_usd') },
      environment: root.environment ?? null,
      release: root.release ?? null,
      session_id: root.session_id ?? null,
      user_id: root.user_id ?? null,
      tags: root.tags ?? [],
      metadata: root.metadata ?? {},
      input_preview: null,
      output_preview: null,
      feedback: {},
    },
    spans: out as any,
    feedback,
  };
}
