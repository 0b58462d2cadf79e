import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject } from './helpers.ts';
import { asBrowser, login, makeMember, PASSWORD } from './account-helpers.ts';

const NEW_PASSWORD = 'a brand new passphrase';

async function issue(as: Awaited<ReturnType<typeof login>>, userId: string, body?: unknown) {
  return asBrowser(as, `/v1/members/${userId}/password-reset`, { method: 'POST', body });
}

describe('password reset links', () => {
  it('an owner issues a one-use link; the member sets a new password with it and every old session ends', async () => {
    const p = await makeProject('reset');
    const owner = await login((await makeMember(p.orgId, 'owner')).email);
    const m = await makeMember(p.orgId, 'reviewer');
    const oldSession = await login(m.email);
    const res = await issue(owner, m.userId);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ user_id: m.userId, email: m.email });
    expect(res.json.url).toBe(`http://loupe.test/reset/${res.json.token}`);
    expect(Date.parse(res.json.expires_at) - Date.now()).toBeGreaterThan(23 * 3600_000);
    // Only a hash of the token is stored.
    const rows = await env.DB.prepare('SELECT * FROM password_resets WHERE user_id = ?').bind(m.userId).all();
    expect(JSON.stringify(rows.results)).not.toContain(res.json.token);

    const preview = await api(`/v1/auth/password-resets/${res.json.token}`);
    expect(preview.json).toMatchObject({ email: m.email, status: 'pending' });

    const done = await api(`/v1/auth/password-resets/${res.json.token}`, { body: { new_password: NEW_PASSWORD } });
    expect(done.status).toBe(200);
    expect(done.json.user.email).toBe(m.email);
    expect(done.headers.get('set-cookie')).toMatch(/^__Host-loupe_session=/);
    // The old session is gone, the old password no longer works, the new one does.
    expect((await asBrowser(oldSession, '/v1/auth/session')).status).toBe(401);
    expect((await api('/v1/auth/login', { body: { email: m.email, password: PASSWORD } })).status).toBe(401);
    expect((await api('/v1/auth/login', { body: { email: m.email, password: NEW_PASSWORD } })).status).toBe(200);

    // Used once: a second use is 410 and changes nothing.
    const again = await api(`/v1/auth/password-resets/${res.json.token}`, { body: { new_password: 'yet another passphrase' } });
    expect(again.status).toBe(410);
    expect(again.json.error).toMatchObject({ code: 'reset_used', path: 'token' });
    expect((await api('/v1/auth/login', { body: { email: m.email, password: NEW_PASSWORD } })).status).toBe(200);
    expect((await api(`/v1/auth/password-resets/${res.json.token}`)).json.status).toBe('used');
  });

  it('an expired link is 410 and a newer link replaces an older one', async () => {
    const p = await makeProject('reset-expiry');
    const owner = await login((await makeMember(p.orgId, 'owner')).email);
    const m = await makeMember(p.orgId, 'engineer');
    const first = (await issue(owner, m.userId, { expires_in_hours: 1 })).json;
    const second = (await issue(owner, m.userId)).json;
    const replaced = await api(`/v1/auth/password-resets/${first.token}`, { body: { new_password: NEW_PASSWORD } });
    expect(replaced.status).toBe(410);
    expect(replaced.json.error.code).toBe('reset_revoked');
    // Age the second link past its expiry, as time would.
    await env.DB.prepare('UPDATE password_resets SET expires_at = ? WHERE id = ?').bind(Date.now() - 1, second.id).run();
    const expired = await api(`/v1/auth/password-resets/${second.token}`, { body: { new_password: NEW_PASSWORD } });
    expect(expired.status).toBe(410);
    expect(expired.json.error.code).toBe('reset_expired');
    expect((await api('/v1/auth/login', { body: { email: m.email, password: PASSWORD } })).status).toBe(200);
  });

  it('is issued only by owners and admins, an owner only by an owner, and never for oneself', async () => {
    const p = await makeProject('reset-roles');
    const ownerM = await makeMember(p.orgId, 'owner');
    const adminM = await makeMember(p.orgId, 'admin');
    const eng = await login((await makeMember(p.orgId, 'engineer')).email);
    const admin = await login(adminM.email);
    const target = await makeMember(p.orgId, 'viewer');
    const byEngineer = await issue(eng, target.userId);
    expect(byEngineer.status).toBe(403);
    expect(byEngineer.json.error.message).toContain('engineer');
    const ownerByAdmin = await issue(admin, ownerM.userId);
    expect(ownerByAdmin.status).toBe(403);
    expect(ownerByAdmin.json.error.message).toBe("only an owner can reset an owner's password");
    expect((await issue(admin, adminM.userId)).status).toBe(403);
    expect((await issue(admin, target.userId)).status).toBe(201);
    // An API key, even an admin one, does not manage people.
    expect((await api(`/v1/members/${target.userId}/password-reset`, { key: p.key, body: {} })).status).toBe(403);
  });

  it('cannot reach a member of another organisation, nor an account an issuer does not manage everywhere', async () => {
    const a = await makeProject('reset-a');
    const b = await makeProject('reset-b');
    const adminA = await login((await makeMember(a.orgId, 'admin')).email);
    const stranger = await makeMember(b.orgId, 'viewer');
    expect((await issue(adminA, stranger.userId)).status).toBe(404);
    // Someone who is a viewer in A but an owner in B: A's admin must not take the account over.
    const both = await makeMember(a.orgId, 'viewer');
    await env.DB.prepare("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)").bind(b.orgId, both.userId, Date.now()).run();
    const res = await issue(adminA, both.userId);
    expect(res.status).toBe(403);
    expect(res.json.error.message).toContain('also belongs to an organisation where you cannot manage it');
  });

  it('refuses a weak password naming the field, and an unknown link with 404', async () => {
    const p = await makeProject('reset-bad');
    const owner = await login((await makeMember(p.orgId, 'owner')).email);
    const m = await makeMember(p.orgId, 'viewer');
    const { token } = (await issue(owner, m.userId)).json;
    const weak = await api(`/v1/auth/password-resets/${token}`, { body: { new_password: 'short' } });
    expect(weak.status).toBe(400);
    expect(weak.json.error.path).toBe('new_password');
    expect((await api(`/v1/auth/password-resets/${token}`)).json.status).toBe('pending');
    expect((await api('/v1/auth/password-resets/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { body: { new_password: NEW_PASSWORD } })).status).toBe(404);
    const badExpiry = await issue(owner, m.userId, { expires_in_hours: 1000 });
    expect(badExpiry.status).toBe(400);
    expect(badExpiry.json.error.path).toBe('expires_in_hours');
  });
});

describe('changing a password', () => {
  it('needs the current password and ends the other sessions, keeping this one', async () => {
    const p = await makeProject('change');
    const m = await makeMember(p.orgId, 'viewer');
    const here = await login(m.email);
    const elsewhere = await login(m.email);
    const wrong = await asBrowser(here, '/v1/auth/password', { body: { current_password: 'not it at all', new_password: NEW_PASSWORD } });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.path).toBe('current_password');
    const ok = await asBrowser(here, '/v1/auth/password', { body: { current_password: PASSWORD, new_password: NEW_PASSWORD } });
    expect(ok.status).toBe(200);
    expect((await asBrowser(here, '/v1/auth/session')).status).toBe(200);
    expect((await asBrowser(elsewhere, '/v1/auth/session')).status).toBe(401);
  });
});
