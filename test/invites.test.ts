import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject } from './helpers.ts';
import { asBrowser, login, makeMember, PASSWORD } from './account-helpers.ts';

async function orgWithAdmin(name: string, role: 'owner' | 'admin' = 'admin') {
  const p = await makeProject(name);
  const admin = await login((await makeMember(p.orgId, role)).email);
  return { ...p, admin };
}

async function invite(browser: Awaited<ReturnType<typeof login>>, body: Record<string, unknown>) {
  const res = await asBrowser(browser, '/v1/invites', { body });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

describe('invite links', () => {
  it('lets a new person join with the invited role and logs them in', async () => {
    const o = await orgWithAdmin('inv');
    const created = await invite(o.admin, { role: 'reviewer' });
    expect(created.url).toBe(`http://loupe.test/invite/${created.token}`);
    expect(created.status).toBe('pending');
    const preview = await api(`/v1/auth/invites/${created.token}`);
    expect(preview.json).toMatchObject({ org: { name: 'org-inv' }, role: 'reviewer', status: 'pending', email: null });

    const accepted = await api(`/v1/auth/invites/${created.token}/accept`, { body: { email: 'New.Reviewer@example.com', password: 'a long enough password', name: 'Rev' } });
    expect(accepted.status).toBe(201);
    expect(accepted.headers.get('set-cookie')).toMatch(/^__Host-loupe_session=/);
    expect(accepted.json.user.email).toBe('new.reviewer@example.com');
    expect(accepted.json.orgs).toEqual([{ id: o.orgId, name: 'org-inv', role: 'reviewer', projects: [{ id: o.projectId, name: 'inv' }] }]);
    const reviewer = await login('new.reviewer@example.com', 'a long enough password');
    expect((await asBrowser(reviewer, '/v1/traces')).status).toBe(200);
    // The token is not stored, only its hash.
    const rows = await env.DB.prepare('SELECT * FROM invites WHERE org_id = ?').bind(o.orgId).all();
    expect(JSON.stringify(rows.results)).not.toContain(created.token);
  });

  it('works once', async () => {
    const o = await orgWithAdmin('once');
    const created = await invite(o.admin, { role: 'viewer' });
    expect((await api(`/v1/auth/invites/${created.token}/accept`, { body: { email: 'first@example.com', password: 'a long enough password' } })).status).toBe(201);
    const again = await api(`/v1/auth/invites/${created.token}/accept`, { body: { email: 'second@example.com', password: 'a long enough password' } });
    expect(again.status).toBe(410);
    expect(again.json.error.code).toBe('invite_accepted');
    expect((await api(`/v1/auth/invites/${created.token}`)).json.status).toBe('accepted');
  });

  it('used twice at the same moment yields one member', async () => {
    const o = await orgWithAdmin('race');
    const created = await invite(o.admin, { role: 'viewer' });
    const results = await Promise.all(
      ['r1@example.com', 'r2@example.com', 'r3@example.com'].map((email) => api(`/v1/auth/invites/${created.token}/accept`, { body: { email, password: 'a long enough password' } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 410, 410]);
    expect(await env.DB.prepare('SELECT count(*) AS n FROM memberships WHERE org_id = ?').bind(o.orgId).first('n')).toBe(2);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email LIKE 'r_@example.com'").first('n')).toBe(1);
  });

  it('stops working when it expires or is revoked', async () => {
    const o = await orgWithAdmin('expiry');
    const expiring = await invite(o.admin, { role: 'viewer', expires_in_hours: 1 });
    await env.DB.prepare('UPDATE invites SET expires_at = ? WHERE id = ?').bind(Date.now() - 1, expiring.id).run();
    const late = await api(`/v1/auth/invites/${expiring.token}/accept`, { body: { email: 'late@example.com', password: 'a long enough password' } });
    expect(late.status).toBe(410);
    expect(late.json.error.code).toBe('invite_expired');

    const revoked = await invite(o.admin, { role: 'viewer' });
    expect((await asBrowser(o.admin, `/v1/invites/${revoked.id}`, { method: 'DELETE' })).status).toBe(200);
    const res = await api(`/v1/auth/invites/${revoked.token}/accept`, { body: { email: 'rev@example.com', password: 'a long enough password' } });
    expect(res.status).toBe(410);
    expect(res.json.error.code).toBe('invite_revoked');
    const list = (await asBrowser(o.admin, '/v1/invites')).json.invites.map((i: any) => i.status).sort();
    expect(list).toEqual(['expired', 'revoked']);
    expect((await api('/v1/auth/invites/not-a-real-token-at-all-000')).status).toBe(404);
  });

  it('bound to an email, refuses another address', async () => {
    const o = await orgWithAdmin('bound');
    const created = await invite(o.admin, { role: 'domain_expert', email: 'Expert@Example.com' });
    expect(created.email).toBe('expert@example.com');
    const other = await api(`/v1/auth/invites/${created.token}/accept`, { body: { email: 'someone@example.com', password: 'a long enough password' } });
    expect(other.status).toBe(403);
    expect(other.json.error.path).toBe('email');
    const right = await api(`/v1/auth/invites/${created.token}/accept`, { body: { email: 'expert@example.com', password: 'a long enough password' } });
    expect(right.status).toBe(201);
    expect(right.json.orgs[0].role).toBe('domain_expert');
  });

  it('lets an existing account join a second organisation with its own password', async () => {
    const a = await orgWithAdmin('first-org');
    const b = await orgWithAdmin('second-org');
    const person = await makeMember(a.orgId, 'engineer');
    const created = await invite(b.admin, { role: 'reviewer' });
    const wrong = await api(`/v1/auth/invites/${created.token}/accept`, { body: { email: person.email, password: 'not their password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.path).toBe('password');
    const ok = await api(`/v1/auth/invites/${created.token}/accept`, { body: { email: person.email, password: PASSWORD } });
    expect(ok.status).toBe(201);
    expect(ok.json.orgs.map((o: any) => [o.name, o.role])).toEqual([
      ['org-first-org', 'engineer'],
      ['org-second-org', 'reviewer'],
    ]);
    const again = await invite(b.admin, { role: 'viewer' });
    const dup = await api(`/v1/auth/invites/${again.token}/accept`, { body: { email: person.email, password: PASSWORD } });
    expect(dup.status).toBe(409);
  });

  it('needs a 12-character password for a new account', async () => {
    const o = await orgWithAdmin('weak');
    const created = await invite(o.admin, { role: 'viewer' });
    const res = await api(`/v1/auth/invites/${created.token}/accept`, { body: { email: 'weak@example.com', password: 'short' } });
    expect(res.status).toBe(400);
    expect(res.json.error.path).toBe('password');
    expect((await api(`/v1/auth/invites/${created.token}`)).json.status).toBe('pending');
  });

  it('only an owner can invite an owner; admins invite every other role', async () => {
    const o = await orgWithAdmin('grant');
    const asAdmin = await asBrowser(o.admin, '/v1/invites', { body: { role: 'owner' } });
    expect(asAdmin.status).toBe(403);
    expect((await asBrowser(o.admin, '/v1/invites', { body: { role: 'admin' } })).status).toBe(201);
    const owner = await login((await makeMember(o.orgId, 'owner')).email);
    expect((await asBrowser(owner, '/v1/invites', { body: { role: 'owner' } })).status).toBe(201);
  });

  it('are managed by people, not API keys, and only within their organisation', async () => {
    const o = await orgWithAdmin('keys-no');
    const byKey = await api('/v1/invites', { key: o.key, body: { role: 'viewer' } });
    expect(byKey.status).toBe(403);
    const other = await orgWithAdmin('keys-other');
    const theirs = await invite(other.admin, { role: 'viewer' });
    expect((await asBrowser(o.admin, `/v1/invites/${theirs.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await asBrowser(o.admin, '/v1/invites')).json.invites).toEqual([]);
  });

  it('rejects a bad role or expiry naming the field', async () => {
    const o = await orgWithAdmin('bad');
    const role = await asBrowser(o.admin, '/v1/invites', { body: { role: 'superuser' } });
    expect(role.status).toBe(400);
    expect(role.json.error.path).toBe('role');
    const expiry = await asBrowser(o.admin, '/v1/invites', { body: { role: 'viewer', expires_in_hours: 10_000 } });
    expect(expiry.status).toBe(400);
    expect(expiry.json.error.path).toBe('expires_in_hours');
  });
});
