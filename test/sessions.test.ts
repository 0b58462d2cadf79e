import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject, waitForTrace, span } from './helpers.ts';
import { createProject } from '../workers/tenancy/projects.ts';
import { asBrowser, login, makeMember, PASSWORD } from './account-helpers.ts';
import { resolveSession, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, createSession } from '../workers/auth/sessions.ts';

async function projectWithTrace(name: string) {
  const p = await makeProject(name);
  const traceId = `${name}-trace`;
  await api('/v1/spans', { key: p.key, body: { spans: [span(`${name}-root`, traceId, { tags: [name] })] } });
  await waitForTrace(p.key, traceId);
  return { ...p, traceId };
}

describe('logging in', () => {
  it('sets an HttpOnly, Secure, SameSite session cookie and answers with orgs, projects and a CSRF token', async () => {
    const p = await makeProject('login');
    const m = await makeMember(p.orgId, 'engineer');
    const res = await api('/v1/auth/login', { body: { email: m.email.toUpperCase(), password: PASSWORD } });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^__Host-loupe_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/');
    expect(res.json.user.email).toBe(m.email);
    expect(res.json.orgs).toEqual([{ id: p.orgId, name: 'org-login', role: 'engineer', projects: [{ id: p.projectId, name: 'login' }] }]);
    expect(res.json.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('stores only a hash of the session token', async () => {
    const p = await makeProject('hash');
    const m = await makeMember(p.orgId, 'viewer');
    const b = await login(m.email);
    const token = b.cookie.split('=')[1];
    const rows = await env.DB.prepare('SELECT * FROM sessions WHERE user_id = ?').bind(m.userId).all();
    expect(rows.results).toHaveLength(1);
    expect(JSON.stringify(rows.results)).not.toContain(token);
  });

  it('refuses a wrong password and an unknown email with the same 401', async () => {
    const p = await makeProject('wrong');
    const m = await makeMember(p.orgId, 'viewer');
    const wrong = await api('/v1/auth/login', { body: { email: m.email, password: 'not the password' } });
    const unknown = await api('/v1/auth/login', { body: { email: 'nobody@example.com', password: 'not the password' } });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.json.error).toEqual({ code: 'invalid_credentials', message: 'wrong email or password', path: 'password' });
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('refuses a login posted from another site', async () => {
    const p = await makeProject('login-csrf');
    const m = await makeMember(p.orgId, 'viewer');
    const res = await api('/v1/auth/login', { body: { email: m.email, password: PASSWORD }, headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('csrf');
  });

  it('names the missing field of a malformed login', async () => {
    const res = await api('/v1/auth/login', { body: { email: 'a@b.c' } });
    expect(res.status).toBe(400);
    expect(res.json.error.path).toBe('password');
  });
});

describe('a browser session on the data API', () => {
  it('reads its own project like an API key does, without any key', async () => {
    const p = await projectWithTrace('sess-read');
    const b = await login((await makeMember(p.orgId, 'viewer')).email);
    const list = await asBrowser(b, '/v1/traces');
    expect(list.status).toBe(200);
    expect(list.json.traces.map((t: any) => t.id)).toEqual([p.traceId]);
    expect((await asBrowser(b, `/v1/traces/${p.traceId}`)).status).toBe(200);
    expect((await asBrowser(b, '/v1/project')).json.id).toBe(p.projectId);
  });

  it("answers 404 for another organisation's trace, and for its project id", async () => {
    const mine = await projectWithTrace('org-a');
    const theirs = await projectWithTrace('org-b');
    const b = await login((await makeMember(mine.orgId, 'owner')).email);
    const res = await asBrowser(b, `/v1/traces/${theirs.traceId}`);
    expect(res.status).toBe(404);
    const picked = await asBrowser(b, `/v1/traces/${theirs.traceId}`, { project: theirs.projectId });
    expect(picked.status).toBe(404);
    expect(picked.json.error.code).toBe('not_found');
    const byQuery = await asBrowser(b, `/v1/traces?project=${theirs.projectId}`);
    expect(byQuery.status).toBe(404);
  });

  it('picks among its own projects with x-loupe-project', async () => {
    const p = await projectWithTrace('multi-1');
    const owner = await makeMember(p.orgId, 'owner');
    let b = await login(owner.email);
    const created = await asBrowser(b, '/v1/projects', { body: { name: 'second' } });
    expect(created.status).toBe(201);
    b = await login(owner.email);
    expect(b.session.orgs[0].projects.map((x: any) => x.name)).toEqual(['multi-1', 'second']);
    expect((await asBrowser(b, '/v1/traces')).json.traces).toHaveLength(1);
    expect((await asBrowser(b, '/v1/traces', { project: created.json.id })).json.traces).toHaveLength(0);
  });

  it('keeps system projects out of project lists and refuses their reserved names', async () => {
    const p = await projectWithTrace('visible');
    await createProject(env, p.orgId, 'loupe:system');
    const owner = await makeMember(p.orgId, 'owner');
    const b = await login(owner.email);
    expect(b.session.orgs[0].projects.map((x: any) => x.name)).toEqual(['visible']);
    const refused = await asBrowser(b, '/v1/projects', { body: { name: 'loupe:mine' } });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ path: 'name', message: expect.stringContaining('reserved') });
  });

  it('needs the CSRF token for cookie-authenticated writes', async () => {
    const p = await projectWithTrace('csrf');
    const b = await login((await makeMember(p.orgId, 'reviewer')).email);
    const feedback = { trace_id: p.traceId, key: 'thumbs', score: 1, source: 'human' };
    const without = await asBrowser(b, '/v1/feedback', { body: feedback, csrf: false });
    expect(without.status).toBe(403);
    expect(without.json.error.code).toBe('csrf');
    const wrong = await asBrowser(b, '/v1/feedback', { body: feedback, csrf: false, headers: { 'x-loupe-csrf': 'x'.repeat(43) } });
    expect(wrong.status).toBe(403);
    const crossSite = await asBrowser(b, '/v1/feedback', { body: feedback, headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    const ok = await asBrowser(b, '/v1/feedback', { body: feedback, headers: { origin: 'http://loupe.test' } });
    expect(ok.status).toBe(200);
    expect(await env.DB.prepare('SELECT count(*) AS n FROM feedback WHERE trace_id = ?').bind(p.traceId).first('n')).toBe(1);
  });

  it('reads without a CSRF token (GET is safe)', async () => {
    const p = await makeProject('csrf-get');
    const b = await login((await makeMember(p.orgId, 'viewer')).email);
    expect((await asBrowser(b, '/v1/feedback/keys')).status).toBe(200);
  });

  it('maps roles to what they may do: a reviewer gives feedback but gets 403 on admin actions', async () => {
    const p = await projectWithTrace('roles');
    const reviewer = await login((await makeMember(p.orgId, 'reviewer')).email);
    const viewer = await login((await makeMember(p.orgId, 'viewer')).email);
    const admin = await login((await makeMember(p.orgId, 'admin')).email);
    const feedback = { trace_id: p.traceId, key: 'thumbs', score: 0, source: 'human' };
    expect((await asBrowser(reviewer, '/v1/feedback', { body: feedback })).status).toBe(200);
    expect((await asBrowser(viewer, '/v1/feedback', { body: feedback })).status).toBe(403);
    for (const [path, body] of [
      ['/v1/api-keys', { name: 'k', scopes: ['read'] }],
      ['/v1/invites', { role: 'viewer' }],
      ['/v1/projects', { name: 'nope' }],
    ] as const) {
      const res = await asBrowser(reviewer, path, { body });
      expect(res.status, path).toBe(403);
      expect(res.json.error.code).toBe('forbidden');
    }
    expect((await asBrowser(reviewer, '/v1/api-keys')).status).toBe(403);
    const key = await asBrowser(admin, '/v1/api-keys', { body: { name: 'from-ui', scopes: ['ingest'] } });
    expect(key.status).toBe(201);
    expect(key.json.key).toMatch(/^lp_/);
    expect((await asBrowser(admin, `/v1/api-keys/${key.json.id}`, { method: 'DELETE' })).status).toBe(200);
  });
});

describe('session lifetime', () => {
  it('answers 401 session_expired once the session has expired', async () => {
    const p = await makeProject('expired');
    const m = await makeMember(p.orgId, 'viewer');
    const b = await login(m.email);
    await env.DB.prepare('UPDATE sessions SET expires_at = ? WHERE user_id = ?').bind(Date.now() - 1, m.userId).run();
    for (const path of ['/v1/traces', '/v1/auth/session']) {
      const res = await asBrowser(b, path);
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('session_expired');
    }
  });

  it('slides the idle window on use, never past the absolute limit', async () => {
    const p = await makeProject('slide');
    const m = await makeMember(p.orgId, 'viewer');
    const t0 = 1_800_000_000_000;
    const { token } = await createSession(env.DB, m.userId, null, t0);
    const later = t0 + SESSION_IDLE_MS - 1000;
    const s1 = await resolveSession(env.DB, token, { now: later });
    expect(typeof s1).toBe('object');
    expect((s1 as any).expiresAt).toBe(later + SESSION_IDLE_MS);
    // Used every few days, it still ends 30 days after login.
    let now = later;
    while (now < t0 + SESSION_ABSOLUTE_MS - 1) {
      now = Math.min(now + 5 * 24 * 3600_000, t0 + SESSION_ABSOLUTE_MS - 1);
      expect(typeof (await resolveSession(env.DB, token, { now }))).toBe('object');
    }
    expect(await resolveSession(env.DB, token, { now: t0 + SESSION_ABSOLUTE_MS })).toBe('expired');
    expect(await resolveSession(env.DB, token, { now: later + SESSION_IDLE_MS * 10 })).toBe('expired');
  });

  it('logging out ends the session and clears the cookie', async () => {
    const p = await makeProject('logout');
    const b = await login((await makeMember(p.orgId, 'viewer')).email);
    const noCsrf = await asBrowser(b, '/v1/auth/logout', { method: 'POST', csrf: false });
    expect(noCsrf.status).toBe(403);
    const res = await asBrowser(b, '/v1/auth/logout', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/__Host-loupe_session=;.*Max-Age=0/);
    const after = await asBrowser(b, '/v1/traces');
    expect(after.status).toBe(401);
    expect(after.json.error.code).toBe('unauthorized');
  });

  it('changing the password needs the current one and ends the other sessions', async () => {
    const p = await makeProject('password');
    const m = await makeMember(p.orgId, 'engineer');
    const here = await login(m.email);
    const elsewhere = await login(m.email);
    const wrong = await asBrowser(here, '/v1/auth/password', { body: { current_password: 'nope', new_password: 'a brand new password' } });
    expect(wrong.status).toBe(401);
    const weak = await asBrowser(here, '/v1/auth/password', { body: { current_password: PASSWORD, new_password: 'short' } });
    expect(weak.status).toBe(400);
    expect(weak.json.error.path).toBe('new_password');
    const ok = await asBrowser(here, '/v1/auth/password', { body: { current_password: PASSWORD, new_password: 'a brand new password' } });
    expect(ok.status).toBe(200);
    expect((await asBrowser(here, '/v1/traces')).status).toBe(200);
    expect((await asBrowser(elsewhere, '/v1/traces')).status).toBe(401);
    expect((await api('/v1/auth/login', { body: { email: m.email, password: PASSWORD } })).status).toBe(401);
    await login(m.email, 'a brand new password');
  });

  it('a bad or missing cookie is a 401 that asks to log in', async () => {
    const res = await api('/v1/traces', { headers: { cookie: '__Host-loupe_session=' + 'a'.repeat(43) } });
    expect(res.status).toBe(401);
    expect((await api('/v1/auth/session')).status).toBe(401);
  });
});
