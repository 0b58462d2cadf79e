import { describe, it, expect } from 'vitest';
import { api, makeProject } from './helpers.ts';
import { makeMember, PASSWORD } from './account-helpers.ts';
import { ACCOUNT_LIMIT, IP_LIMIT } from '../workers/auth/rate-limit.ts';

// The binding's windows are aligned to the clock, so a window may roll over mid-test: each
// test sends attempts until the first 429 (at most two windows' worth) instead of assuming
// the exact attempt that is refused.
// A fresh address per call: the limits are per address, so two calls must never share one by chance.
let lastIp = 0;
const ip = () => `198.51.${100 + Math.floor(++lastIp / 250)}.${(lastIp % 250) + 1}`;

async function untilLimited(send: () => Promise<{ status: number }>, limit: number, allowed: number[]) {
  for (let i = 0; i < 2 * limit + 2; i++) {
    const res = await send();
    if (res.status === 429) return res as any;
    expect(allowed).toContain(res.status);
  }
  throw new Error(`no 429 after ${2 * limit + 2} attempts`);
}

describe('login rate limits', () => {
  it('refuses an account with 429 and Retry-After after too many attempts, even with the right password', async () => {
    const p = await makeProject('rl-account');
    const m = await makeMember(p.orgId, 'viewer');
    const other = await makeMember(p.orgId, 'viewer');
    const limited = await untilLimited(() => api('/v1/auth/login', { body: { email: m.email, password: 'wrong password!' } }), ACCOUNT_LIMIT, [401]);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.json.error).toMatchObject({ code: 'rate_limited', limit: 'account', retry_after_seconds: 60, path: 'email' });
    expect(limited.json.error.message).toContain('for this account (the account limit is 20 per minute); retry after 60 s');
    // Refused before the password is looked at: the right one is refused too, so a guess
    // cannot be confirmed while limited.
    const right = await api('/v1/auth/login', { body: { email: m.email.toUpperCase(), password: PASSWORD } });
    expect(right.status).toBe(429);
    expect(right.headers.get('set-cookie')).toBeNull();
    // Another account is not affected.
    expect((await api('/v1/auth/login', { body: { email: other.email, password: PASSWORD } })).status).toBe(200);
  });

  it('refuses a client IP trying many accounts, naming the IP limit, while other IPs log in', async () => {
    const p = await makeProject('rl-ip');
    const m = await makeMember(p.orgId, 'viewer');
    const spray = ip();
    let n = 0;
    const limited = await untilLimited(
      () => api('/v1/auth/login', { body: { email: `nobody-${n++}@example.com`, password: 'guess guess guess' }, headers: { 'cf-connecting-ip': spray } }),
      IP_LIMIT,
      [401],
    );
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.json.error).toMatchObject({ code: 'rate_limited', limit: 'ip' });
    expect(limited.json.error.message).toContain('from your network address (the ip limit is 60 per minute)');
    // The same account from another address still logs in.
    expect((await api('/v1/auth/login', { body: { email: m.email, password: PASSWORD }, headers: { 'cf-connecting-ip': ip() } })).status).toBe(200);
    // Each refused guess before the limit costs a PBKDF2 check (~100 ms on 2 shared cores).
  }, 60_000);

  it('limits invite acceptance per account, before any password is checked', async () => {
    const p = await makeProject('rl-invite');
    const m = await makeMember(p.orgId, 'viewer');
    // Existing account, wrong password: 401 until the account limit, then 429.
    const limited = await untilLimited(() => api('/v1/auth/invites/not-a-real-token-but-long-enough/accept', { body: { email: m.email, password: 'wrong password!' } }), ACCOUNT_LIMIT, [404]);
    expect(limited.json.error).toMatchObject({ code: 'rate_limited', limit: 'account' });
    expect(limited.json.error.message).toContain('too many invite acceptances for this account');
    // Login for that account shares the allowance (one account, one budget of guesses).
    expect((await api('/v1/auth/login', { body: { email: m.email, password: PASSWORD } })).status).toBe(429);
  });
});
