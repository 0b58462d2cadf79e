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
