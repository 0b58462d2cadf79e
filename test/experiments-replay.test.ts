/**
 * Prompt and model replay: a dataset of chat messages re-run server-side through a
 * provider (the local fake speaking OpenAI's and Anthropic's wire formats) with a new
 * system prompt, model and parameters; answers become runs with tokens and cost, scored by
 * the experiment's evaluators; the daily LLM budget stops the replay, saying so.
 */
import { describe, it, expect } from 'vitest';
import { api, eventually, makeProject } from './helpers.ts';
import { createEvaluator, fakeOpenAiProvider, fakeUrl, received, scenarioId, script } from './evals-helpers.ts';

const QUESTIONS = [
  ['France', 'Paris'],
  ['Italy', 'Rome'],
  ['Spain', 'Madrid'],
];

async function chats(key: string) {
  const ds = await api('/v1/datasets', { key, body: { name: `chats-${crypto.randomUUID().slice(0, 8)}` } });
  const ex = await api(`/v1/datasets/${ds.json.id}/examples`, {
    key,
    body: {
      examples: QUESTIONS.map(([country, capital]) => ({
        inputs: { messages: [{ role: 'system', content: 'You are terse. Old prompt.' }, { role: 'user', content: `Capital of ${country}?` }] },
        outputs: { role: 'assistant', content: capital },
      })),
    },
  });
  expect(ex.status).toBe(201);
  return ds.json.id as string;
}

async function done(key: string, id: string) {
  return eventually(async () => {
    const p = await api(`/v1/experiments/${id}/target`, { key });
    if (p.json.status !== 'done') throw new Error(`not done: ${p.text}`);
    return p.json;
  }, 30_000);
}

// Queue deliveries take seconds on a loaded machine: well past the 5 s default.
describe('prompt replay', { timeout: 60_000 }, () => {
  it('re-runs each conversation with the new system prompt and model, recording tokens and cost, scored by the evaluators', async () => {
    const { key } = await makeProject();
    const datasetId = await chats(key);
    const sc = scenarioId('replay');
    await script(sc, { steps: [], then: { text: 'Paris', usage: { input: 40, output: 10 } } });
    const providerId = await fakeOpenAiProvider(key, sc, { options: { prices: { 'gpt-4.1-mini': { input_usd_per_mtok: 1, output_usd_per_mtok: 4 } } } });
    const exact = await createEvaluator(key, { name: 'exact', key: 'exact', config: { type: 'code', check: 'exact_match', value: 'output', expected_from: 'example.outputs.content' } });
    const e = await api('/v1/experiments', { key, body: { name: 'new-prompt', dataset_id: datasetId, evaluators: [exact.id], replay: { provider_id: providerId, model: 'gpt-4.1-mini', system: 'Answer with the city only.', temperature: 0.3, max_tokens: 50 } } });
    expect(e.status, e.text).toBe(201);
    const p = await done(key, e.json.id);
    expect(p).toMatchObject({ kind: 'replay', url: null, replay: { provider_id: providerId, model: 'gpt-4.1-mini', system: 'Answer with the city only.', temperature: 0.3, max_tokens: 50 }, runs: { done: 3, errored: 0 } });

    const calls = await received(sc);
    expect(calls).toHaveLength(3);
    for (const c of calls) {
      expect(c.body).toMatchObject({ model: 'gpt-4.1-mini', temperature: 0.3, max_tokens: 50 });
      expect(c.body.response_format).toBeUndefined();
      expect(c.body.messages[0]).toEqual({ role: 'system', content: 'Answer with the city only.' });
      expect(c.body.messages).toHaveLength(2);
      expect(c.raw).not.toContain('Old prompt');
    }
    expect(calls.map((c) => c.body.messages[1].content).sort()).toEqual(['Capital of France?', 'Capital of Italy?', 'Capital of Spain?']);

    const runs = (await api(`/v1/experiments/${e.json.id}/runs`, { key })).json.runs;
    for (const r of runs) expect(r).toMatchObject({ output: { role: 'assistant', content: 'Paris' }, tokens: 50, error: null });
    expect(runs[0].cost).toBeCloseTo((40 * 1 + 10 * 4) / 1e6, 12);
    const scored = await eventually(async () => {
      const s = (await api(`/v1/experiments/${e.json.id}`, { key })).json.summary;
      if (!s.metrics.length || s.metrics[0].runs < 3) throw new Error('not scored yet');
      return s;
    }, 20_000);
    expect(scored.metrics[0]).toMatchObject({ key: 'exact', kind: 'pass_rate', runs: 3 });
    expect(scored.metrics[0].mean).toBeCloseTo(1 / 3, 12);
    const trace = (await api(`/v1/traces/${runs[0].trace_id}`, { key })).json;
    expect(trace.spans[0]).toMatchObject({ kind: 'llm', model: 'gpt-4.1-mini', usage: { input_tokens: 40, output_tokens: 10 } });
    expect((await api('/v1/eval-settings', { key })).json.today.calls).toBe(3);
  });

  it('keeps the examples own system prompt when none is given, and speaks the Anthropic format', async () => {
    const { key } = await makeProject();
    const datasetId = await chats(key);
    const sc = scenarioId('replay-anthropic');
    await script(sc, { steps: [], then: { text: 'Rome' } });
    const provider = await api('/v1/providers', { key, body: { name: 'claude', type: 'anthropic', base_url: `${fakeUrl()}/s/${sc}`, default_model: 'claude-sonnet-4-5', api_key: 'sk-ant-test-0123456789' } });
    expect(provider.status).toBe(201);
    const e = await api('/v1/experiments', { key, body: { name: 'same-prompt', dataset_id: datasetId, replay: { provider_id: provider.json.id } } });
    expect(e.status, e.text).toBe(201);
    await done(key, e.json.id);
    const calls = await received(sc);
    expect(calls).toHaveLength(3);
    for (const c of calls) {
      expect(c.path).toBe('/v1/messages');
      expect(c.body).toMatchObject({ model: 'claude-sonnet-4-5', system: 'You are terse. Old prompt.', max_tokens: 1024 });
      expect(c.body.messages.map((m: any) => m.role)).toEqual(['user']);
      expect(c.body.tools).toBeUndefined();
    }
    const runs = (await api(`/v1/experiments/${e.json.id}/runs`, { key })).json.runs;
    expect(runs.map((r: any) => r.output.content)).toEqual(['Rome', 'Rome', 'Rome']);
  });

  it('stops at the daily budget: the runs past it are errored and say why, no call is made for them', async () => {
    const { key } = await makeProject();
    const datasetId = await chats(key);
    expect((await api('/v1/eval-settings', { key, method: 'PUT', body: { daily_judge_call_cap: 2 } })).status).toBe(200);
    const sc = scenarioId('replay-cap');
    await script(sc, { steps: [], then: { text: 'x' } });
    const providerId = await fakeOpenAiProvider(key, sc);
    const e = await api('/v1/experiments', { key, body: { name: 'capped', dataset_id: datasetId, replay: { provider_id: providerId, concurrency: 1 } } });
    const p = await done(key, e.json.id);
    expect(p.runs).toEqual({ pending: 0, running: 0, done: 2, errored: 1 });
    expect(await received(sc)).toHaveLength(2);
    const errored = (await api(`/v1/experiments/${e.json.id}/runs`, { key })).json.runs.filter((r: any) => r.error);
    expect(errored[0].error).toContain('daily LLM budget is used up');
  });

  it('answers a bad replay with the field at fault and writes nothing', async () => {
    const { key } = await makeProject();
    const datasetId = await chats(key);
    const unknown = await api('/v1/experiments', { key, body: { name: 'x', dataset_id: datasetId, replay: { provider_id: 'nope' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.path).toBe('replay.provider_id');
    const both = await api('/v1/experiments', { key, body: { name: 'x', dataset_id: datasetId, replay: { provider_id: 'nope' }, target: { url: 'https://staging.example.com' } } });
    expect(both.status).toBe(400);
    expect(both.json.error.path).toBe('replay');
    const other = await makeProject();
    const foreignProvider = await fakeOpenAiProvider(other.key, scenarioId('other'));
    const foreign = await api('/v1/experiments', { key, body: { name: 'x', dataset_id: datasetId, replay: { provider_id: foreignProvider } } });
    expect(foreign.status).toBe(400);
    expect(foreign.json.error.path).toBe('replay.provider_id');
    expect((await api('/v1/experiments', { key })).json.experiments).toHaveLength(0);
  });
});
