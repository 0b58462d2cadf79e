/**
 * The LLM path of Insights reports against the local fake provider (OpenAI wire format):
 * facets and cluster names when it answers, counted as judge calls; a provider failing
 * part-way leaves a report that completed offline and says so.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { env } from 'cloudflare:test';
import { api, eventually, makeProject } from './helpers.ts';
import { TAU, fakeOpenAiProvider, postSpans, received, scenarioId, script } from './evals-helpers.ts';
import { taubenchToTrace } from '../scripts/demo/taubench.ts';

const N = 40;
const ANSWER = JSON.stringify({ request: 'change a booked flight to another date', task: 'change flight', outcome: 'the flight was changed', failure_reason: null, name: 'Flight changes', description: 'Users asking to move a booking to another flight.' });

async function project() {
  const p = await makeProject('insights-llm');
  for (let i = 0; i < N; i++) {
    const { spans, feedback } = taubenchToTrace(TAU[i], i, TAU.length, Date.now());
    await postSpans(p.key, spans);
    for (const f of feedback) await api('/v1/feedback', { key: p.key, body: f });
  }
  await eventually(async () => {
    const res = await api('/v1/traces?limit=500&q=since:3650d', { key: p.key });
    if (res.json?.traces?.length !== N) throw new Error(`${res.json?.traces?.length} traces indexed`);
  }, 60_000);
  return p;
}

async function runReport(key: string, body: Record<string, unknown> = {}) {
  const start = await api('/v1/insights/reports', { key, body: { since: '3650d', failure_filter: 'feedback.outcome=0', ...body } });
  expect(start.status, start.text).toBe(202);
  return eventually(async () => {
    const res = await api(`/v1/insights/reports/${start.json.id}`, { key });
    if (res.json.status !== 'done') throw new Error(`report ${res.json.status}: ${res.json.error ?? ''}`);
    return res.json;
  }, 60_000);
}

describe('the LLM path', () => {
  let p: Awaited<ReturnType<typeof project>>;
  beforeAll(async () => {
    p = await project();
  }, 120_000);

  it('writes facets and names clusters through the provider, as judge calls within the caps', async () => {
    const scenario = scenarioId('insights-ok');
    await script(scenario, { steps: [], then: { text: ANSWER } });
    const providerId = await fakeOpenAiProvider(p.key, scenario);
    const done = await runReport(p.key, { provider_id: providerId });
    expect(done.method).toBe('llm');
    expect(done.report.method.facets).toBe('llm');
    expect(done.report.method.naming).toBe('llm');
    expect(done.report.intents.some((c: any) => c.namedBy === 'llm' && c.name === 'Flight changes')).toBe(true);
    const requests = await received(scenario);
    expect(requests.length).toBeGreaterThan(N);
    expect(requests[0].body.messages[0].content).toContain('You read one trace of an AI agent');
    const spend = await env.DB.prepare('SELECT calls FROM eval_spend WHERE project_id = ?').bind(p.projectId).first<{ calls: number }>();
    expect(spend!.calls).toBe(requests.length);
    expect(done.report.notes.join(' ')).toContain(`${requests.length} calls`);
    // Offline on request, even with a provider.
    const offline = await runReport(p.key, { offline: true });
    expect(offline.method).toBe('offline');
  });

  it('completes offline with a note when the provider fails mid-report', async () => {
    const scenario = scenarioId('insights-fail');
    await script(scenario, { steps: [{ text: ANSWER }, { text: ANSWER }, { text: ANSWER }], then: { status: 500, body: { error: { message: 'upstream exploded', type: 'server_error' } } } });
    const providerId = await fakeOpenAiProvider(p.key, scenario);
    const done = await runReport(p.key, { provider_id: providerId });
    expect(done.method).toBe('offline');
    expect(done.report.method.facets).toBe('none');
    expect(done.report.method.naming).toBe('c-tf-idf');
    expect(done.report.notes.join(' ')).toMatch(/the LLM provider failed .* the report completed offline/);
    expect(done.traces).toBe(N);
  });

  it('stops at the daily judge cap and completes offline', async () => {
    const scenario = scenarioId('insights-cap');
    await script(scenario, { steps: [], then: { text: ANSWER } });
    const providerId = await fakeOpenAiProvider(p.key, scenario);
    const caps = await api('/v1/eval-settings', { key: p.key, method: 'PUT', body: { daily_judge_call_cap: 1 } });
    expect(caps.status, caps.text).toBe(200);
    const done = await runReport(p.key, { provider_id: providerId });
    expect(done.method).toBe('offline');
    expect(done.report.notes.join(' ')).toMatch(/daily judge spend cap was reached/);
    expect((await api('/v1/insights/reports', { key: p.key, body: { provider_id: 'nope' } })).json.error.path).toBe('provider_id');
  });
});
