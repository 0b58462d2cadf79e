/**
 * LLM judges and webhooks against a local fake server that speaks the real OpenAI and
 * Anthropic wire formats (test/node/fake-provider.ts): a correct verdict, a malformed
 * answer, a timeout, a 429 with Retry-After, a 500 then success; and keys never leak.
 */
import { describe, it, expect } from 'vitest';
import { api, makeProject, span, waitForTrace } from './helpers.ts';
import { createEvaluator, fakeOpenAiProvider, fakeUrl, postSpans, received, scenarioId, script } from './evals-helpers.ts';

const KEY = 'sk-test-secret-key-123456';

/** A project with one finished trace `t1` asking about Paris. */
async function projectWithTrace() {
  const p = await makeProject();
  await postSpans(p.key, [
    span('root', 't1', { kind: 'agent', name: 'support', input: 'What is the capital of France?', output: 'Paris.', end_time: '2026-01-01T00:00:02.000Z', metadata: { reference: 'Paris' } }),
    span('llm', 't1', { parent_id: 'root', kind: 'llm', model: 'gpt-4o', input: { messages: [{ role: 'user', content: 'What is the capital of France?' }] }, output: { role: 'assistant', content: 'Paris.' }, end_time: '2026-01-01T00:00:01.000Z' }),
  ]);
  await waitForTrace(p.key, 't1', 2);
  return p;
}

const correctness = (providerId: string, extra: Record<string, unknown> = {}) => ({ template: 'correctness', config: { provider_id: providerId, ...extra } });

async function tryIt(key: string, evaluator: unknown, traceIds = ['t1']) {
  return api('/v1/evaluators/try', { key, body: { evaluator, trace_ids: traceIds } });
}

describe('LLM judge over the OpenAI wire format', () => {
  it('a correct verdict becomes a score with the reasoning as comment, from a structured-output request', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('ok');
    await script(sc, { steps: [{ verdict: { reasoning: 'Both say Paris.', verdict: true } }], expect_key: KEY });
    const providerId = await fakeOpenAiProvider(key, sc);
    const res = await tryIt(key, correctness(providerId));
    expect(res.status).toBe(200);
    expect(res.json.results[0]).toMatchObject({ trace_id: 't1', score: 1, value: true, comment: 'Both say Paris.', error: null });
    const [req] = await received(sc);
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body.model).toBe('gpt-4o-mini');
    expect(req.body.response_format.type).toBe('json_schema');
    expect(req.body.response_format.json_schema.strict).toBe(true);
    expect(req.body.response_format.json_schema.schema.required).toEqual(['reasoning', 'verdict']);
    const prompt = req.body.messages.map((m: any) => m.content).join('\n');
    expect(prompt).toContain('What is the capital of France?');
    expect(prompt).toContain('<reference_answer>\nParis\n</reference_answer>');
    expect(res.json.results[0].judge.messages[1].content).toBe(req.body.messages[1].content);
  });

  it('a malformed answer is an evaluator error, never a score', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('malformed');
    await script(sc, { steps: [{ text: 'I think it is correct!' }, { verdict: { reasoning: 'x', verdict: 'yes' } }] });
    const providerId = await fakeOpenAiProvider(key, sc);
    let res = await tryIt(key, correctness(providerId));
    expect(res.json.results[0]).toMatchObject({ score: null, value: null, error_code: 'malformed_answer' });
    expect(res.json.results[0].error).toContain('did not answer with JSON');
    res = await tryIt(key, correctness(providerId));
    expect(res.json.results[0]).toMatchObject({ score: null, error_code: 'malformed_answer' });
    expect(res.json.results[0].error).toContain('verdict');
  });

  it('a number outside the contracted range is malformed', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('range');
    await script(sc, { steps: [{ verdict: { reasoning: 'great', verdict: 7 } }] });
    const providerId = await fakeOpenAiProvider(key, sc);
    const res = await tryIt(key, { template: 'helpfulness', config: { provider_id: providerId } });
    expect(res.json.results[0]).toMatchObject({ score: null, error_code: 'malformed_answer' });
  });

  it('an answer over 4 MiB is refused as too large, not read into memory', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('huge');
    await script(sc, { steps: [{ text: 'x'.repeat(5 * 1024 * 1024) }] });
    const providerId = await fakeOpenAiProvider(key, sc);
    const res = await tryIt(key, correctness(providerId));
    expect(res.json.results[0]).toMatchObject({ score: null, error_code: 'response_too_large' });
    expect(res.json.results[0].error).toContain('more than 4194304 bytes');
  });

  it('a provider that does not answer in time is a timeout error', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('slow');
    await script(sc, { steps: [{ delay_ms: 3000, verdict: 'auto' }] });
    const providerId = await fakeOpenAiProvider(key, sc);
    const started = Date.now();
    const res = await tryIt(key, correctness(providerId, { timeout_ms: 300 }));
    expect(res.json.results[0]).toMatchObject({ score: null, error_code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('a 429 with Retry-After is retried after the wait, then scores', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('429');
    await script(sc, { steps: [{ status: 429, headers: { 'retry-after': '1' } }, { verdict: { reasoning: 'fine', verdict: true } }] });
    const providerId = await fakeOpenAiProvider(key, sc);
    const res = await tryIt(key, correctness(providerId));
    expect(res.json.results[0]).toMatchObject({ score: 1, error: null });
    const reqs = await received(sc);
    expect(reqs).toHaveLength(2);
    expect(reqs[1].at - reqs[0].at).toBeGreaterThanOrEqual(950);
  });

  it('a Retry-After longer than an interactive wait is reported with the wait, not waited out', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('429-long');
    await script(sc, { steps: [{ status: 429, headers: { 'retry-after': '120' } }] });
    const providerId = await fakeOpenAiProvider(key, sc);
    const started = Date.now();
    const res = await tryIt(key, correctness(providerId));
    expect(res.json.results[0]).toMatchObject({ score: null, error_code: 'rate_limited' });
    expect(res.json.results[0].error).toContain('retry after 120 s');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await received(sc)).toHaveLength(1);
  });

  it('a 500 then success scores once', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('500');
    await script(sc, { steps: [{ status: 500 }, { verdict: { reasoning: 'ok now', verdict: false } }] });
    const providerId = await fakeOpenAiProvider(key, sc);
    const res = await tryIt(key, correctness(providerId));
    expect(res.json.results[0]).toMatchObject({ score: 0, value: false, comment: 'ok now' });
    expect(await received(sc)).toHaveLength(2);
  });

  it('a trace without the variable the prompt needs is an error naming it', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('novar');
    const providerId = await fakeOpenAiProvider(key, sc);
    const res = await tryIt(key, { template: 'criteria', config: { provider_id: providerId } });
    expect(res.json.results[0]).toMatchObject({ score: null, error_code: 'missing_variable' });
    expect(res.json.results[0].error).toContain('trace.metadata.criteria');
    expect(await received(sc)).toHaveLength(0);
  });
});

describe('LLM judge over the Anthropic wire format', () => {
  it('answers through a forced tool call, with the Anthropic headers', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('anthropic');
    await script(sc, { steps: [{ verdict: { reasoning: 'Courteous and clear.', verdict: 'professional' } }, { text: 'Looks professional to me.' }], expect_key: KEY });
    const provider = await api('/v1/providers', { key, body: { name: 'claude', type: 'anthropic', base_url: `${fakeUrl()}/s/${sc}`, default_model: 'claude-sonnet-4-5', api_key: KEY } });
    expect(provider.status).toBe(201);
    let res = await tryIt(key, { template: 'tone', config: { provider_id: provider.json.id } });
    expect(res.json.results[0]).toMatchObject({ score: 1, value: 'professional', comment: 'Courteous and clear.' });
    const [req] = await received(sc);
    expect(req.path).toBe('/v1/messages');
    expect(req.headers['x-api-key']).toBe(KEY);
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.body.tool_choice).toEqual({ type: 'tool', name: 'evaluation' });
    expect(req.body.tools[0].input_schema.properties.verdict.enum).toEqual(['professional', 'too_casual', 'cold', 'rude']);
    expect(req.body.system).toContain('expert evaluator');
    // A plain-text answer instead of the tool call is malformed.
    res = await tryIt(key, { template: 'tone', config: { provider_id: provider.json.id } });
    expect(res.json.results[0]).toMatchObject({ score: null, error_code: 'malformed_answer' });
  });
});

describe('provider keys', () => {
  it('never appear in any API answer, even when the provider echoes them in an error', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('echo');
    await script(sc, { steps: [{ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}.` } } }] });
    const providerId = await fakeOpenAiProvider(key, sc);
    const answers = [
      await api('/v1/providers', { key }),
      await api(`/v1/providers/${providerId}`, { key }),
      await api(`/v1/providers/${providerId}`, { key, method: 'PATCH', body: { name: 'renamed' } }),
      await tryIt(key, correctness(providerId)),
      await api('/v1/evaluators', { key }),
      await api('/v1/openapi.json'),
    ];
    for (const a of answers) expect(a.text).not.toContain(KEY);
    expect(answers[0].json.providers[0]).toMatchObject({ id: providerId, has_api_key: true });
    expect(answers[3].json.results[0].error).toContain('[redacted]');
    const stored = await api(`/v1/providers/${providerId}`, { key, method: 'PATCH', body: { api_key: null } });
    expect(stored.json.has_api_key).toBe(false);
  });

  it('are stored encrypted at rest', async () => {
    const { key, projectId } = await makeProject();
    const res = await api('/v1/providers', { key, body: { name: 'openai', type: 'openai', api_key: KEY } });
    const { env } = await import('cloudflare:workers');
    const row = await env.DB.prepare('SELECT * FROM eval_providers WHERE project_id = ? AND id = ?').bind(projectId, res.json.id).first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(KEY);
    expect(String(row!.key_ciphertext).length).toBeGreaterThan(KEY.length);
  });
});

describe('webhook evaluators', () => {
  it('POSTs the trace signed with HMAC and stores the returned score', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('hook');
    await script(sc, { steps: [{ body: { score: 0.75, comment: 'mostly right', value: { label: 'ok' } } }, { body: { verdict: 'no score here' } }] });
    const created = await createEvaluator(key, { name: 'house judge', key: 'house', config: { type: 'webhook', url: `${fakeUrl()}/s/${sc}/hook` } });
    expect(created.signing_secret).toMatch(/^whsec_/);
    expect(created.has_secret).toBe(true);
    const res = await api('/v1/evaluators/try', { key, body: { evaluator_id: created.id, trace_ids: ['t1'] } });
    expect(res.json.results[0]).toMatchObject({ score: 0.75, comment: 'mostly right', value: { label: 'ok' } });
    const [req] = await received(sc);
    const sig = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(req.headers['x-loupe-signature'])!;
    const hmacKey = await crypto.subtle.importKey('raw', new TextEncoder().encode(created.signing_secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    const mac = Uint8Array.from(sig[2].match(/../g)!.map((h) => parseInt(h, 16)));
    expect(await crypto.subtle.verify('HMAC', hmacKey, mac, new TextEncoder().encode(`${sig[1]}.${req.raw}`))).toBe(true);
    expect(req.body.trace.id).toBe('t1');
    expect(req.body.spans).toHaveLength(2);
    expect(req.body.evaluator).toMatchObject({ id: created.id, version: 1, key: 'house' });
    // An answer without score or value is malformed.
    const bad = await api('/v1/evaluators/try', { key, body: { evaluator_id: created.id, trace_ids: ['t1'] } });
    expect(bad.json.results[0]).toMatchObject({ score: null, error_code: 'malformed_answer' });
    // The secret is never shown again.
    expect((await api(`/v1/evaluators/${created.id}`, { key })).text).not.toContain(created.signing_secret);
  });

  it('retry a 429 after its Retry-After and a 500, and report a timeout as an error', async () => {
    const { key } = await projectWithTrace();
    const sc = scenarioId('hook-retry');
    await script(sc, {
      steps: [
        { status: 429, headers: { 'retry-after': '1' }, body: { error: 'slow down' } },
        { status: 500, body: { error: 'oops' } },
        { body: { score: true, comment: 'fine' } },
        { delay_ms: 2000, body: { score: 1 } },
      ],
    });
    const created = await createEvaluator(key, { name: 'house', key: 'house', config: { type: 'webhook', url: `${fakeUrl()}/s/${sc}/hook`, timeout_ms: 300 } });
    const ok = await api('/v1/evaluators/try', { key, body: { evaluator_id: created.id, trace_ids: ['t1'] } });
    expect(ok.json.results[0]).toMatchObject({ score: 1, comment: 'fine', error: null });
    const reqs = await received(sc);
    expect(reqs).toHaveLength(3);
    expect(reqs[1].at - reqs[0].at).toBeGreaterThanOrEqual(950);
    expect(new Set(reqs.map((r) => r.headers['x-loupe-delivery'])).size).toBe(1);
    const slow = await api('/v1/evaluators/try', { key, body: { evaluator_id: created.id, trace_ids: ['t1'] } });
    expect(slow.json.results[0]).toMatchObject({ score: null, error_code: 'timeout' });
  });

  it('refuses plain http endpoints other than localhost', async () => {
    const { key } = await makeProject();
    const res = await api('/v1/evaluators', { key, body: { name: 'x', key: 'x', config: { type: 'webhook', url: 'http://example.com/hook' } } });
    expect(res.status).toBe(400);
    expect(res.json.error.path).toBe('config.url');
  });
});

describe('Workers AI provider', () => {
  it('reports a clear error where the AI binding is not connected (local runs)', async () => {
    const { key } = await projectWithTrace();
    const provider = await api('/v1/providers', { key, body: { name: 'wai', type: 'workers_ai', default_model: '@cf/meta/llama-3.1-8b-instruct' } });
    expect(provider.status).toBe(201);
    const res = await tryIt(key, correctness(provider.json.id));
    expect(res.json.results[0].score).toBeNull();
    expect(res.json.results[0].error).toMatch(/Workers AI/);
  });
});
