/**
 * The REST client e2e tests share: calls the shared `wrangler dev` Loupe with an API key,
 * throws with the status and body on a non-2xx answer (so a failing set-up step says why),
 * and parses the JSON answer (null for an empty one).
 */
export function apiClient(loupe: { url: string; apiKey: string }) {
  return async function call(path: string, body?: unknown, method?: string): Promise<any> {
    const res = await fetch(`${loupe.url}${path}`, {
      method: method ?? (body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/** Polls `check` every 500 ms until it returns a value (not undefined), or throws after `timeoutMs`. */
export async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 500));
  }
}
