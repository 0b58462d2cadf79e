/**
 * The ingest benchmark workload for the drop-in paths (OTLP, LangSmith), shaped like the
 * native ingest benchmark's: `traces` traces of `spansPerTrace` spans (one agent root,
 * then alternating LLM and tool calls with realistic payloads), posted in batches of
 * `batchSize` spans with `concurrency` requests in flight. Each path builds its own
 * wire format from the same steps before the clock starts, so only the server is timed.
 */

/** What to send. The defaults are the agreed workload: 200,000 spans in 20,000 traces, batches of 500. */
export interface Workload {
  traces: number;
  spansPerTrace: number;
  batchSize: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** A tag on every root span, so a run's traces can be found and counted. */
  tag: string;
}

/** The agreed workload. */
export const DEFAULT_WORKLOAD: Omit<Workload, 'tag'> = { traces: 20_000, spansPerTrace: 10, batchSize: 500, concurrency: 4 };

/** A running Loupe to measure. */
export interface BenchLoupe {
  url: string;
  apiKey: string;
}

/** What a path measured: spans made queryable and the seconds it took from the first request. */
export interface BenchResult {
  spans: number;
  seconds: number;
  /** Seconds until the last request was answered (the rest is indexing). */
  sendSeconds?: number;
}

/** One step of a synthetic trace, independent of wire format. */
export interface Step {
  trace: number;
  index: number;
  kind: 'agent' | 'llm' | 'tool';
  name: string;
  /** ms after the trace start. */
  start: number;
  end: number;
  input: unknown;
  output: unknown;
  model?: string;
  usage?: { input_tokens: number; output_tokens: number };
}

/** Trace start times: one trace per 10 ms from a fixed point, so runs are reproducible. */
export const BASE_TIME = Date.UTC(2026, 0, 1);

/** The steps of trace `t`: root agent, then llm / tool alternately. */
export function traceSteps(t: number, spansPerTrace: number): Step[] {
  const question = `Customer ${t} asks: can I change my flight to Paris next Tuesday and keep my seat?`;
  const steps: Step[] = [{ trace: t, index: 0, kind: 'agent', name: 'airline-agent', start: 0, end: spansPerTrace * 100, input: { messages: [{ role: 'user', content: question }] }, output: { role: 'assistant', content: `Done: flight changed for customer ${t}.` } }];
  for (let i = 1; i < spansPerTrace; i++) {
    const start = i * 100;
    if (i % 2 === 1) {
      steps.push({
        trace: t,
        index: i,
        kind: 'llm',
        name: 'chat gpt-4o',
        start,
        end: start + 80,
        model: 'gpt-4o',
        usage: { input_tokens: 300 + i * 40, output_tokens: 25 + i },
        input: { messages: [{ role: 'system', content: 'You are an airline agent. Follow the policy.' }, { role: 'user', content: question }] },
        output: { role: 'assistant', content: null, tool_calls: [{ id: `call-${t}-${i}`, type: 'function', function: { name: 'search_flights', arguments: `{"origin":"JFK","destination":"CDG","date":"2026-01-${(i % 28) + 1}"}` } }] },
      });
    } else {
      steps.push({ trace: t, index: i, kind: 'tool', name: 'search_flights', start, end: start + 15, input: { origin: 'JFK', destination: 'CDG', date: `2026-01-${(i % 28) + 1}` }, output: { flights: [{ id: `AF${t % 1000}`, seats: 4, price: 420 + i }] } });
    }
  }
  return steps;
}

/** Steps of the whole workload in batches of `batchSize` spans, whole traces per batch. */
export function* stepBatches(w: Omit<Workload, 'tag' | 'concurrency'>): Generator<Step[]> {
  if (w.batchSize % w.spansPerTrace) throw new Error('batchSize must be a multiple of spansPerTrace (batches hold whole traces)');
  let batch: Step[] = [];
  for (let t = 0; t < w.traces; t++) {
    for (const step of traceSteps(t, w.spansPerTrace)) {
      batch.push(step);
      if (batch.length === w.batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}

/** Sends prepared requests with `concurrency` in flight; throws on the first non-2xx answer. */
export async function sendAll(requests: (() => Promise<Response>)[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      for (let attempt = 0; ; attempt++) {
        const res = await requests[i]();
        if (res.status === 429 && attempt < 20) {
          await res.arrayBuffer();
          await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
          continue;
        }
        if (!res.ok) throw new Error(`request ${i} failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
        await res.arrayBuffer();
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Waits until every span of the run is queryable: first until the last trace sent is
 * complete (cheap), then until the traces tagged `tag` hold `spans` spans in total
 * (paging through GET /v1/traces). Returns when that count is confirmed.
 */
export async function waitQueryable(loupe: BenchLoupe, tag: string, traces: number, spans: number, lastTraceId: string, timeoutMs = 600_000): Promise<void> {
  const headers = { authorization: `Bearer ${loupe.apiKey}` };
  const deadline = Date.now() + timeoutMs;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  for (;;) {
    if (Date.now() > deadline) throw new Error(`spans not queryable within ${timeoutMs} ms`);
    const res = await fetch(`${loupe.url}/v1/traces/${encodeURIComponent(lastTraceId)}`, { headers });
    if (res.ok && ((await res.json()) as { spans: unknown[] }).spans.length >= spans / traces) break;
    if (!res.ok) await res.arrayBuffer();
    await sleep(100);
  }
  const perTrace = spans / traces;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`spans not queryable within ${timeoutMs} ms`);
    // Cheap check first: the least complete trace of the run (one query).
    const q = new URLSearchParams({ q: `tag=${tag}`, limit: '1', sort: 'spans', order: 'asc' });
    const least = (await (await fetch(`${loupe.url}/v1/traces?${q}`, { headers })).json()) as { traces: { span_count: number }[] };
    if (!least.traces.length || least.traces[0].span_count < perTrace) {
      await sleep(100);
      continue;
    }
    // Then the full count (every trace present).
    let total = 0;
    let count = 0;
    let cursor: string | null = null;
    do {
      const page: { traces: { span_count: number }[]; next_cursor: string | null } = await (await fetch(`${loupe.url}/v1/traces?${new URLSearchParams({ q: `tag=${tag}`, limit: '500', ...(cursor ? { cursor } : {}) })}`, { headers })).json();
      for (const t of page.traces) total += t.span_count;
      count += page.traces.length;
      cursor = page.next_cursor;
    } while (cursor);
    if (count >= traces && total >= spans) return;
    await sleep(200);
  }
}
