/**
 * The evals queue's fan-out and limits: per-span judge jobs, bounded concurrency per
 * provider, Retry-After parsing, and the trajectory variable's token budget.
 */
import { describe, it, expect } from 'vitest';
import { api, makeProject, span } from './helpers.ts';
import { createEvaluator, fakeOpenAiProvider, postSpans, received, scenarioId, script, tauSpans, treeFromSpans, waitForRun } from './evals-helpers.ts';
import { retryAfterMs, isRetryableStatus } from '../workers/platform/outbound.ts';
import { readSource } from '../schema/values/read.ts';
import { estimateTokens } from '../schema/render/trajectory.ts';

describe('judges on spans', () => {
  it('fan out one job per matching span, each scored on its own span', async () => {
    const { key } = await makeProject();
    const sc = scenarioId('spans');
    await script(sc, { steps: [], then: { verdict: 'auto' } });
    const providerId = await fakeOpenAiProvider(key, sc);
    const ev = await createEvaluator(key, {
      name: 'tool args sensible',
      key: 'tool_args',
      target: { type: 'span', filter: 'kind=tool' },
      config: { type: 'judge', provider_id: providerId, prompt: { user: 'Tool {{name}} got {{args}}. Sensible?' }, variables: { name: 'name', args: 'input' }, output: { type: 'boolean' } },
    });
    const r = (await api('/v1/rules', { key, body: { name: 'spans', evaluator_ids: [ev.id] } })).json;
    await postSpans(key, [
      span('root', 'multi', { kind: 'agent', end_time: '2026-01-01T00:00:09Z' }),
      span('t1', 'multi', { parent_id: 'root', kind: 'tool', name: 'search_flights', input: { from: 'JFK' }, start_time: '2026-01-01T00:00:01Z' }),
      span('t2', 'multi', { parent_id: 'root', kind: 'tool', name: 'book', input: { flight: 'HAT136' }, start_time: '2026-01-01T00:00:02Z' }),
      span('l1', 'multi', { parent_id: 'root', kind: 'llm', start_time: '2026-01-01T00:00:03Z' }),
    ]);
    const run = await waitForRun(key, r.id, 'online', (c) => c.scored === 2);
    expect(run.counts).toMatchObject({ matched: 1, scored: 2, failed: 0, queued: 0 });
    const prompts = (await received(sc)).map((q) => q.body.messages[1].content).sort();
    expect(prompts).toEqual(['Tool book got {"flight":"HAT136"}. Sensible?', 'Tool search_flights got {"from":"JFK"}. Sensible?']);
    const fb = (await api('/v1/traces/multi', { key })).json.feedback;
    expect(fb.map((f: any) => f.span_id).sort()).toEqual(['t1', 't2']);
    const log = (await api(`/v1/rules/${r.id}/runs/online/results`, { key })).json.results;
    expect(log.map((e: any) => e.status).sort()).toEqual(['expanded', 'scored', 'scored']);
  });
});

describe('provider concurrency', () => {
  it('never has more calls in flight to a provider than its max_concurrency', async () => {
    const { key } = await makeProject();
    const sc = scenarioId('bounded');
    await script(sc, { steps: [], then: { delay_ms: 150, verdict: 'auto' } });
    const providerId = await fakeOpenAiProvider(key, sc, { options: { max_concurrency: 2 } });
    const ev = await createEvaluator(key, { template: 'relevance', config: { provider_id: providerId } });
    const r = (await api('/v1/rules', { key, body: { name: 'many', evaluator_ids: [ev.id] } })).json;
    await postSpans(key, Array.from({ length: 8 }, (_, i) => span(`r${i}`, `c-${i}`, { kind: 'agent', input: 'q', output: 'a', end_time: '2026-01-01T00:00:01Z' })));
    await waitForRun(key, r.id, 'online', (c) => c.scored === 8);
    const calls = await received(sc);
    expect(calls).toHaveLength(8);
    // Intervals [at, at + served_ms] of the fake: count the most that overlap.
    const events = calls.flatMap((c) => [[c.at, 1], [c.at + (c as any).served_ms, -1]] as [number, number][]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let inFlight = 0;
    let most = 0;
    for (const [, d] of events) most = Math.max(most, (inFlight += d));
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBe(2);
  }, 30_000);
});

describe('Retry-After', () => {
  it('is read as seconds, as an HTTP date, or from retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }), now)).toBe(7000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '1' }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect([429, 500, 503, 529, 408].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });
});

describe('the trajectory variable', () => {
  it('fits the token budget and says what it left out', () => {
    // Conversation 3 is long: 20 tool calls and many LLM turns.
    const tree = treeFromSpans(tauSpans(3));
    const full = readSource({ tree, span: null }, 'trajectory', { trajectoryMaxTokens: 1_000_000 }) as string;
    const small = readSource({ tree, span: null }, 'trajectory', { trajectoryMaxTokens: 800 }) as string;
    expect(estimateTokens(full)).toBeGreaterThan(800);
    expect(estimateTokens(small)).toBeLessThanOrEqual(800);
    expect(small).toMatch(/folded to fit the budget|\[\+[\d,]+ chars\]/);
    expect(small).toContain('the whole trace taubench-airline-3-0 is in Loupe');
  });
});

describe('a backfill overlapping online matching', () => {
  it('does not call the judge again for a (trace, version) already scored, unless asked to re-score', async () => {
    const { key } = await makeProject();
    const sc = scenarioId('overlap');
    await script(sc, { steps: [], then: { verdict: 'auto' } });
    const providerId = await fakeOpenAiProvider(key, sc);
    const ev = await createEvaluator(key, { name: 'ok', key: 'ok', config: { type: 'judge', provider_id: providerId, prompt: { user: 'Is {{output}} fine?' }, variables: { output: 'output' }, output: { type: 'boolean' } } });
    const r = (await api('/v1/rules', { key, body: { name: 'all', evaluator_ids: [ev.id] } })).json;
    const at = { start_time: '2026-01-02T00:00:00Z', end_time: '2026-01-02T00:00:01Z' };
    await postSpans(key, ['o1', 'o2', 'o3'].map((t) => span(`${t}-root`, t, { kind: 'agent', output: 'yes', ...at })));
    await waitForRun(key, r.id, 'online', (c) => c.scored === 3);
    expect(await received(sc)).toHaveLength(3);
    const range = { from: '2026-01-01T00:00:00Z', to: '2026-01-03T00:00:00Z' };
    const bf = (await api(`/v1/rules/${r.id}/backfill`, { key, body: range })).json;
    const skipped = await waitForRun(key, r.id, bf.id, (c, run) => run.status === 'done' && c.skipped === 3);
    expect(skipped.counts).toMatchObject({ matched: 3, scored: 0, skipped: 3, failed: 0 });
    expect(await received(sc)).toHaveLength(3);
    const log = (await api(`/v1/rules/${r.id}/runs/${bf.id}/results`, { key })).json.results;
    expect(log.every((e: any) => e.error_code === 'already_scored')).toBe(true);
    const again = (await api(`/v1/rules/${r.id}/backfill`, { key, body: { ...range, rescore: true } })).json;
    await waitForRun(key, r.id, again.id, (c, run) => run.status === 'done' && c.scored === 3);
    expect(await received(sc)).toHaveLength(6);
  });
});
