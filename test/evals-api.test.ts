/**
 * The evaluation API: evaluator CRUD and versions, templates, providers, rules, settings;
 * bad input answered with the field at fault; every route closed to other projects' keys;
 * everything documented in the OpenAPI document.
 */
import { describe, it, expect } from 'vitest';
import { api, makeKey, makeProject, span, waitForTrace } from './helpers.ts';
import { createEvaluator, fakeOpenAiProvider, postSpans, scenarioId } from './evals-helpers.ts';

describe('evaluators', () => {
  it('are versioned: every change makes a new version and old versions stay readable', async () => {
    const { key } = await makeProject();
    const ev = await createEvaluator(key, { name: 'short answer', key: 'short', config: { type: 'code', check: 'length', max: 100 } });
    expect(ev).toMatchObject({ version: 1, kind: 'code', key: 'short', target: { type: 'trace' }, config: { check: 'length', max: 100, value: 'output' } });
    const v2 = await api(`/v1/evaluators/${ev.id}`, { key, method: 'PATCH', body: { config: { max: 50 } } });
    expect(v2.status).toBe(200);
    expect(v2.json).toMatchObject({ version: 2, config: { check: 'length', max: 50 } });
    const v3 = await api(`/v1/evaluators/${ev.id}`, { key, method: 'PATCH', body: { name: 'terse', config: { type: 'code', check: 'regex', pattern: '^.{0,40}$' } } });
    expect(v3.json).toMatchObject({ version: 3, name: 'terse', config: { check: 'regex' } });
    expect((await api(`/v1/evaluators/${ev.id}`, { key })).json.version).toBe(3);
    expect((await api(`/v1/evaluators/${ev.id}/versions/1`, { key })).json.config.max).toBe(100);
    const versions = await api(`/v1/evaluators/${ev.id}/versions`, { key });
    expect(versions.json.versions.map((v: any) => v.version)).toEqual([3, 2, 1]);
    expect((await api('/v1/evaluators', { key })).json.evaluators.map((e: any) => e.id)).toEqual([ev.id]);
    expect((await api(`/v1/evaluators/${ev.id}`, { key, method: 'DELETE' })).json).toEqual({ deleted: true });
    expect((await api('/v1/evaluators', { key })).json.evaluators).toEqual([]);
    expect((await api('/v1/evaluators?include_deleted=true', { key })).json.evaluators[0].deleted_at).not.toBeNull();
    expect((await api(`/v1/evaluators/${ev.id}`, { key, method: 'PATCH', body: { name: 'x' } })).status).toBe(409);
  });

  it('take null in a config patch or template override as "remove this field"', async () => {
    const { key } = await makeProject();
    const expected = [{ name: 'get_user_details', args: { user_id: 'mia_li_3668' } }];
    // The template reads the expected calls from the trace; this one lists them instead.
    const literal = await createEvaluator(key, { template: 'expected_tool_calls', config: { expected, expected_from: null } });
    expect(literal.config).toEqual({ type: 'code', check: 'tool_sequence', expected, mode: 'superset', args_match: 'subset' });
    expect(literal.template).toBe('expected_tool_calls');
    const back = await api(`/v1/evaluators/${literal.id}`, { key, method: 'PATCH', body: { config: { expected: null, expected_from: 'trace.metadata.actions' } } });
    expect(back.json).toMatchObject({ version: 2, config: { expected_from: 'trace.metadata.actions' } });
    expect(back.json.config.expected).toBeUndefined();
    const judge = await createEvaluator(key, { template: 'relevance', config: { provider_id: await fakeOpenAiProvider(key, scenarioId('null')), model: 'gpt-4o' } });
    const patched = await api(`/v1/evaluators/${judge.id}`, { key, method: 'PATCH', body: { config: { model: null, prompt: { system: null } } } });
    expect(patched.json.config.model).toBeUndefined();
    expect(patched.json.config.prompt.system).toBeUndefined();
    expect(patched.json.config.prompt.user).toContain('{{input}}');
  });

  it('scores record the version that produced them', async () => {
    const { key } = await makeProject();
    await postSpans(key, [span('r', 'v', { kind: 'agent', output: 'Paris', end_time: '2026-01-01T00:00:01Z' })]);
    await waitForTrace(key, 'v');
    const ev = await createEvaluator(key, { name: 'paris', key: 'paris', config: { type: 'code', check: 'contains', text: 'Paris' } });
    await api(`/v1/evaluators/${ev.id}`, { key, method: 'PATCH', body: { config: { text: 'Lyon' } } });
    const rule = await api('/v1/rules', { key, body: { name: 'r', evaluator_ids: [ev.id], active: false } });
    await api(`/v1/rules/${rule.json.id}/backfill`, { key, body: { from: '2025-12-31T00:00:00Z', to: '2026-01-02T00:00:00Z' } });
    const { eventually } = await import('./helpers.ts');
    const scores = await eventually(async () => {
      const res = await api(`/v1/evaluators/${ev.id}/scores`, { key });
      if (!res.json.scores.length) throw new Error('no score yet');
      return res.json.scores;
    });
    expect(scores[0]).toMatchObject({ evaluator_version: 2, score: 0, key: 'paris' });
    expect((await api(`/v1/evaluators/${ev.id}/scores?version=1`, { key })).json.scores).toEqual([]);
  });

  it('can be created from a template, overriding its fields', async () => {
    const { key } = await makeProject();
    const templates = (await api('/v1/evaluator-templates', { key })).json.templates;
    expect(templates.filter((t: any) => t.kind === 'judge').map((t: any) => t.id)).toEqual([
      'helpfulness', 'relevance', 'tone', 'groundedness', 'correctness', 'criteria', 'hallucination', 'trajectory_quality', 'conversation_resolved',
    ]);
    const providerId = await fakeOpenAiProvider(key, scenarioId('tpl'));
    const ev = await createEvaluator(key, { template: 'correctness', key: 'correct', config: { provider_id: providerId, model: 'gpt-4.1', variables: { input: 'input', output: 'output', reference: 'correction' } } });
    expect(ev).toMatchObject({ template: 'correctness', key: 'correct', name: 'Correctness against a reference', config: { type: 'judge', model: 'gpt-4.1', output: { type: 'boolean' }, variables: { reference: 'correction' } } });
    expect(ev.config.prompt.user).toContain('{{reference}}');
  });

  it('answer 400 naming the field for definitions that could not run', async () => {
    const { key } = await makeProject();
    const cases: [unknown, string][] = [
      [{ name: 'x', key: 'x', config: { type: 'code', check: 'levenshtein' } }, 'config.check'],
      [{ name: 'x', key: 'x', config: { type: 'code', check: 'regex', pattern: '(' } }, 'config.pattern'],
      [{ name: 'x', key: 'x', config: { type: 'code', check: 'contains', text: 'a', value: 'outputs.answer' } }, 'config.value'],
      [{ name: 'x', key: 'x', config: { type: 'code', check: 'exact_match' } }, 'config.expected'],
      [{ name: 'x', key: 'has space', config: { type: 'code', check: 'error_free' } }, 'key'],
      [{ name: 'x', key: 'x', target: { type: 'span', filter: 'kind=' }, config: { type: 'code', check: 'error_free' } }, 'target.filter'],
      [{ template: 'helpfulness', config: { provider_id: 'prv_nope' } }, 'config.provider_id'],
      [{ template: 'nope' }, 'template'],
      [{ name: 'x', key: 'x', config: { type: 'judge', provider_id: 'p', prompt: { user: 'Rate {{answer}}' }, output: { type: 'boolean' } } }, 'config.prompt.user'],
      [{ name: 'x', key: 'x', config: { type: 'judge', provider_id: 'p', prompt: { user: 'hi' }, output: { type: 'number', min: 1, max: 0 } } }, 'config.output.max'],
      [{ name: 'x', key: 'x' }, 'config'],
    ];
    for (const [body, path] of cases) {
      const res = await api('/v1/evaluators', { key, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.path, JSON.stringify(res.json)).toBe(path);
    }
  });

  it('try-it stores nothing', async () => {
    const { key } = await makeProject();
    await postSpans(key, [span('r', 'try', { kind: 'agent', output: '{"ok": true}', end_time: '2026-01-01T00:00:01Z' })]);
    await waitForTrace(key, 'try');
    const res = await api('/v1/evaluators/try', { key, body: { evaluator: { name: 'json', key: 'json', config: { type: 'code', check: 'json_valid' } }, trace_ids: ['try', 'missing'] } });
    expect(res.status).toBe(200);
    expect(res.json.results).toMatchObject([
      { trace_id: 'try', score: 1, error: null },
      { trace_id: 'missing', score: null, error_code: 'trace_not_found' },
    ]);
    expect((await api('/v1/traces/try', { key })).json.feedback).toEqual([]);
    expect((await api('/v1/evaluators', { key })).json.evaluators).toEqual([]);
    const bad = await api('/v1/evaluators/try', { key, body: { evaluator: { name: 'x', key: 'x', config: { type: 'code', check: 'regex', pattern: '[' } }, trace_ids: ['try'] } });
    expect(bad.json.error.path).toBe('evaluator.config.pattern');
    const both = await api('/v1/evaluators/try', { key, body: { trace_ids: ['try'] } });
    expect(both.status).toBe(400);
  });
});

describe('rules and providers', () => {
  it('rules can be changed, paused and deleted', async () => {
    const { key } = await makeProject();
    const ev = await createEvaluator(key, { template: 'error_free' });
    const r = (await api('/v1/rules', { key, body: { name: 'prod', filter: 'env=production', sampling_rate: 0.25, evaluator_ids: [ev.id] } })).json;
    expect(r).toMatchObject({ name: 'prod', filter: 'env=production', sampling_rate: 0.25, active: true, evaluator_ids: [ev.id] });
    const patched = await api(`/v1/rules/${r.id}`, { key, method: 'PATCH', body: { active: false, sampling_rate: 1 } });
    expect(patched.json).toMatchObject({ active: false, sampling_rate: 1 });
    expect((await api(`/v1/rules/${r.id}`, { key, method: 'PATCH', body: { filter: 'latency>' } })).json.error).toMatchObject({ code: 'invalid_filter', path: 'filter' });
    expect((await api(`/v1/rules/${r.id}/runs`, { key })).json.runs[0]).toMatchObject({ id: 'online', status: 'paused' });
    expect((await api(`/v1/rules/${r.id}/backfill`, { key, body: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } })).json.error.path).toBe('to');
    expect((await api(`/v1/rules/${r.id}/backfill`, { key, body: { from: 'yesterday' } })).json.error.path).toBe('from');
    expect((await api(`/v1/rules/${r.id}`, { key, method: 'DELETE' })).status).toBe(200);
    expect((await api(`/v1/rules/${r.id}`, { key })).status).toBe(404);
    expect((await api('/v1/rules', { key })).json.rules).toEqual([]);
  });

  it('providers check their base URL and need the admin scope', async () => {
    const { key, projectId } = await makeProject();
    const bad = await api('/v1/providers', { key, body: { name: 'x', type: 'openai', base_url: 'http://api.example.com/v1' } });
    expect(bad.json.error.path).toBe('base_url');
    const reader = await makeKey(projectId, ['read', 'ingest']);
    expect((await api('/v1/providers', { key: reader })).status).toBe(403);
    expect((await api('/v1/evaluators', { key: reader, body: { template: 'error_free' } })).status).toBe(403);
    expect((await api('/v1/evaluators', { key: reader })).status).toBe(200);
  });

  it("a connection to OpenAI's or Anthropic's hosted API needs a key; a self-hosted server does not", async () => {
    const { key } = await makeProject();
    const openai = await api('/v1/providers', { key, body: { name: 'OpenAI', type: 'openai', default_model: 'gpt-4o-mini' } });
    expect(openai.status).toBe(400);
    expect(openai.json.error).toMatchObject({ code: 'invalid_request', path: 'api_key' });
    expect(openai.json.error.message).toContain('needs an API key');
    const anthropic = await api('/v1/providers', { key, body: { name: 'Claude', type: 'anthropic', base_url: 'https://api.anthropic.com' } });
    expect(anthropic.json.error.path).toBe('api_key');
    expect((await api('/v1/providers', { key })).json.providers).toEqual([]);

    const ollama = await api('/v1/providers', { key, body: { name: 'Ollama', type: 'openai', base_url: 'http://localhost:11434/v1', default_model: 'llama3.1' } });
    expect(ollama.status).toBe(201);
    expect(ollama.json.has_api_key).toBe(false);
    // Pointing the keyless connection at the hosted API is refused too; renaming it is not.
    expect((await api(`/v1/providers/${ollama.json.id}`, { key, method: 'PATCH', body: { base_url: null } })).json.error.path).toBe('api_key');
    expect((await api(`/v1/providers/${ollama.json.id}`, { key, method: 'PATCH', body: { name: 'local llama' } })).json.name).toBe('local llama');

    const keyed = await api('/v1/providers', { key, body: { name: 'OpenAI', type: 'openai', api_key: 'sk-test-key-0123456789' } });
    expect(keyed.status).toBe(201);
    expect((await api(`/v1/providers/${keyed.json.id}`, { key, method: 'PATCH', body: { api_key: null } })).json.error.path).toBe('api_key');
    expect((await api(`/v1/providers/${keyed.json.id}`, { key })).json.has_api_key).toBe(true);
  });

  it('eval settings fall back to the instance defaults', async () => {
    const { key } = await makeProject();
    expect((await api('/v1/eval-settings', { key })).json).toMatchObject({ daily_spend_cap_usd: 10, daily_judge_call_cap: 10000, today: { calls: 0, cost_usd: 0 } });
    await api('/v1/eval-settings', { key, method: 'PUT', body: { daily_spend_cap_usd: 2.5 } });
    expect((await api('/v1/eval-settings', { key })).json.daily_spend_cap_usd).toBe(2.5);
    await api('/v1/eval-settings', { key, method: 'PUT', body: { daily_spend_cap_usd: null } });
    expect((await api('/v1/eval-settings', { key })).json.daily_spend_cap_usd).toBe(10);
    expect((await api('/v1/eval-settings', { key, method: 'PUT', body: { daily_spend_cap_usd: -1 } })).json.error.path).toBe('daily_spend_cap_usd');
  });
});

describe('cross-project isolation of the evaluation API', () => {
  it('a key of one project can neither read nor change another project\'s evaluators, rules, runs, providers or scores', async () => {
    const a = await makeProject('a');
    const b = await makeProject('b');
    const providerId = await fakeOpenAiProvider(a.key, scenarioId('iso'));
    const ev = await createEvaluator(a.key, { template: 'error_free' });
    const r = (await api('/v1/rules', { key: a.key, body: { name: 'a rule', evaluator_ids: [ev.id] } })).json;
    await postSpans(a.key, [span('root', 'a-trace', { kind: 'agent', end_time: '2026-01-01T00:00:01Z' })]);
    await waitForTrace(a.key, 'a-trace');

    for (const path of [
      `/v1/evaluators/${ev.id}`,
      `/v1/evaluators/${ev.id}/versions`,
      `/v1/evaluators/${ev.id}/versions/1`,
      `/v1/evaluators/${ev.id}/scores`,
      `/v1/rules/${r.id}`,
      `/v1/rules/${r.id}/runs`,
      `/v1/rules/${r.id}/runs/online`,
      `/v1/rules/${r.id}/runs/online/results`,
      `/v1/providers/${providerId}`,
      '/v1/judge-traces/judge-anything',
    ]) {
      expect((await api(path, { key: b.key })).status, path).toBe(404);
    }
    expect((await api('/v1/evaluators', { key: b.key })).json.evaluators).toEqual([]);
    expect((await api('/v1/rules', { key: b.key })).json.rules).toEqual([]);
    expect((await api('/v1/providers', { key: b.key })).json.providers).toEqual([]);
    expect((await api(`/v1/evaluators/${ev.id}`, { key: b.key, method: 'PATCH', body: { name: 'stolen' } })).status).toBe(404);
    expect((await api(`/v1/evaluators/${ev.id}`, { key: b.key, method: 'DELETE' })).status).toBe(404);
    expect((await api(`/v1/rules/${r.id}`, { key: b.key, method: 'PATCH', body: { active: false } })).status).toBe(404);
    expect((await api(`/v1/rules/${r.id}`, { key: b.key, method: 'DELETE' })).status).toBe(404);
    expect((await api(`/v1/rules/${r.id}/backfill`, { key: b.key, body: { from: '2025-01-01T00:00:00Z' } })).status).toBe(404);
    expect((await api(`/v1/providers/${providerId}`, { key: b.key, method: 'PATCH', body: { name: 'x' } })).status).toBe(404);
    expect((await api(`/v1/providers/${providerId}`, { key: b.key, method: 'DELETE' })).status).toBe(404);
    // B cannot use A's evaluator, provider or trace.
    expect((await api('/v1/evaluators/try', { key: b.key, body: { evaluator_id: ev.id, trace_ids: ['a-trace'] } })).status).toBe(404);
    expect((await api('/v1/rules', { key: b.key, body: { name: 'x', evaluator_ids: [ev.id] } })).json.error.path).toBe('evaluator_ids[0]');
    expect((await api('/v1/evaluators', { key: b.key, body: { template: 'relevance', config: { provider_id: providerId } } })).json.error.path).toBe('config.provider_id');
    const own = await createEvaluator(b.key, { template: 'error_free' });
    const tried = await api('/v1/evaluators/try', { key: b.key, body: { evaluator_id: own.id, trace_ids: ['a-trace'] } });
    expect(tried.json.results[0].error_code).toBe('trace_not_found');
    expect((await api('/v1/eval-settings', { key: b.key, method: 'PUT', body: { daily_judge_call_cap: 1 } })).status).toBe(200);
    expect((await api('/v1/eval-settings', { key: a.key })).json.daily_judge_call_cap).toBe(10000);
    // A's own reads still work.
    expect((await api(`/v1/rules/${r.id}/runs/online`, { key: a.key })).status).toBe(200);
  });
});

describe('OpenAPI', () => {
  it('documents every evaluation route', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    for (const path of [
      '/v1/evaluators', '/v1/evaluators/{id}', '/v1/evaluators/{id}/versions', '/v1/evaluators/{id}/versions/{version}', '/v1/evaluators/{id}/scores',
      '/v1/evaluators/try', '/v1/evaluator-templates', '/v1/providers', '/v1/providers/{id}', '/v1/rules', '/v1/rules/{id}',
      '/v1/rules/{id}/backfill', '/v1/rules/{id}/runs', '/v1/rules/{id}/runs/{run_id}', '/v1/rules/{id}/runs/{run_id}/results',
      '/v1/judge-traces/{id}', '/v1/eval-settings',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas.EvaluatorConfig).toBeDefined();
    expect(doc.components.schemas.ProviderCreate.properties.api_key.description).toContain('never returned');
  });
});
