/**
 * Loads the tau-bench demo into a running Loupe through its public API (the same path an
 * agent's spans take). Idempotent: span and feedback ids are deterministic, so loading
 * twice stores everything once.
 */
import { readFile } from 'node:fs/promises';
import { taubenchToTraces, type TauBenchItem } from './taubench.ts';

/** Posts spans in batches under the ingest limits, then the outcome feedback. */
export async function loadDemo(baseUrl: string, apiKey: string, opts: { file?: string; now?: number; log?: (line: string) => void } = {}): Promise<{ traces: number; spans: number }> {
  const file = opts.file ?? new URL('../../demo/taubench-airline.json', import.meta.url);
  const items = JSON.parse(await readFile(file, 'utf8')) as TauBenchItem[];
  const { spans, feedback } = taubenchToTraces(items, opts.now ?? Date.now());
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const MAX_BATCH_BYTES = 8 * 1024 * 1024;
  let batch: unknown[] = [];
  let bytes = 0;
  const flush = async () => {
    if (!batch.length) return;
    const res = await fetch(`${baseUrl}/v1/spans`, { method: 'POST', headers, body: JSON.stringify({ spans: batch }) });
    if (res.status !== 202) throw new Error(`demo load: POST /v1/spans answered ${res.status}: ${await res.text()}`);
    batch = [];
    bytes = 0;
  };
  for (const span of spans) {
    const size = JSON.stringify(span).length;
    if (batch.length >= 500 || bytes + size > MAX_BATCH_BYTES) await flush();
    batch.push(span);
    bytes += size;
  }
  await flush();
  // Feedback posts are small; a few at a time keeps the local server responsive.
  for (let i = 0; i < feedback.length; i += 10) {
    await Promise.all(
      feedback.slice(i, i + 10).map(async (f) => {
        const res = await fetch(`${baseUrl}/v1/feedback`, { method: 'POST', headers, body: JSON.stringify(f) });
        if (!res.ok) throw new Error(`demo load: POST /v1/feedback answered ${res.status}: ${await res.text()}`);
      }),
    );
  }
  opts.log?.(`Demo: loaded ${items.length} tau-bench airline conversations (${spans.length} spans) with their outcome feedback`);
  return { traces: items.length, spans: spans.length };
}
