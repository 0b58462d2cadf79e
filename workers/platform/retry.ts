/** Retry timing shared by queue consumers, outbound calls and Durable Object outboxes. */

/**
 * Exponential backoff: `base * 2^exponent`, capped at `cap` (same unit as `base`). With
 * `jitter`, the wait is spread over ±25% so many clients retrying at once do not arrive
 * together again.
 */
export function backoff(exponent: number, opts: { base: number; cap: number; jitter?: boolean }): number {
  const wait = Math.min(opts.cap, opts.base * 2 ** exponent);
  return opts.jitter ? Math.round(wait * (0.75 + Math.random() * 0.5)) : wait;
}
