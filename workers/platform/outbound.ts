/**
 * Outbound HTTP (LLM providers, webhook evaluators, and every later step that calls out):
 * a timeout per attempt, a few quick retries inline on 429 / 5xx / network errors (waiting
 * what Retry-After says when it says it), and a retryable OutboundError when the wait would
 * be longer, so a queue consumer can retry the job later (message.retry with that delay)
 * instead of holding a Worker open.
 */
import { redact } from './secrets.ts';
import { backoff } from './retry.ts';

/** Stable codes of a failed outbound call. */
export type OutboundErrorCode = 'rate_limited' | 'provider_unavailable' | 'timeout' | 'network' | 'provider_error' | 'malformed_answer' | 'response_too_large';

/**
 * Largest answer Loupe reads from a server it does not control (a provider, webhook
 * evaluator or experiment target). A Worker has 128 MB of memory shared by every request
 * in the isolate; a judge verdict or a target's output is kilobytes, so 4 MiB is generous
 * and a hostile or broken server cannot exhaust the isolate.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** An error body is only read for its message. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * An outbound call that did not give a usable answer. `retryable` failures (429, 5xx,
 * timeouts, network) may be tried again later, after `retryAfterMs` when the server said.
 */
export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode | (string & {}),
    message: string,
    readonly retryable = false,
    /** When the server said to come back (Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** How hard to try one request. */
export interface HttpPolicy {
  /** Abort an attempt after this long. */
  timeoutMs: number;
  /** Retries allowed inside this call (after the first attempt). */
  inlineRetries: number;
  /** Longest wait before an inline retry; longer waits go back to the caller (the queue). */
  maxInlineWaitMs: number;
}

/** Queue jobs: one quick retry inline, longer waits become queue retries. */
export const QUEUE_POLICY: Omit<HttpPolicy, 'timeoutMs'> = { inlineRetries: 2, maxInlineWaitMs: 2_000 };
/** Try-it answers a person waiting on the page: a couple of short retries, then report. */
export const INTERACTIVE_POLICY: Omit<HttpPolicy, 'timeoutMs'> = { inlineRetries: 2, maxInlineWaitMs: 5_000 };

/** Statuses worth retrying: rate limits, server errors, Anthropic's 529 "overloaded". */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/**
 * Milliseconds a response asks us to wait: `retry-after-ms` (OpenAI), `Retry-After` in
 * seconds or as an HTTP date. Undefined when it says nothing usable.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Backoff before retry n (1-based) when the server gave no Retry-After: 250 ms, 500 ms, 1 s, ... with jitter. */
export function backoffMs(n: number): number {
  return backoff(n - 1, { base: 250, cap: 30_000, jitter: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends a request with the policy; resolves with a 2xx response. Throws OutboundError:
 * `timeout`, `network`, `rate_limited`, `provider_unavailable` (retryable) or
 * `provider_error` (4xx, not retryable). `secrets` are scrubbed from any error text.
 */
export async function sendWithRetry(url: string, init: RequestInit, policy: HttpPolicy, what: string, secrets: (string | null | undefined)[] = []): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(policy.timeoutMs) });
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        // The time is already spent; retrying inline would double the wait, so let the caller decide.
        throw new OutboundError('timeout', `${what} did not answer within ${policy.timeoutMs} ms`, true);
      }
      if (attempt < policy.inlineRetries) {
        await sleep(backoffMs(attempt + 1));
        continue;
      }
      throw new OutboundError('network', redact(`${what} could not be reached: ${(err as Error)?.message ?? err}`, secrets), true);
    }
    if (res.ok) return res;
    const body = await readBoundedText(res, MAX_ERROR_BODY_BYTES, what).catch(() => '');
    if (!isRetryableStatus(res.status)) {
      throw new OutboundError('provider_error', redact(`${what} answered ${res.status}: ${errorMessageOf(body)}`, secrets));
    }
    const asked = retryAfterMs(res.headers);
    const wait = asked ?? backoffMs(attempt + 1);
    if (attempt < policy.inlineRetries && wait <= policy.maxInlineWaitMs) {
      await sleep(wait);
      continue;
    }
    const code = res.status === 429 ? 'rate_limited' : 'provider_unavailable';
    const after = asked !== undefined ? `; retry after ${Math.ceil(asked / 1000)} s` : '';
    throw new OutboundError(code, redact(`${what} answered ${res.status}${after}: ${errorMessageOf(body)}`, secrets), true, asked);
  }
}

/**
 * The response body as text, read as a stream and given up (the rest cancelled) once it
 * passes `maxBytes`: a declared Content-Length over the limit is refused before reading.
 * Throws OutboundError `response_too_large`, which is not retryable (the same server would
 * answer the same way).
 */
export async function readBoundedText(res: Response, maxBytes: number, what: string): Promise<string> {
  const tooLarge = () => new OutboundError('response_too_large', `${what} answered with more than ${maxBytes} bytes; Loupe reads at most ${maxBytes}`);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** The error message inside a provider's error body ({error: {message}} in OpenAI and Anthropic), or the text cut short. */
export function errorMessageOf(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof j.error === 'string') return j.error.slice(0, 500);
    if (j.error && typeof j.error.message === 'string') return j.error.message.slice(0, 500);
    if (typeof j.message === 'string') return j.message.slice(0, 500);
  } catch {
    // not JSON
  }
  return body.slice(0, 300) || '(empty body)';
}

/**
 * Only https endpoints, except loopback hosts with plain http for local development
 * (Ollama, a webhook on the developer's machine, the tests' fake provider).
 */
export function checkEndpointUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return null;
  return 'must use https (plain http is allowed only for localhost)';
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
