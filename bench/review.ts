/**
 * Review-queue benchmarks against a real local Loupe (`wrangler dev --local`, as `npm start`
 * runs it), through the HTTP API with real browser sessions:
 *
 * 1. Claims and submits per second through one project's review hub (one Durable Object)
 *    with 20 concurrent simulated reviewers: each loops "POST .../next, then POST
 *    .../review" as fast as answers come back until the queue is empty. Every request
 *    carries the full path a reviewer's browser takes: session cookie + CSRF check (D1),
 *    the queue's configuration (D1), the hub call (RPC), and for submits the rubric check.
 * 2. Routing match -> claimable: a routing rule `feedback.thumbs=0`; for each of N traces a
 *    thumbs-down is posted (POST /v1/feedback sends the routing signal on queue "review"),
 *    and the item is polled (GET .../items/{traceId} every 10 ms) until the hub has it. We
 *    report the client-observed time from the feedback POST to the item existing, and the
 *    hub's own `added_at` minus the signal's send time (queue delivery + matching + enqueue).
 *
 * Run: `node bench/review.ts` (BENCH_PORT, BENCH_ITEMS, BENCH_REVIEWERS, BENCH_ROUTED
 * override the defaults). Writes bench/results/review-<time>.json and prints a summary.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { repoRoot, startLoupe, type LocalLoupe } from '../scripts/local.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 2000);
const REVIEWERS = Number(process.env.BENCH_REVIEWERS ?? 20);
const ROUTED = Number(process.env.BENCH_ROUTED ?? 30);

const log = (line: string) => console.log(`[bench:review] ${line}`);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

interface Session {
  email: string;
  cookie: string;
  csrf: string;
}

async function http(loupe: LocalLoupe, path: string, opts: { body?: unknown; method?: string; session?: Session; key?: boolean } = {}): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.session) {
    headers.cookie = opts.session.cookie;
    headers['x-loupe-csrf'] = opts.session.csrf;
  } else if (opts.key !== false) headers.authorization = `Bearer ${loupe.apiKey}`;
  const res = await fetch(`${loupe.url}${path}`, { method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'), headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function must(loupe: LocalLoupe, path: string, opts: Parameters<typeof http>[2] = {}): Promise<any> {
  const res = await http(loupe, path, opts);
  if (res.status >= 300) throw new Error(`${opts.method ?? (opts.body === undefined ? 'GET' : 'POST')} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

async function login(loupe: LocalLoupe, email: string, password: string): Promise<Session> {
  const res = await fetch(`${loupe.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0];
  return { email, cookie, csrf: ((await res.json()) as { csrf_token: string }).csrf_token };
}

/** Reviewer accounts through real invite links. */
async function reviewers(loupe: LocalLoupe, admin: Session, n: number): Promise<Session[]> {
  const out: Session[] = [];
  for (let i = 0; i < n; i++) {
    const invite = await must(loupe, '/v1/invites', { session: admin, body: { role: 'reviewer' } });
    const email = `bench-reviewer-${i}@loupe.local`;
    const password = `bench-password-${i}-xyz`;
    await must(loupe, `/v1/auth/invites/${invite.token}/accept`, { key: false, body: { email, password } });
    out.push(await login(loupe, email, password));
  }
  return out;
}

async function postTraces(loupe: LocalLoupe, prefix: string, n: number, tag: string): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const t0 = Date.parse('2026-01-03T00:00:00Z');
  for (let i = 0; i < ids.length; i += 1000) {
    const spans = ids.slice(i, i + 1000).map((id, j) => ({ id: `${id}-root`, trace_id: id, name: 'agent', kind: 'agent', start_time: t0 + i + j, end_time: t0 + i + j + 500, input: 'q', output: 'a', tags: [tag] }));
    await must(loupe, '/v1/spans', { body: { spans } });
  }
  // Indexing is write-behind: wait until (the first 500 of) the traces are queryable; the bulk
  // add below retries until every one of them is in the queue.
  for (let tries = 0; ; tries++) {
    const page = await must(loupe, `/v1/traces?limit=500&q=${encodeURIComponent(`tag=${tag}`)}`);
    if (page.traces.length >= Math.min(500, n)) break;
    if (tries > 600) throw new Error('traces were not indexed in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  return ids;
}

/** Benchmark 1: 20 reviewers claim and submit until the queue is empty. */
async function claimsAndSubmits(loupe: LocalLoupe, people: Session[]) {
  const ids = await postTraces(loupe, 'bench-review', ITEMS, 'bench-review');
  const queue = await must(loupe, '/v1/review-queues', { body: { name: 'bench throughput', rubric: [{ key: 'ok', type: 'boolean' }, { key: 'mode', type: 'categorical', required: false, options: [{ value: 'a' }, { value: 'b' }] }], lease_seconds: 600 } });
  let added = 0;
  for (let tries = 0; added < ids.length && tries < 600; tries++) {
    const res = await must(loupe, `/v1/review-queues/${queue.id}/items`, { body: { filter: 'tag=bench-review', limit: 10000 } });
    added += res.added;
    if (added < ids.length) await new Promise((r) => setTimeout(r, 200));
  }
  log(`queue ${queue.id} holds ${added} items; ${people.length} reviewers start`);
  const claimMs: number[] = [];
  const submitMs: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    people.map(async (person, r) => {
      for (let n = 0; ; n++) {
        let t = performance.now();
        const next = await http(loupe, `/v1/review-queues/${queue.id}/next`, { session: person, method: 'POST' });
        claimMs.push(performance.now() - t);
        if (next.status !== 200) {
          errors++;
          continue;
        }
        if (!next.json.item) return;
        t = performance.now();
        const res = await http(loupe, `/v1/review-queues/${queue.id}/items/${encodeURIComponent(next.json.item.trace_id)}/review`, {
          session: person,
          body: { idempotency_key: `bench-${r}-${n}-${randomBytes(4).toString('hex')}`, values: { ok: n % 3 !== 0, mode: n % 2 ? 'a' : 'b' } },
        });
        submitMs.push(performance.now() - t);
        if (res.status !== 201) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const stats = await must(loupe, `/v1/review-queues/${queue.id}/stats`);
  const ops = claimMs.length + submitMs.length;
  return {
    items: added,
    reviewers: people.length,
    seconds: Number(seconds.toFixed(2)),
    claims: claimMs.length,
    submits: submitMs.length,
    errors,
    ops_per_second: Math.round(ops / seconds),
    submits_per_second: Math.round(submitMs.length / seconds),
    claim_ms: { p50: Math.round(pct(claimMs, 50)), p95: Math.round(pct(claimMs, 95)), mean: Math.round(mean(claimMs)) },
    submit_ms: { p50: Math.round(pct(submitMs, 50)), p95: Math.round(pct(submitMs, 95)), mean: Math.round(mean(submitMs)) },
    complete: stats.progress.complete,
    reviews: stats.progress.reviews,
  };
}

/**
 * The local runtime's own ceiling for the same 20 clients: an authenticated request that
 * does not touch the hub (session check in D1 + a small answer). Locally one workerd thread
 * runs every request of the Worker and local D1 is one SQLite file, so this bounds the
 * claim/submit figures above; deployed, requests spread over many isolates and only the
 * hub (one object per project) is single-threaded.
 */
async function baseline(loupe: LocalLoupe, people: Session[], total = 1000) {
  let left = total;
  const started = performance.now();
  await Promise.all(
    people.map(async (person) => {
      while (left-- > 0) await http(loupe, '/v1/auth/session', { session: person });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { requests: total, seconds: Number(seconds.toFixed(2)), per_second: Math.round(total / seconds) };
}

/** Benchmark 2: thumbs-down feedback -> routed -> claimable. */
async function routingLatency(loupe: LocalLoupe) {
  const ids = await postTraces(loupe, 'bench-route', ROUTED, 'bench-route');
  const queue = await must(loupe, '/v1/review-queues', { body: { name: 'bench routing', rubric: [{ key: 'ok', type: 'boolean' }] } });
  await must(loupe, `/v1/review-queues/${queue.id}/rules`, { body: { filter: 'feedback.thumbs=0' } });
  const clientMs: number[] = [];
  const serverMs: number[] = [];
  for (const id of ids) {
    const sent = Date.now();
    const t = performance.now();
    await must(loupe, '/v1/feedback', { body: { trace_id: id, key: 'thumbs', score: 0 } });
    for (;;) {
      const res = await http(loupe, `/v1/review-queues/${queue.id}/items/${encodeURIComponent(id)}`);
      if (res.status === 200) {
        clientMs.push(performance.now() - t);
        serverMs.push(Date.parse(res.json.added_at) - sent);
        break;
      }
      if (performance.now() - t > 30_000) throw new Error(`trace ${id} was never routed`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return {
    traces: ids.length,
    feedback_to_claimable_ms: { p50: Math.round(pct(clientMs, 50)), p95: Math.round(pct(clientMs, 95)), max: Math.round(Math.max(...clientMs)) },
    signal_to_enqueued_ms: { p50: Math.round(pct(serverMs, 50)), p95: Math.round(pct(serverMs, 95)) },
  };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-review-'));
  log('starting a local Loupe (wrangler dev --local)');
  const loupe = await startLoupe({
    port: Number(process.env.BENCH_PORT ?? 0),
    persistTo: dir,
    demo: false,
    vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') },
    verbose: process.env.LOUPE_VERBOSE === '1',
  });
  try {
    const admin = await login(loupe, loupe.email, loupe.password);
    const people = await reviewers(loupe, admin, REVIEWERS);
    const floor = await baseline(loupe, people);
    log(`baseline (session check only): ${JSON.stringify(floor)}`);
    const throughput = await claimsAndSubmits(loupe, people);
    log(`claims + submits: ${JSON.stringify(throughput)}`);
    const routing = await routingLatency(loupe);
    log(`routing: ${JSON.stringify(routing)}`);
    const results = { at: new Date().toISOString(), baseline: floor, throughput, routing };
    await mkdir(join(repoRoot, 'bench/results'), { recursive: true });
    const file = join(repoRoot, `bench/results/review-${Date.now()}.json`);
    await writeFile(file, JSON.stringify(results, null, 2));
    console.log('\n| measure | result |\n|---|---|');
    console.log(`| claims + submits per second, ${throughput.reviewers} reviewers, one hub | ${throughput.ops_per_second} (${throughput.submits_per_second} reviews/s; ${throughput.submits} reviews in ${throughput.seconds} s, ${throughput.errors} errors) |`);
    console.log(`| local ceiling: authenticated GET /v1/auth/session, same 20 clients | ${floor.per_second} requests/s |`);
    console.log(`| claim latency (POST .../next) | p50 ${throughput.claim_ms.p50} ms, p95 ${throughput.claim_ms.p95} ms |`);
    console.log(`| submit latency (POST .../review) | p50 ${throughput.submit_ms.p50} ms, p95 ${throughput.submit_ms.p95} ms |`);
    console.log(`| thumbs-down POST -> item claimable (client) | p50 ${routing.feedback_to_claimable_ms.p50} ms, p95 ${routing.feedback_to_claimable_ms.p95} ms |`);
    console.log(`| routing signal sent -> item in the hub (server clocks) | p50 ${routing.signal_to_enqueued_ms.p50} ms, p95 ${routing.signal_to_enqueued_ms.p95} ms |`);
    console.log(`\nresults: ${file}`);
  } finally {
    await loupe.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
