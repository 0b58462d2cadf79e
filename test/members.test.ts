import { describe, it, expect } from 'vitest';
import { api, makeProject } from './helpers.ts';
import { asBrowser, login, makeMember } from './account-helpers.ts';

describe('members and roles', () => {
  it('lists the members of the organisation, and only them', async () => {
    const p = await makeProject('list');
    const owner = await makeMember(p.orgId, 'owner', 'owner@list.example');
    await makeMember(p.orgId, 'reviewer', 'rev@list.example');
    const other = await makeProject('list-other');
    await makeMember(other.orgId, 'owner', 'stranger@list.example');
    const b = await login(owner.email);
    const res = await asBrowser(b, '/v1/members');
    expect(res.status).toBe(200);
    expect(res.json.members.map((m: any) => [m.email, m.role])).toEqual([
      ['owner@list.example', 'owner'],
      ['rev@list.example', 'reviewer'],
    ]);
  });

  it('an admin changes roles but cannot make or unmake owners', async () => {
    const p = await makeProject('roles');
    const admin = await login((await makeMember(p.orgId, 'admin')).email);
    const rev = await makeMember(p.orgId, 'reviewer');
    const owner = await makeMember(p.orgId, 'owner');
    const changed = await asBrowser(admin, `/v1/members/${rev.userId}`, { method: 'PATCH', body: { role: 'engineer' } });
    expect(changed.status).toBe(200);
    expect(changed.json.role).toBe('engineer');
    expect((await asBrowser(admin, `/v1/members/${rev.userId}`, { method: 'PATCH', body: { role: 'owner' } })).status).toBe(403);
    expect((await asBrowser(admin, `/v1/members/${owner.userId}`, { method: 'PATCH', body: { role: 'viewer' } })).status).toBe(403);
    expect((await asBrowser(admin, `/v1/members/${owner.userId}`, { method: 'DELETE' })).status).toBe(403);
  });

  it('keeps at least one owner', async () => {
    const p = await makeProject('last-owner');
    const o1 = await makeMember(p.orgId, 'owner');
    const b = await login(o1.email);
    const demote = await asBrowser(b, `/v1/members/${o1.userId}`, { method: 'PATCH', body: { role: 'admin' } });
    expect(demote.status).toBe(409);
    expect(demote.json.error.code).toBe('last_owner');
    expect((await asBrowser(b, `/v1/members/${o1.userId}`, { method: 'DELETE' })).status).toBe(409);
    const o2 = await makeMember(p.orgId, 'owner');
    expect((await asBrowser(b, `/v1/members/${o2.userId}`, { method: 'PATCH', body: { role: 'admin' } })).status).toBe(200);
    expect((await asBrowser(b, `/v1/members/${o2.userId}`, { method: 'PATCH', body: { role: 'owner' } })).status).toBe(200);
    expect((await asBrowser(b, `/v1/members/${o1.userId}`, { method: 'PATCH', body: { role: 'admin' } })).status).toBe(200);
  });

  it('a removed member loses access to the organisation at once', async () => {
    const p = await makeProject('removed');
    const admin = await login((await makeMember(p.orgId, 'admin')).email);
    const m = await makeMember(p.orgId, 'engineer');
    const member = await login(m.email);
    expect((await asBrowser(member, '/v1/traces')).status).toBe(200);
    expect((await asBrowser(admin, `/v1/members/${m.userId}`, { method: 'DELETE' })).status).toBe(200);
    const after = await asBrowser(member, '/v1/traces');
    expect(after.status).toBe(403);
    expect((await asBrowser(member, '/v1/traces', { project: p.projectId })).status).toBe(404);
  });

  it('cannot touch members of another organisation', async () => {
    const p = await makeProject('mine');
    const admin = await login((await makeMember(p.orgId, 'admin')).email);
    const other = await makeProject('theirs');
    const stranger = await makeMember(other.orgId, 'viewer');
    expect((await asBrowser(admin, `/v1/members/${stranger.userId}`, { method: 'PATCH', body: { role: 'admin' } })).status).toBe(404);
    expect((await asBrowser(admin, `/v1/members/${stranger.userId}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('reviewers and API keys cannot change roles', async () => {
    const p = await makeProject('no-change');
    const rev = await makeMember(p.orgId, 'reviewer');
    const b = await login(rev.email);
    expect((await asBrowser(b, `/v1/members/${rev.userId}`, { method: 'PATCH', body: { role: 'admin' } })).status).toBe(403);
    expect((await api(`/v1/members/${rev.userId}`, { key: p.key, method: 'PATCH', body: { role: 'admin' } })).status).toBe(403);
  });

  it('any logged-in user can start an organisation and owns it', async () => {
    const p = await makeProject('start');
    const m = await makeMember(p.orgId, 'viewer');
    let b = await login(m.email);
    const res = await asBrowser(b, '/v1/orgs', { body: { name: 'Side project', project_name: 'agents' } });
    expect(res.status).toBe(201);
    b = await login(m.email);
    expect(b.session.orgs.map((o: any) => [o.name, o.role, o.projects.map((x: any) => x.name)])).toEqual([
      ['org-start', 'viewer', ['start']],
      ['Side project', 'owner', ['agents']],
    ]);
    expect((await asBrowser(b, '/v1/api-keys', { project: res.json.project.id })).status).toBe(200);
    expect((await asBrowser(b, '/v1/api-keys', { project: p.projectId })).status).toBe(403);
    expect((await api('/v1/orgs', { body: { name: 'x' } })).status).toBe(401);
  });
});
