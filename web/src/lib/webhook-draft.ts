/** Webhook evaluators as form state: the URL, timeout, extra headers as "Name: value" lines. */

/** A webhook as the form holds it. */
export interface WebhookDraft {
  url: string;
  timeout_ms: string;
  headers: string;
}

/** Form state for a webhook config. */
export function webhookDraft(config: Record<string, unknown> = {}): WebhookDraft {
  const headers = (config.headers ?? {}) as Record<string, string>;
  return {
    url: typeof config.url === 'string' ? config.url : '',
    timeout_ms: String(config.timeout_ms ?? 10_000),
    headers: Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
  };
}

/** The config a form describes, or the line of the headers it cannot read. */
export function webhookConfig(d: WebhookDraft): { config: Record<string, unknown>; errors: Record<string, string> } {
  const headers: Record<string, string> = {};
  const errors: Record<string, string> = {};
  d.headers.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const m = /^\s*([A-Za-z0-9-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) errors.headers = `line ${i + 1}: write "Name: value"`;
    else headers[m[1]] = m[2].trim();
  });
  const config: Record<string, unknown> = { type: 'webhook', url: d.url.trim() };
  if (d.timeout_ms.trim()) config.timeout_ms = Number(d.timeout_ms);
  if (Object.keys(headers).length) config.headers = headers;
  return { config, errors };
}
