/**
 * Helpers for evaluation tests: the fake provider (started in Node by
 * test/node/workers-global-setup.ts) scripted from inside workerd, tau-bench traces as
 * spans, and waits on run logs.
 */
import { treeFromSpans as buildTree } from '../scripts/demo/taubench-tree.ts';
import type { NormalizedSpan } from '../schema/wire/span.ts';
import type { TraceTree } from '../schema/wire/trace.ts';
import type { FeedbackOut } from '../schema/wire/feedback.ts';
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
export async function script(id: string, scenario: { steps: unknown[]; then?: unknown; expect_key?: string; match?: { contains: string; step: unknown }[] }): Promise<void> {
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
export function treeFromSpans(spans: NormalizedSpan[], feedback: FeedbackOut[] = []): TraceTree {
  const tree = buildTree(spans);
  return { ...tree, feedback };
}
