/**
 * Benchmark of the review UI in real headless Chromium against a real local Loupe:
 * - a trace of 10,000 spans: time from navigation to its tree and first span on screen,
 *   to the first answered keypress (interactive), and to the first span's full input and
 *   output (loaded on selection), with the tree API's share;
 * - the traces table: script time (CDP Performance.ScriptDuration) to render 100 rows,
 *   both on a cold page load and when re-sorting a loaded page.
 * Run: `node bench/ui.ts` (or `npm run bench:ui`). Prints a table and writes
 * bench/results/ui.json. Method and recorded figures: bench/README.md.
 */
import { chromium, type Page, type CDPSession } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startLoupe } from '../scripts/local.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SPANS = 10_000;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A realistic 10,000-span agent trace: 100 steps, each with LLM calls, tool calls and retrievals. */
export function bigTrace(traceId: string, start: number) {
  const spans: Record<string, unknown>[] = [];
  spans.push({ id: 'root', trace_id: traceId, name: 'research-agent', kind: 'agent', start_time: start, end_time: start + 600_000, input: 'Compile a report on every open incident', output: 'Report written.', environment: 'bench', tags: ['bench'] });
  let t = start;
  for (let step = 0; spans.length < SPANS; step++) {
    const stepId = `step-${step}`;
    const stepStart = t;
    spans.push({ id: stepId, trace_id: traceId, parent_id: 'root', name: `step ${step}`, kind: 'chain', start_time: stepStart, end_time: stepStart + 5_900 });
    for (let i = 0; i < 33 && spans.length < SPANS; i++) {
      const llm = `${stepId}-llm-${i}`;
      spans.push({
        id: llm, trace_id: traceId, parent_id: stepId, name: 'chat gpt-4o', kind: 'llm', model: 'gpt-4o', start_time: t, end_time: t + 60,
        input: { messages: [{ role: 'system', content: 'You are a careful research agent.' }, { role: 'user', content: `Look into incident ${step}-${i} and summarise the cause in two sentences.` }] },
        output: { role: 'assistant', content: null, tool_calls: [{ id: `call_${step}_${i}`, type: 'function', function: { name: 'search_incidents', arguments: JSON.stringify({ query: `incident ${step}-${i}`, limit: 5 }) } }] },
        usage: { input_tokens: 120, output_tokens: 30, total_tokens: 150, cost_usd: 0.0006 },
      });
      if (spans.length >= SPANS) break;
      const tool = `${stepId}-tool-${i}`;
      spans.push({ id: tool, trace_id: traceId, parent_id: stepId, name: 'search_incidents', kind: 'tool', start_time: t + 60, end_time: t + 110, input: { query: `incident ${step}-${i}`, limit: 5 }, output: { results: [{ id: `inc-${step}-${i}`, title: 'Disk full on db-3', severity: 'high' }] } });
      if (spans.length >= SPANS) break;
      spans.push({ id: `${tool}-retrieve`, trace_id: traceId, parent_id: tool, name: 'vector-search', kind: 'retriever', start_time: t + 65, end_time: t + 100, input: `incident ${step}-${i}`, output: [`doc-${i}`, `doc-${i + 1}`] });
      t += 170;
    }
    t = stepStart + 6_000;
  }
  return spans;
}

async function post(url: string, key: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

async function waitForSpans(url: string, key: string, traceId: string, count: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(`${url}/v1/traces?q=${encodeURIComponent(`trace=${traceId}`)}`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as { traces: { span_count: number }[] };
    if (body.traces[0]?.span_count >= count) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`trace ${traceId} was not indexed`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs: number[]) => Math.max(...xs);

async function scriptSeconds(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'ScriptDuration')!.value;
}

/** Opens the big trace and measures when it is on screen and when it answers a key. */
async function openBigTrace(page: Page, url: string, traceId: string) {
  await page.goto(`${url}/traces/${traceId}`, { waitUntil: 'commit' });
  await page.waitForFunction(() => performance.getEntriesByName('loupe:trace-rendered').length > 0, undefined, { timeout: 60_000, polling: 16 });
  await page.waitForFunction(() => performance.getEntriesByName('loupe:span-payload-rendered').length > 0, undefined, { timeout: 60_000, polling: 16 });
  return page.evaluate(async (id) => {
    const rendered = performance.getEntriesByName('loupe:trace-rendered')[0].startTime;
    const payload = performance.getEntriesByName('loupe:span-payload-rendered')[0].startTime;
    const api = performance.getEntriesByType('resource').find((e) => e.name.includes(`/v1/traces/${id}?`)) as PerformanceResourceTiming;
    // Interactive: a keypress moves the selection and the new row is painted.
    const before = document.querySelector('.span-row[aria-selected="true"]')?.getAttribute('data-span-id');
    const t0 = performance.now();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'j' }));
    await new Promise<void>((resolve) => {
      const check = () => (document.querySelector('.span-row[aria-selected="true"]')?.getAttribute('data-span-id') !== before ? requestAnimationFrame(() => resolve()) : requestAnimationFrame(check));
      check();
    });
    const keyMs = performance.now() - t0;
    return { renderedMs: rendered, payloadMs: payload, apiStartMs: api.startTime, apiEndMs: api.responseEnd, apiBytes: api.encodedBodySize, keyMs, interactiveMs: rendered + keyMs, rows: document.querySelectorAll('.span-row').length };
  }, traceId);
}

async function main(): Promise<void> {
  const build = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build:web failed');
  const dir = await mkdtemp(join(tmpdir(), 'loupe-bench-ui-'));
  console.log('Starting a local Loupe with the demo…');
  const loupe = await startLoupe({ port: 0, persistTo: dir, demo: true, vars: { SETUP_SECRET: 'bench-setup-secret', ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64') } });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const traceId = `bench-10k-${Date.now()}`;
    const spans = bigTrace(traceId, Date.now() - 3_600_000);
    console.log(`Posting a ${spans.length}-span trace…`);
    for (let i = 0; i < spans.length; i += 2500) await post(loupe.url, loupe.apiKey, '/v1/spans', { spans: spans.slice(i, i + 2500) });
    await waitForSpans(loupe.url, loupe.apiKey, traceId, SPANS);

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${loupe.url}/login`);
    await page.getByLabel('Email').fill(loupe.email);
    await page.getByLabel('Password').fill(loupe.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/traces/);

    // Warm the Worker and the browser cache once, then measure.
    await openBigTrace(page, loupe.url, traceId);
    const trace: Awaited<ReturnType<typeof openBigTrace>>[] = [];
    for (let i = 0; i < RUNS; i++) trace.push(await openBigTrace(page, loupe.url, traceId));

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const coldTable: number[] = [];
    const resortTable: number[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      await page.goto(`${loupe.url}/traces?limit=100`);
      await page.waitForFunction(() => document.querySelectorAll('table.traces tbody tr').length === 100);
      const s1 = await scriptSeconds(cdp);
      await page.getByRole('button', { name: /Latency/ }).click();
      await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'latency' && performance.getEntriesByName('loupe:traces-rendered').length >= 2);
      await page.waitForFunction(() => document.querySelectorAll('table.traces tbody tr').length === 100);
      const s2 = await scriptSeconds(cdp);
      if (i > 0) {
        // The metric counts from the document's start, so after a navigation it is that load's script time.
        coldTable.push(s1 * 1000);
        resortTable.push((s2 - s1) * 1000);
      }
    }

    const results = {
      date: new Date().toISOString(),
      runs: RUNS,
      trace_10k: {
        rendered_ms_median: median(trace.map((r) => r.renderedMs)),
        rendered_ms_max: max(trace.map((r) => r.renderedMs)),
        first_span_payload_ms_median: median(trace.map((r) => r.payloadMs)),
        first_span_payload_ms_max: max(trace.map((r) => r.payloadMs)),
        interactive_ms_median: median(trace.map((r) => r.interactiveMs)),
        interactive_ms_max: max(trace.map((r) => r.interactiveMs)),
        api_ms_median: median(trace.map((r) => r.apiEndMs - r.apiStartMs)),
        api_start_ms_median: median(trace.map((r) => r.apiStartMs)),
        after_api_ms_median: median(trace.map((r) => r.renderedMs - r.apiEndMs)),
        api_mb: trace[0].apiBytes / 1e6,
        key_ms_median: median(trace.map((r) => r.keyMs)),
        rows_in_dom: trace[0].rows,
      },
      table_100: {
        cold_load_script_ms_median: median(coldTable),
        cold_load_script_ms_max: max(coldTable),
        resort_script_ms_median: median(resortTable),
        resort_script_ms_max: max(resortTable),
      },
    };
    console.table({
      '10k-span trace: on screen (ms)': { median: results.trace_10k.rendered_ms_median, max: results.trace_10k.rendered_ms_max },
      '10k-span trace: interactive (ms)': { median: results.trace_10k.interactive_ms_median, max: results.trace_10k.interactive_ms_max },
      '10k-span trace: first span payload (ms)': { median: results.trace_10k.first_span_payload_ms_median, max: results.trace_10k.first_span_payload_ms_max },
      '10k-span trace: of which tree API (ms)': { median: results.trace_10k.api_ms_median, max: NaN },
      '100-row table: cold load script (ms)': { median: results.table_100.cold_load_script_ms_median, max: results.table_100.cold_load_script_ms_max },
      '100-row table: re-sort script (ms)': { median: results.table_100.resort_script_ms_median, max: results.table_100.resort_script_ms_max },
    });
    console.log(JSON.stringify(results, null, 2));
    await mkdir(join(repoRoot, 'bench/results'), { recursive: true });
    await writeFile(join(repoRoot, 'bench/results/ui.json'), JSON.stringify(results, null, 2));
  } finally {
    await browser.close();
    await loupe.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) main().catch((err) => {
  console.error(err);
  process.exit(1);
});
