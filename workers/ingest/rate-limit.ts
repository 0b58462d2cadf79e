/**
 * Per-project rate limiting for the drop-in ingest APIs (OTLP and LangSmith), on
 * Cloudflare's rate-limiting binding: no Durable Object or D1 write on the hot path, and
 * the count is kept per location and approximate, which is what a guard against a runaway
 * client needs. Limits live in wrangler.toml (`[[ratelimits]]`, 600 requests per 10 s per
 * project by default); past them a request gets 429 with Retry-After, which the OTLP
 * exporters and the LangSmith SDKs both honour and retry.
 */
import { ApiError } from '../platform/errors.ts';

/** Seconds a limited client should wait: the binding's window (10 s). */
export const RETRY_AFTER_SECONDS = 10;

/** Throws 429 (with Retry-After) when the project is over its ingest request rate. */
export async function enforceIngestRateLimit(env: Env, projectId: string): Promise<void> {
  // An absent binding (a wrangler.toml without [[ratelimits]]) means no limit, not an outage.
  if (!env.INGEST_RATE_LIMITER) return;
  const { success } = await env.INGEST_RATE_LIMITER.limit({ key: projectId });
  if (!success) {
    throw new ApiError(429, 'rate_limited', `this project sends ingest requests faster than its limit; retry after ${RETRY_AFTER_SECONDS} s, or send fewer, larger batches`, undefined, undefined, {
      'retry-after': String(RETRY_AFTER_SECONDS),
    });
  }
}
