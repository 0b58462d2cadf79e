import { describe, it, expect } from 'vitest';
import { env, exports } from 'cloudflare:workers';
import { api, eventually, makeKey, makeProject, span, waitForTrace } from './helpers.ts';
import { otlpJson } from './fixtures/otel/paris-chat.ts';
import { reencryptSecrets } from '../workers/secrets/rotation.ts';

const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';
const KEY = 'sk-proj-abcdEFGH1234ijklMNOP5678';

/** Every R2 span batch of a project, as text: where a redacted value must never appear. */
async function storedBatches(projectId: string): Promise<string> {
  const listed = await env.BLOBS.list({ prefix: `spans/${projectId}/` });
  const texts = await Promise.all(listed.objects.map(async (o) => (await env.BLOBS.get(o.key))!.text()));
  return texts.join('\n');
}

async function enable(key: string, body: Record<string, unknown> = {}) {
  const res = await api('/v1/redaction', { key, method: 'PUT', body: { enabled: true, ...body } });
  expect(res.status, res.text).toBe(200);
  return res.json;
}

describe('PII redaction at ingest', () => {
  it('is off by default: values are stored as sent', async () => {
    const { key } = await makeProject('redact-off');
    const got = await api('/v1/redaction', { key });
    expect(got.json).toMatchObject({ enabled: false, mode: 'mask', custom: [], updated_at: null });
    expect(got.json.detectors).toContain('email');
    await api('/v1/spans', { key, body: { spans: [span('s1', 'off-1', { input: { email: EMAIL } })] } });
    expect((await waitForTrace(key, 'off-1')).spans[0].input).toEqual({ email: EMAIL });
  });

  it('masks emails, cards and API keys in inputs, outputs, metadata, names and tags before anything reaches R2, D1 or search', async () => {
    const { key, projectId } = await makeProject('redact-mask');
    await enable(key);
    const res = await api('/v1/spans', {
      key,
      body: {
        spans: [
          span('s1', 'mask-1', {
            name: `reply to ${EMAIL}`,
            input: { messages: [{ role: 'user', content: `My card is ${CARD}, mail me at ${EMAIL}` }] },
            output: `Using key ${KEY}`,
            metadata: { contact: EMAIL, note: 'order 4111111111111112 is not a card' },
            tags: [`user:${EMAIL}`],
            user_id: 'u-42',
          }),
        ],
      },
    });
    expect(res.status, res.text).toBe(202);
    const s = (await waitForTrace(key, 'mask-1')).spans[0];
    expect(s.name).toBe('reply to [EMAIL]');
    expect(s.input).toEqual({ messages: [{ role: 'user', content: 'My card is [CARD], mail me at [EMAIL]' }] });
    expect(s.output).toBe('Using key [SECRET]');
    expect(s.metadata).toMatchObject({ contact: '[EMAIL]', note: 'order 4111111111111112 is not a card', 'loupe.redacted': { email: 4, card: 1, secret: 1 } });
    expect(s.tags).toEqual(['user:[EMAIL]']);
    // The end-user id is kept: it is what a data-protection deletion finds traces by.
    expect(s.user_id).toBe('u-42');
    const raw = await storedBatches(projectId);
    expect(raw).toContain('[EMAIL]');
    for (const value of [EMAIL, CARD, KEY]) expect(raw).not.toContain(value);
    // Full-text search never indexed the raw value either.
    expect((await api(`/v1/traces?q=${encodeURIComponent('"jane.doe"')}`, { key })).json.traces).toEqual([]);
    expect((await api(`/v1/traces?q=${encodeURIComponent('card')}`, { key })).json.traces.map((t: { id: string }) => t.id)).toEqual(['mask-1']);
  });

  it('hashes with a per-project key: equal values stay equal, different values differ, and another project gets other hashes', async () => {
    const a = await makeProject('redact-hash-a');
    const b = await makeProject('redact-hash-b');
    await enable(a.key, { mode: 'hash', detectors: ['email'] });
    await enable(b.key, { mode: 'hash', detectors: ['email'] });
    const body = { spans: [span('s1', 'hash-1', { input: `${EMAIL} and ${EMAIL} but not bob@example.org` })] };
    await api('/v1/spans', { key: a.key, body });
    await api('/v1/spans', { key: b.key, body });
    const inA = (await waitForTrace(a.key, 'hash-1')).spans[0].input as string;
    const inB = (await waitForTrace(b.key, 'hash-1')).spans[0].input as string;
    const hashes = (s: string) => [...s.matchAll(/\[EMAIL:([0-9a-f]{16})\]/g)].map((m) => m[1]);
    const [x, y, z] = hashes(inA);
    expect(x).toBe(y);
    expect(z).not.toBe(x);
    expect(hashes(inB)[0]).not.toBe(x);
    expect(inA).not.toContain('example');
  });

  it('redacts spans that come in through OTLP and the LangSmith routes too', async () => {
    const { key, projectId } = await makeProject('redact-paths');
    await enable(key, { detectors: ['email', 'phone'] });
    const trace = '0000000000000000000000000000abcd';
    const otlp = otlpJson(trace, [{ spanId: '00000000000000a1', name: 'chat', start: 0, end: 1000, attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.prompt': `call me at +44 20 7946 0958 or ${EMAIL}` } }]);
    const res = await exports.default.fetch(new Request('http://loupe.test/otel/v1/traces', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(otlp) }));
    expect(res.status).toBe(200);
    const run = '018f0000-0000-7000-8000-00000000beef';
    const ls = await api('/api/v1/runs/batch', {
      key,
      body: { post: [{ id: run, trace_id: run, dotted_order: `20260101T000000000000Z${run}`, name: 'agent', run_type: 'chain', start_time: '2026-01-01T00:00:00Z', end_time: '2026-01-01T00:00:01Z', inputs: { from: EMAIL }, outputs: { to: EMAIL } }] },
    });
    expect(ls.status, ls.text).toBe(202);
    const o = (await waitForTrace(key, trace)).spans[0];
    expect(JSON.stringify(o)).not.toContain(EMAIL);
    expect(JSON.stringify(o)).toContain('[PHONE]');
    const l = (await waitForTrace(key, run)).spans[0];
    expect(l.input).toEqual({ from: '[EMAIL]' });
    expect(l.output).toEqual({ to: '[EMAIL]' });
    expect(await storedBatches(projectId)).not.toContain(EMAIL);
  });

  it('runs custom patterns, and switching off stores values as sent again', async () => {
    const { key } = await makeProject('redact-custom');
    const saved = await enable(key, { detectors: [], custom: [{ name: 'order_id', pattern: 'ORD-\\d{6}' }] });
    expect(saved).toMatchObject({ enabled: true, detectors: [], custom: [{ name: 'order_id', pattern: 'ORD-\\d{6}' }] });
    await api('/v1/spans', { key, body: { spans: [span('s1', 'custom-1', { input: `refund ORD-123456 for ${EMAIL}` })] } });
    const s = (await waitForTrace(key, 'custom-1')).spans[0];
    expect(s.input).toBe(`refund [CUSTOM:ORDER_ID] for ${EMAIL}`);
    expect(s.metadata['loupe.redacted']).toEqual({ 'custom:order_id': 1 });
    expect((await api('/v1/redaction', { key, method: 'PUT', body: { enabled: false } })).status).toBe(200);
    await api('/v1/spans', { key, body: { spans: [span('s1', 'custom-2', { input: 'ORD-123456' })] } });
    expect((await waitForTrace(key, 'custom-2')).spans[0].input).toBe('ORD-123456');
  });

  it('refuses invalid, empty-matching and catastrophically slow patterns, naming the pattern, and saves nothing', async () => {
    const { key } = await makeProject('redact-bad');
    const cases: [unknown, string, RegExp][] = [
      [{ enabled: true, custom: [{ name: 'bad', pattern: '([a-z' }] }, 'custom[0].pattern', /not a valid regular expression/],
      [{ enabled: true, custom: [{ name: 'ok', pattern: 'x' }, { name: 'empty', pattern: 'a*' }] }, 'custom[1].pattern', /empty string/],
      [{ enabled: true, custom: [{ name: 'redos', pattern: '(a+)+$' }] }, 'custom[0].pattern', /exponential/],
      [{ enabled: true, custom: [{ name: 'x', pattern: 'a' }, { name: 'x', pattern: 'b' }] }, 'custom', /used twice/],
      [{ enabled: true, custom: [{ name: 'Bad Name', pattern: 'a' }] }, 'custom[0].name', /lowercase/],
      [{ enabled: true, detectors: ['passport'] }, 'detectors[0]', /./],
      [{ enabled: 'yes' }, 'enabled', /./],
      [{ enabled: true, mode: 'encrypt' }, 'mode', /./],
    ];
    for (const [body, path, message] of cases) {
      const res = await api('/v1/redaction', { key, method: 'PUT', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.path, JSON.stringify(body)).toBe(path);
      expect(res.json.error.message).toMatch(message);
    }
    expect((await api('/v1/redaction', { key })).json.enabled).toBe(false);
  });

  it("is one project's setting: another project's key can neither read nor change it, and its spans are untouched", async () => {
    const a = await makeProject('redact-iso-a');
    const b = await makeProject('redact-iso-b');
    await enable(a.key, { custom: [{ name: 'secret_word', pattern: 'xyzzy' }] });
    expect((await api('/v1/redaction', { key: b.key })).json).toMatchObject({ enabled: false, custom: [] });
    await api('/v1/spans', { key: b.key, body: { spans: [span('s1', 'iso-1', { input: `xyzzy ${EMAIL}` })] } });
    expect((await waitForTrace(b.key, 'iso-1')).spans[0].input).toBe(`xyzzy ${EMAIL}`);
    // Changing it needs the admin scope.
    const reader = await makeKey(a.projectId, ['read']);
    expect((await api('/v1/redaction', { key: reader, method: 'PUT', body: { enabled: false } })).status).toBe(403);
    expect((await api('/v1/redaction', { key: a.key })).json.enabled).toBe(true);
  });

  it('keeps the hash key across a switch to mask and back, and rotates it with the other secrets', async () => {
    const { key, projectId } = await makeProject('redact-keep');
    await enable(key, { mode: 'hash', detectors: ['email'] });
    await api('/v1/spans', { key, body: { spans: [span('s1', 'keep-1', { input: EMAIL })] } });
    const first = (await waitForTrace(key, 'keep-1')).spans[0].input;
    await enable(key, { mode: 'mask', detectors: ['email'] });
    await enable(key, { mode: 'hash', detectors: ['email'] });
    await api('/v1/spans', { key, body: { spans: [span('s1', 'keep-2', { input: EMAIL })] } });
    await eventually(async () => expect((await waitForTrace(key, 'keep-2')).spans[0].input).toBe(first));
    const NEW = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
    const rotated = { ...env, ENCRYPTION_KEY: NEW, ENCRYPTION_KEY_PREVIOUS: env.ENCRYPTION_KEY } as Env;
    expect((await reencryptSecrets(rotated, { projectId })).redaction_keys).toEqual({ reencrypted: 1, failed: 0, remaining: 0 });
  });
});
