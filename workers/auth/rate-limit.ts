/**
 * Rate limits on everything that checks a password or a one-time link (login, invite
 * acceptance, password resets, password changes), on Cloudflare's rate-limiting binding:
 * no D1 write and no Durable Object on the path a brute-force attack hammers.
 *
 * Two limits, each its own binding (a binding carries one limit; wrangler.toml
 * `[[ratelimits]]` holds the figures, which must match ACCOUNT_LIMIT / IP_LIMIT below):
 * - per account (the normalised email): slows guessing one person's password, from
 *   anywhere. Its cost is that an attacker can lock a person out for a minute at a time;
 *   that is the usual trade, and the per-IP limit bounds how many accounts one client can
 *   lock.
 * - per client IP (CF-Connecting-IP, set by Cloudflare's edge on every request, and by
 *   `wrangler dev` locally): slows one client trying many accounts (credential stuffing).
 * The binding counts per Cloudflare location and approximately, which is enough for this:
 * the goal is to make guessing slow, not to meter exactly.
 */
import { ApiError } from '../platform/errors.ts';
import { normalizeEmail } from './login.ts';

/**
 * Attempts per account per minute (wrangler.toml LOGIN_ACCOUNT_RATE_LIMITER): room for a
 * person retrying and for scripts logging in, while guessing at 20 a minute against the
 * 12-character minimum gets nowhere.
 */
export const ACCOUNT_LIMIT = 20;
/** Attempts per client IP per minute (wrangler.toml LOGIN_IP_RATE_LIMITER). */
export const IP_LIMIT = 60;
/** The bindings' window; the binding allows only 10 or 60 seconds. */
export const WINDOW_SECONDS = 60;

/** Which credential check is being attempted (it is in the 429's message). */
export type AttemptKind = 'login' | 'invite' | 'password_reset' | 'password_change';

const WHAT: Record<AttemptKind, string> = {
  login: 'login attempts',
  invite: 'invite acceptances',
  password_reset: 'password reset attempts',
  password_change: 'password change attempts',
};

function limited(limit: 'ip' | 'account', kind: AttemptKind, count: number): ApiError {
  const who = limit === 'ip' ? 'from your network address' : 'for this account';
  return new ApiError(
    429,
    'rate_limited',
    `too many ${WHAT[kind]} ${who} (the ${limit} limit is ${count} per minute); retry after ${WINDOW_SECONDS} s`,
    limit === 'account' ? 'email' : undefined,
    { limit, retry_after_seconds: WINDOW_SECONDS },
    { 'retry-after': String(WINDOW_SECONDS) },
  );
}

/**
 * Counts one credential attempt against the client's IP and (when known) the account, and
 * throws 429 with Retry-After when either is over its limit. Call it before any password
 * is hashed or checked, so a limited attempt costs no PBKDF2 time and reveals nothing.
 */
export async function enforceCredentialRateLimit(env: Env, req: { headers: Headers }, kind: AttemptKind, email?: string | null): Promise<void> {
  // The IP is checked first: one client spraying many accounts is stopped there, before it
  // spends every account's allowance (and locks their owners out).
  const ip = req.headers.get('cf-connecting-ip');
  // Without CF-Connecting-IP (only requests made from inside the runtime, as in tests) there
  // is no client to key on; deployed and under `wrangler dev` every request has one.
  if (ip && env.LOGIN_IP_RATE_LIMITER) {
    const { success } = await env.LOGIN_IP_RATE_LIMITER.limit({ key: `ip:${ip}` });
    if (!success) throw limited('ip', kind, IP_LIMIT);
  }
  if (email && env.LOGIN_ACCOUNT_RATE_LIMITER) {
    const { success } = await env.LOGIN_ACCOUNT_RATE_LIMITER.limit({ key: `account:${normalizeEmail(email)}` });
    if (!success) throw limited('account', kind, ACCOUNT_LIMIT);
  }
}
