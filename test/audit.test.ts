import { describe, it, expect, vi } from 'vitest';
import { api, makeKey, makeProject } from './helpers.ts';
import { asBrowser, login, makeMember } from './account-helpers.ts';

const actions = (res: { json: any }) => res.json.entries.map((e: any) => e.action);

describe('the audit log', () => {
  it('records key, provider, evaluator, rule and queue actions with who did them, newest first', async () => {
    const p = await makeProject('audit');
    const key = (await api('/v1/api-keys', { key: p.key, body: { name: 'ci', scopes: ['ingest'] } })).json;
    await api(`/v1/api-keys/${key.id}`, { key: p.key, method: 'DELETE' });
    const provider = (await api('/v1/providers', { key: p.key, body: { name: 'local', type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-secret-value-123' } })).json;
    await api(`/v1/providers/${provider.id}`, { key: p.key, method: 'PATCH', body: { api_key: 'sk-other-secret-456' } });
    const ev = (await api('/v1/evaluators', { key: p.key, body: { name: 'short', key: 'short', config: { type: 'code', check: 'length', max: 100 } } })).json;
    await api(`/v1/evaluators/${ev.id}`, { key: p.key, method: 'PATCH', body: { config: { max: 50 } } });
    const rule = (await api('/v1/rules', { key: p.key, body: { name: 'all', filter: '', evaluator_ids: [ev.id] } })).json;
    await api(`/v1/rules/${rule.id}`, { key: p.key, method: 'DELETE' });
    await api(`/v1/evaluators/${ev.id}`, { key: p.key, method: 'DELETE' });
    await api(`/v1/providers/${provider.id}`, { key: p.key, method: 'DELETE' });
    const queue = (await api('/v1/review-queues', { key: p.key, body: { name: 'q', rubric: [{ key: 'ok', type: 'boolean' }] } })).json;
    await api(`/v1/review-queues/${queue.id}`, { key: p.key, method: 'DELETE' });

    const log = await api('/v1/audit', { key: p.key });
    expect(log.status).toBe(200);
    expect(actions(log)).toEqual([
      'review_queue.deleted',
      'provider.deleted',
      'evaluator.deleted',
      'rule.deleted',
      'rule.created',
      'evaluator.updated',
      'evaluator.created',
      'provider.updated',
      'provider.created',
      'api_key.revoked',
      'api_key.created',
    ]);
    const created = log.json.entries.at(-1);
    expect(created).toMatchObject({ actor: { type: 'api_key', id: p.keyId, label: expect.stringMatching(/^test \(lp_/) }, target: { type: 'api_key', id: key.id }, scope: 'project' });
    expect(created.details).toMatchObject({ name: 'ci', scopes: ['ingest'] });
    // Secrets never reach the log.
    expect(log.text).not.toContain('sk-secret-value-123');
    expect(log.text).not.toContain('sk-other-secret-456');
    expect(log.text).not.toContain(key.key);
    expect(log.json.entries.find((e: any) => e.action === 'provider.updated').details).toEqual({ fields: ['api_key'] });
  });

  it('records member, invite and password-reset actions for the organisation, read by owners and admins only', async () => {
    const p = await makeProject('audit-org');
    const ownerM = await makeMember(p.orgId, 'owner');
    const owner = await login(ownerM.email);
    const rev = await makeMember(p.orgId, 'reviewer');
    const viewer = await makeMember(p.orgId, 'viewer');
    const invite = (await asBrowser(owner, '/v1/invites', { body: { role: 'engineer' } })).json;
    await asBrowser(owner, `/v1/invites/${invite.id}`, { method: 'DELETE' });
    await asBrowser(owner, `/v1/members/${rev.userId}`, { method: 'PATCH', body: { role: 'engineer' } });
    await asBrowser(owner, `/v1/members/${rev.userId}/password-reset`, { method: 'POST' });
    await asBrowser(owner, `/v1/members/${viewer.userId}`, { method: 'DELETE' });
    const log = await asBrowser(owner, '/v1/audit');
    expect(actions(log)).toEqual(['member.removed', 'password_reset.issued', 'member.role_changed', 'invite.revoked', 'invite.created']);
    expect(log.json.entries[2]).toMatchObject({ actor: { type: 'user', id: ownerM.userId, label: ownerM.email }, target: { type: 'member', id: rev.userId }, scope: 'org', details: { from: 'reviewer', to: 'engineer' } });
    expect(log.json.entries[0].details).toEqual({ email: viewer.email, role: 'viewer' });
    // Organisation entries show in every project of the organisation.
    const second = (await asBrowser(owner, '/v1/projects', { body: { name: 'second' } })).json;
    expect(actions(await asBrowser(owner, '/v1/audit', { project: second.id }))).toContain('member.removed');
    // Filter by action or target type.
    expect(actions(await asBrowser(owner, '/v1/audit?action=invite'))).toEqual(['invite.revoked', 'invite.created']);
    expect(actions(await asBrowser(owner, '/v1/audit?action=member.removed'))).toEqual(['member.removed']);
    // Not for engineers, reviewers or non-admin keys.
    const eng = await login(rev.email);
    expect((await asBrowser(eng, '/v1/audit')).status).toBe(403);
    expect((await api('/v1/audit', { key: await makeKey(p.projectId, ['read', 'ingest']) })).status).toBe(403);
  });

  it('pages with a cursor, and names a bad cursor or action', async () => {
    const p = await makeProject('audit-page');
    for (let i = 0; i < 5; i++) await api('/v1/api-keys', { key: p.key, body: { name: `k${i}`, scopes: ['read'] } });
    const first = await api('/v1/audit?limit=2', { key: p.key });
    expect(first.json.entries.map((e: any) => e.details.name)).toEqual(['k4', 'k3']);
    const second = await api(`/v1/audit?limit=2&cursor=${first.json.next_cursor}`, { key: p.key });
    expect(second.json.entries.map((e: any) => e.details.name)).toEqual(['k2', 'k1']);
    const third = await api(`/v1/audit?limit=2&cursor=${second.json.next_cursor}`, { key: p.key });
    expect(third.json.entries.map((e: any) => e.details.name)).toEqual(['k0']);
    expect(third.json.next_cursor).toBeNull();
    const bad = await api('/v1/audit?cursor=nonsense', { key: p.key });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('cursor');
    const badAction = await api('/v1/audit?action=DROP%20TABLE', { key: p.key });
    expect(badAction.status).toBe(400);
    expect(badAction.json.error.path).toBe('action');
  });

  it('shows nothing of another project or organisation', async () => {
    const a = await makeProject('audit-a');
    const b = await makeProject('audit-b');
    await api('/v1/api-keys', { key: a.key, body: { name: 'a-key', scopes: ['read'] } });
    const ownerA = await login((await makeMember(a.orgId, 'owner')).email);
    await asBrowser(ownerA, '/v1/invites', { body: { role: 'viewer' } });
    const fromB = await api('/v1/audit', { key: b.key });
    expect(fromB.status).toBe(200);
    expect(fromB.json.entries).toEqual([]);
    // A project of another organisation answers like a missing one.
    const ownerB = await login((await makeMember(b.orgId, 'owner')).email);
    expect((await asBrowser(ownerB, '/v1/audit', { project: a.projectId })).status).toBe(404);
    // A second project of the same organisation sees the organisation's entries, not the first project's.
    const ownerA2 = (await asBrowser(ownerA, '/v1/projects', { body: { name: 'a2' } })).json;
    expect(actions(await asBrowser(ownerA, '/v1/audit', { project: ownerA2.id }))).toEqual(['project.created', 'invite.created']);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    expect(doc.paths['/v1/audit'].get.parameters.map((p: any) => p.name).sort()).toEqual(['action', 'cursor', 'limit']);
  });
});

describe('expiring API keys', () => {
  it('an expired key gets 401 naming its expiry; a key that has not expired works', async () => {
    const p = await makeProject('expiry');
    const soon = new Date(Date.now() + 3600_000).toISOString();
    const created = await api('/v1/api-keys', { key: p.key, body: { name: 'temp', scopes: ['read'], expires_at: soon } });
    expect(created.status).toBe(201);
    expect(created.json.expires_at).toBe(soon);
    expect((await api('/v1/traces', { key: created.json.key })).status).toBe(200);
    const listed = (await api('/v1/api-keys', { key: p.key })).json.keys.find((k: any) => k.id === created.json.id);
    expect(listed.expires_at).toBe(soon);
    // Two hours pass: past the expiry, and past the isolate's key cache (so this is also the path of a key cached before it expired).
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 2 * 3600_000);
      const res = await api('/v1/traces', { key: created.json.key });
      expect(res.status).toBe(401);
      expect(res.json.error).toEqual({ code: 'api_key_expired', message: `this API key expired at ${soon}; create a new one (Settings, or POST /v1/api-keys)` });
      // Keys without an expiry are unaffected.
      expect((await api('/v1/traces', { key: p.key })).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses an expiry in the past or malformed, naming expires_at', async () => {
    const p = await makeProject('expiry-bad');
    for (const expires_at of [new Date(Date.now() - 60_000).toISOString(), 'tomorrow', '2999-01-01T00:00:00Z']) {
      const res = await api('/v1/api-keys', { key: p.key, body: { name: 'x', scopes: ['read'], expires_at } });
      expect(res.status, expires_at).toBe(400);
      expect(res.json.error.path).toBe('expires_at');
    }
    expect((await api('/v1/api-keys', { key: p.key })).json.keys).toHaveLength(1);
  });
});
