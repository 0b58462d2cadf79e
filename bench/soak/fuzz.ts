/**
 * Fuzzing soak (issue 16): generated requests against a real local Loupe (`wrangler dev`),
 * across every write path and the filter language: native spans, OTLP protobuf and JSON,
 * LangSmith batch and multipart, feedback, trace filters and review submissions. Each kind
 * mixes well-formed requests with mutated ones (fields swapped for arbitrary JSON, bytes
 * flipped, bodies truncated). What must hold: no answer is a 5xx, no request hangs (30 s),
 * and nothing rejected is half written: for a sample of native requests rejected whole
 * (4xx), none of their traces exists afterwards.
 *
 * Generators are fast-check's, seeded: `SOAK_FUZZ_SEED` (default 1) and the request index
 * give the same request on every run, so a failure prints the seed and index that make it.
 * Run: `npm run soak -- fuzz` (SOAK_FUZZ_REQUESTS, default 100,000; SOAK_FUZZ_CONCURRENCY, 8).
 */
import fc from 'fast-check';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startLoupe, type LocalLoupe } from '../../scripts/local.ts';
import { buildOtlpRequests } from '../ingest-otlp.ts';
import { buildLangsmithRequests } from '../ingest-langsmith.ts';

const REQUESTS = Number(process.env.SOAK_FUZZ_REQUESTS ?? 100_000);
const CONCURRENCY = Number(process.env.SOAK_FUZZ_CONCURRENCY ?? 8);
const SEED = Number(process.env.SOAK_FUZZ_SEED ?? 1);
const TIMEOUT_MS = 30_000;
const log = (line: string) => console.log(`[soak:fuzz] ${line}`);

type Kind = 'native' | 'otlp-proto' | 'otlp-json' | 'langsmith-batch' | 'langsmith-multipart' | 'feedback' | 'filter' | 'review';
const KINDS: Kind[] = ['native', 'native', 'otlp-proto', 'otlp-json', 'langsmith-batch', 'langsmith-multipart', 'feedback', 'filter', 'review'];

interface Req {
  kind: Kind;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Native: the trace ids it names (checked absent when the whole request was rejected). */
  traces?: string[];
}

// JSON-ish values, bounded so a request stays well under the body limits most of the time.
const anyJson = fc.jsonValue({ maxDepth: 3 });
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', ' ', '\u0000', '𝔘nicode', '<script>x</script>', '"', '\\', 'null', '1e309', '-0'));
const time = fc.oneof(fc.integer({ min: -1, max: 2 ** 42 }), fc.constantFrom('2026-01-01T00:00:00Z', 'yesterday', '', 1e20), anyJson);

function nativeSpan(traceId: string) {
  return fc.record(
    {
      id: fc.oneof(text, fc.constant('root'), anyJson),
      trace_id: fc.oneof(fc.constant(traceId), text, anyJson),
      parent_id: fc.oneof(fc.constant(null), text, anyJson),
      name: fc.oneof(text, anyJson),
      kind: fc.oneof(fc.constantFrom('agent', 'llm', 'tool', 'retrieval', 'chain', 'other'), text),
      start_time: time,
      end_time: time,
      status: fc.oneof(fc.constantFrom('ok', 'error'), text),
      input: anyJson,
      output: anyJson,
      metadata: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 5 }), anyJson),
      tags: fc.oneof(fc.array(text, { maxLength: 4 }), anyJson),
      usage: fc.oneof(fc.record({ input_tokens: fc.integer(), output_tokens: fc.integer(), cost_usd: fc.double() }), anyJson),
    },
    { requiredKeys: ['id', 'trace_id', 'name', 'kind', 'start_time'] },
  );
}

/** A span that passes validation (arbitrary payloads, metadata and names), so the deep paths run too. */
function validSpan(traceId: string, i: number) {
  return fc.record({
    id: fc.constant(i === 0 ? 'root' : `s${i}`),
    trace_id: fc.constant(traceId),
    parent_id: fc.constant(i === 0 ? null : 'root'),
    name: fc.string({ minLength: 1, maxLength: 60 }),
    kind: fc.constantFrom('agent', 'llm', 'tool', 'retrieval', 'chain'),
    start_time: fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
    input: anyJson,
    output: anyJson,
    metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), anyJson, { maxKeys: 5 }),
    tags: fc.array(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 3 }),
  });
}

/** Flips, truncates or splices bytes of a valid body. */
const mutateBytes = (valid: Uint8Array) =>
  fc.oneof(
    fc.constant(valid),
    fc.integer({ min: 0, max: valid.length }).map((n) => valid.slice(0, n)),
    fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }).map((flips) => {
      const out = valid.slice();
      for (const [i, b] of flips) out[i] = b;
      return out;
    }),
    fc.uint8Array({ maxLength: 2000 }),
  );

function generator(loupe: LocalLoupe, queueId: string, traceIds: string[]): (index: number) => Req {
  const auth = { authorization: `Bearer ${loupe.apiKey}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const otlp = buildOtlpRequests({ traces: 2, spansPerTrace: 3, batchSize: 6, concurrency: 1, tag: 'fuzz' }).bodies[0];
  const ls = buildLangsmithRequests({ traces: 1, spansPerTrace: 3, batchSize: 3, concurrency: 1, tag: 'fuzz' }).bodies[0];
  const arb = (index: number): fc.Arbitrary<Req> => {
    const kind = KINDS[index % KINDS.length];
    const traceId = `fz-${SEED}-${index}`;
    switch (kind) {
      case 'native':
        return fc
          .oneof(
            fc.array(nativeSpan(traceId), { minLength: 0, maxLength: 6 }).map((spans) => JSON.stringify({ spans })),
            fc.tuple(validSpan(traceId, 0), validSpan(traceId, 1), validSpan(traceId, 2)).map((spans) => JSON.stringify({ spans })),
            anyJson.map((v) => JSON.stringify(v)),
            fc.string({ maxLength: 200 }),
          )
          .map((body) => ({ kind, method: 'POST', path: '/v1/spans', headers: json, body, traces: [traceId] }));
      case 'otlp-proto':
        return mutateBytes(otlp).map((body) => ({ kind, method: 'POST', path: '/otel/v1/traces', headers: { ...auth, 'content-type': 'application/x-protobuf' }, body }));
      case 'otlp-json':
        return fc
          .oneof(
            fc.record({ resourceSpans: fc.array(fc.record({ resource: anyJson, scopeSpans: fc.array(fc.record({ spans: fc.array(fc.record({ traceId: text, spanId: text, name: text, startTimeUnixNano: fc.oneof(text, fc.bigInt().map(String)), attributes: anyJson }), { maxLength: 3 }) }), { maxLength: 2 }) }), { maxLength: 2 }) }),
            anyJson,
          )
          .map((v) => ({ kind, method: 'POST', path: '/otel/v1/traces', headers: json, body: JSON.stringify(v) }));
      case 'langsmith-batch':
        return fc
          .record({ post: fc.oneof(fc.array(fc.record({ id: fc.oneof(fc.uuid(), text), trace_id: fc.oneof(fc.uuid(), text), name: text, run_type: fc.oneof(fc.constantFrom('llm', 'chain', 'tool'), text), start_time: time, inputs: anyJson, outputs: anyJson, dotted_order: text }), { maxLength: 4 }), anyJson), patch: fc.oneof(fc.array(fc.record({ id: fc.oneof(fc.uuid(), text), end_time: time, outputs: anyJson }), { maxLength: 3 }), anyJson) }, { requiredKeys: [] })
          .map((v) => ({ kind, method: 'POST', path: '/runs/batch', headers: { 'x-api-key': loupe.apiKey, 'content-type': 'application/json' }, body: JSON.stringify(v) }));
      case 'langsmith-multipart':
        return fc
          .tuple(mutateBytes(ls.body), fc.oneof(fc.constant(ls.boundary), fc.stringMatching(/^[ -~]{0,80}$/)))
          .map(([body, boundary]) => ({ kind, method: 'POST', path: '/runs/multipart', headers: { 'x-api-key': loupe.apiKey, 'content-type': `multipart/form-data; boundary=${boundary}` }, body }));
      case 'feedback':
        return fc
          .record({ trace_id: fc.oneof(fc.constantFrom(...traceIds), text), span_id: fc.oneof(text, anyJson), key: fc.oneof(fc.constantFrom('thumbs', 'outcome', 'helpfulness'), text), score: fc.oneof(fc.double(), anyJson), value: anyJson, comment: fc.oneof(text, anyJson), correction: anyJson, source: fc.oneof(fc.constantFrom('human', 'api', 'model'), text) }, { requiredKeys: [] })
          .map((v) => ({ kind, method: 'POST', path: '/v1/feedback', headers: json, body: JSON.stringify(v) }));
      case 'filter': {
        const token = fc.constantFrom('env=production', 'status=error', 'feedback.thumbs=0', 'score.x<0.5', 'latency>30s', 'since:7d', 'and', 'or', 'not', '(', ')', '"refund"', 'has(kind=tool', 'name=x)', 'tag=', '=', '<', '>=', 'metadata.a.b=1', 'insight.ir_x=p1', '\\', '"');
        return fc
          .oneof(fc.array(token, { maxLength: 8 }).map((t) => t.join(' ')), fc.string({ maxLength: 100 }))
          .map((q) => ({ kind, method: 'GET', path: `/v1/traces?${new URLSearchParams({ q, limit: '5' })}`, headers: auth }));
      }
      case 'review':
        return fc
          .tuple(fc.oneof(fc.constantFrom(...traceIds), text.filter((s) => s.length > 0)), fc.record({ answers: fc.oneof(fc.dictionary(fc.constantFrom('correct', 'comment', 'x'), anyJson), anyJson), comment: fc.oneof(text, anyJson), correction: anyJson, lease: anyJson }, { requiredKeys: [] }))
          .map(([trace, body]) => ({ kind, method: 'POST', path: `/v1/review-queues/${queueId}/items/${encodeURIComponent(trace)}/review`, headers: json, body: JSON.stringify(body) }));
    }
  };
  return (index) => fc.sample(arb(index), { seed: SEED * 1_000_003 + index, numRuns: 1 })[0];
}

async function main() {
  const persistTo = await mkdtemp(join(tmpdir(), 'loupe-soak-fuzz-'));
  const vars = { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  const loupe = await startLoupe({ persistTo, port: 0, demo: false, vars });
  const auth = { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' };
  try {
    // A few real traces and a queue holding them, so feedback and reviews also reach the deep paths.
    const traceIds = ['fz-real-1', 'fz-real-2', 'fz-real-3'];
    const seed = await fetch(`${loupe.url}/v1/spans`, { method: 'POST', headers: auth, body: JSON.stringify({ spans: traceIds.map((t) => ({ id: 'root', trace_id: t, name: 'agent', kind: 'agent', start_time: Date.now() - 1000, end_time: Date.now() })) }) });
    if (seed.status !== 202) throw new Error(`seeding: ${seed.status}`);
    const queue = (await (await fetch(`${loupe.url}/v1/review-queues`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'fuzz', rubric: [{ key: 'correct', type: 'boolean' }] }) })).json()) as { id: string };
    await new Promise((r) => setTimeout(r, 3000));
    await fetch(`${loupe.url}/v1/review-queues/${queue.id}/items`, { method: 'POST', headers: auth, body: JSON.stringify({ trace_ids: traceIds }) });

    const gen = generator(loupe, queue.id, traceIds);
    const status = new Map<string, number>();
    const fiveXX: { index: number; kind: Kind; status: number; body: string }[] = [];
    const hung: { index: number; kind: Kind }[] = [];
    const rejectedWhole: string[] = [];
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < REQUESTS) {
        const index = next++;
        const req = gen(index);
        try {
          const res = await fetch(`${loupe.url}${req.path}`, { method: req.method, headers: req.headers, body: req.body as BodyInit | undefined, signal: AbortSignal.timeout(TIMEOUT_MS) });
          const body = await res.text();
          const k = `${req.kind} ${Math.floor(res.status / 100)}xx`;
          status.set(k, (status.get(k) ?? 0) + 1);
          if (res.status >= 500) fiveXX.push({ index, kind: req.kind, status: res.status, body: body.slice(0, 300) });
          if (req.traces && res.status >= 400 && res.status < 500 && res.status !== 429) rejectedWhole.push(...req.traces);
        } catch (err) {
          if ((err as Error).name === 'TimeoutError') hung.push({ index, kind: req.kind });
          else throw err;
        }
        if (index % 10_000 === 0 && index) log(`${index} requests, ${fiveXX.length} 5xx, ${hung.length} hung, ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    // Nothing half written: a sample of the wholly rejected native requests' traces must not exist.
    await new Promise((r) => setTimeout(r, 5000));
    const sample = rejectedWhole.filter((_, i) => i % Math.max(1, Math.floor(rejectedWhole.length / 2000)) === 0);
    let partial = 0;
    for (const t of sample) if ((await fetch(`${loupe.url}/v1/traces/${encodeURIComponent(t)}`, { headers: auth })).status === 200) partial++;
    const result = {
      suite: 'soak-fuzz',
      at: new Date().toISOString(),
      load: loadavg().map((l) => Number(l.toFixed(2))),
      seed: SEED,
      requests: REQUESTS,
      seconds: Number(seconds.toFixed(1)),
      requests_per_second: Math.round(REQUESTS / seconds),
      answers: Object.fromEntries([...status].sort()),
      five_xx: fiveXX.length,
      hung: hung.length,
      rejected_checked: sample.length,
      partial_writes: partial,
      first_failures: [...fiveXX.slice(0, 10), ...hung.slice(0, 10)],
    };
    log(JSON.stringify(result, null, 2));
    await mkdir(new URL('../results/', import.meta.url), { recursive: true });
    await writeFile(new URL(`../results/soak-fuzz-${result.at.replace(/[:.]/g, '-')}.json`, import.meta.url), JSON.stringify(result, null, 2));
    if (fiveXX.length || hung.length || partial) process.exitCode = 1;
  } finally {
    await loupe.stop();
    await rm(persistTo, { recursive: true, force: true });
  }
}

await main();
