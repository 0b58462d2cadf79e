/**
 * Calibration benchmarks against a real local Loupe (`wrangler dev`, as `npm start` runs it):
 *
 * 1. Agreement over 10,000 labelled pairs: 10,000 judge scores (source evaluator) and
 *    10,000 human labels on the same traces are written into local D1 (`wrangler d1 execute
 *    --local`, as the eval consumer and POST /v1/feedback would leave them), then
 *    GET /v1/evaluators/{id}/agreement is timed (warm, 20 reads): pairing, the matrix,
 *    kappa, intervals, per version, over time and the disagreements list.
 * 2. An alignment of 200 examples: 200 tau-bench traces, a judge served by the local fake
 *    provider scores them through a backfill, people label them, and
 *    POST /v1/evaluators/{id}/align with a draft (another model) is timed: 200 judge calls
 *    (none written) plus the statistics.
 *
 * Run: `node bench/calibration.ts` (BENCH_PAIRS, BENCH_ALIGN, BENCH_PORT override the
 * defaults). Writes bench/results/calibration-<time>.json and prints a summary.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { repoRoot, startLoupe, type LocalLoupe } from '../scripts/local.ts';
import { taubenchToTrace, type TauBenchItem } from '../scripts/demo/taubench.ts';
import { startFakeProvider, type FakeProvider } from '../test/node/fake-provider.ts';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 10_000);
const ALIGN = Number(process.env.BENCH_ALIGN ?? 200);
const READS = 20;

const log = (line: string) => console.log(`[bench:calibration] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function api(loupe: LocalLoupe, path: string, body?: unknown, method?: string): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Writes rows into the running instance's local D1 through wrangler (a SQL file, one transaction per statement). */
function d1File(persistTo: string, sqlPath: string): void {
  const res = spawnSync(join(repoRoot, 'node_modules/.bin/wrangler'), ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--file', sqlPath, '--yes'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
  if (res.status !== 0) throw new Error(`wrangler d1 execute failed:\n${res.stdout}${res.stderr}`);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-calibration-'));
  let loupe: LocalLoupe | undefined;
  let fake: FakeProvider | undefined;
  try {
    fake = await startFakeProvider(0);
    loupe = await startLoupe({
      port: Number(process.env.BENCH_PORT ?? 0),
      persistTo: dir,
      demo: false,
      verbose: process.env.LOUPE_VERBOSE === '1',
      vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64'), EVAL_DAILY_JUDGE_CALLS: '1000000', EVAL_DAILY_SPEND_CAP_USD: '1000' },
    });
    log(`local Loupe at ${loupe.url}, fake provider at ${fake.url}`);

    // 1. Agreement over PAIRS labelled pairs (a boolean check, two versions, 30 days).
    const ev = await api(loupe, '/v1/evaluators', { name: 'bench agreement', key: 'bench_agree', config: { type: 'code', check: 'contains', text: 'x' } });
    await api(loupe, `/v1/evaluators/${ev.id}`, { description: 'v2' }, 'PATCH');
    const now = Date.now();
    const rows: string[] = [];
    const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
    for (let i = 0; i < PAIRS; i++) {
      const trace = `pair-${i}`;
      const at = now - (i % 30) * 86_400_000 - i;
      const human = (i * 7919) % 10 < 6 ? 1 : 0;
      const judge = (i * 104729) % 10 < 8 ? human : 1 - human; // ~80% agreement
      const version = i % 2 ? 2 : 1;
      rows.push(
        `(${q(`ev-${i}`)}, ${q(loupe.projectId)}, ${q(trace)}, NULL, 'bench_agree', ${judge}, NULL, ${q(`judge reasoning ${i}`)}, 'evaluator', ${q(ev.id)}, ${q(ev.id)}, ${version}, ${at}, ${at})`,
        `(${q(`hu-${i}`)}, ${q(loupe.projectId)}, ${q(trace)}, NULL, 'bench_agree', ${human}, NULL, ${q(`reviewer note ${i}`)}, 'human', 'ana', NULL, NULL, ${at}, ${at})`,
      );
    }
    const sqlPath = join(dir, 'pairs.sql');
    const statements: string[] = [];
    for (let i = 0; i < rows.length; i += 500) {
      statements.push(`INSERT INTO feedback (id, project_id, trace_id, span_id, key, score, value, comment, source, author, evaluator_id, evaluator_version, created_at, updated_at) VALUES\n${rows.slice(i, i + 500).join(',\n')};`);
    }
    await writeFile(sqlPath, statements.join('\n'));
    d1File(dir, sqlPath);
    const first = await api(loupe, `/v1/evaluators/${ev.id}/agreement`);
    if (first.overall.n !== PAIRS) throw new Error(`expected ${PAIRS} pairs, the read paired ${first.overall.n}`);
    const reads: number[] = [];
    for (let i = 0; i < READS; i++) {
      const t = performance.now();
      await api(loupe, `/v1/evaluators/${ev.id}/agreement`);
      reads.push(performance.now() - t);
    }
    log(`agreement over ${first.overall.n} pairs (accuracy ${first.overall.accuracy.value.toFixed(3)}, kappa ${first.overall.kappa.value.toFixed(3)}, ${first.over_time.length} days, ${first.versions.length} versions): p50 ${pct(reads, 50).toFixed(1)} ms, p95 ${pct(reads, 95).toFixed(1)} ms over ${READS} reads`);

    // 2. An alignment of ALIGN examples with the fake provider.
    const items = JSON.parse(await readFile(`${repoRoot}demo/taubench-airline.json`, 'utf8')) as TauBenchItem[];
    const spans: unknown[] = [];
    const ids: string[] = [];
    for (let n = 0; n < ALIGN; n++) {
      const item = items[n % items.length];
      const { spans: source } = taubenchToTrace(item, n % items.length, items.length, now);
      const traceId = `align-${n}`;
      ids.push(traceId);
      for (const s of source) {
        const isRoot = s.parent_id === null;
        spans.push({ ...s, id: s.id.replace(/^taubench-airline-\d+-\d+/, traceId), trace_id: traceId, parent_id: isRoot ? null : s.parent_id!.replace(/^taubench-airline-\d+-\d+/, traceId), ...(isRoot ? { tags: ['align'] } : {}) });
      }
    }
    for (let i = 0; i < spans.length; i += 2000) await api(loupe, '/v1/spans', { spans: spans.slice(i, i + 2000) });
    while ((await api(loupe, `/v1/traces?limit=500&q=${encodeURIComponent('tag=align')}`)).traces.length < ALIGN) await sleep(1000);
    await fetch(`${fake.url}/__scenarios/align`, { method: 'PUT', body: JSON.stringify({ steps: [], then: { verdict: 'auto' } }) });
    const provider = await api(loupe, '/v1/providers', { name: 'fake', type: 'openai', base_url: `${fake.url}/s/align/v1`, default_model: 'gpt-4o-mini', api_key: 'sk-bench', options: { max_concurrency: 6 } });
    const judge = await api(loupe, '/v1/evaluators', { template: 'relevance', config: { provider_id: provider.id } });
    const rule = await api(loupe, '/v1/rules', { name: 'align current', filter: 'tag=align', evaluator_ids: [judge.id], active: false });
    const run = await api(loupe, `/v1/rules/${rule.id}/backfill`, { from: new Date(now - 60 * 86_400_000).toISOString(), max_traces: ALIGN });
    for (;;) {
      const r = await api(loupe, `/v1/rules/${rule.id}/runs/${run.id}`);
      if (r.status === 'done') break;
      await sleep(500);
    }
    for (const [i, id] of ids.entries()) await api(loupe, '/v1/feedback', { trace_id: id, key: 'relevance', source: 'human', score: i % 4 === 0 ? 0 : 1 });
    const before = (await (await fetch(`${fake.url}/__scenarios/align/requests`)).json()).requests.length;
    const t = performance.now();
    const aligned = await api(loupe, `/v1/evaluators/${judge.id}/align`, { draft: { config: { model: 'gpt-4o' } }, limit: ALIGN });
    const alignMs = performance.now() - t;
    const calls = (await (await fetch(`${fake.url}/__scenarios/align/requests`)).json()).requests.length - before;
    log(`alignment of ${aligned.items} examples: ${alignMs.toFixed(0)} ms (${calls} judge calls, ${aligned.draft.errors.count} errors, current rerun ${aligned.current.rerun}; draft accuracy ${aligned.draft.stats.accuracy.value})`);

    const result = {
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      agreement: { pairs: first.overall.n, reads: READS, p50_ms: pct(reads, 50), p95_ms: pct(reads, 95), target_ms: 200 },
      alignment: { examples: aligned.items, judge_calls: calls, ms: alignMs, per_example_ms: alignMs / aligned.items },
    };
    await mkdir(`${repoRoot}bench/results`, { recursive: true });
    const file = `${repoRoot}bench/results/calibration-${result.at.replace(/[:.]/g, '-')}.json`;
    await writeFile(file, JSON.stringify(result, null, 2));
    log(`wrote ${file}`);
  } finally {
    await loupe?.stop();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench:calibration failed: ${err.stack ?? err}`);
  process.exit(1);
});
