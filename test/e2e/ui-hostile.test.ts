/**
 * Hostile content never goes live in the review UI. The XSS corpus (test/fixtures/xss-corpus.ts,
 * the OWASP filter-evasion classics and markdown forms) goes in through every door a user's
 * text comes by: native /v1/spans, OTLP/JSON, LangSmith /runs/batch, feedback comments and
 * corrections, a review queue's name, instructions and rubric, a reviewer's comment and
 * correction, a dataset and its examples, experiments and their runs, an LLM judge's name,
 * prompt and reasoning (from a fake provider), and an Insights report over those traces.
 * Then real Chromium walks every view with a MutationObserver watching the live document
 * (xss-watch.ts): no on* attribute, javascript:/data: URL, frame, or foreign <script> may
 * ever be attached, and the `__xss` hook the payloads call must never run. The walk is done
 * twice: with the Content-Security-Policy, and with it stripped, so the sanitizer alone holds.
 */
import { describe, it, expect, inject, beforeAll, afterAll } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, loginInBrowser, loginOverHttp, newPage, screenshot } from './browser.ts';
import { watchForXss, withoutCsp, type XssHit } from './xss-watch.ts';
import { XSS_ALL, XSS_CORPUS, XSS_URLS } from '../fixtures/xss-corpus.ts';
import { startFakeProvider, type FakeProvider } from '../node/fake-provider.ts';

const loupe = inject('loupe');
/**
 * Its own project (and API key) in the shared Loupe: the hostile corpus must not crowd the
 * demo project's lists, metadata keys and phone layouts that the other browser tests read.
 */
const own = { projectId: '', apiKey: '' };
const RUN = Date.now().toString(36);
const TAG = `xss-${RUN}`;
const P = XSS_CORPUS.map((p) => p.text);
/** Short hostile strings for fields with tight rules (no "/", no {{ }}). */
const SHORT = '"><img src=x onerror=__xss(8)> <svg onload=__xss(11)>';
/** The corpus in pairs, for the native gallery. */
const PAIRS = Array.from({ length: Math.ceil(P.length / 2) }, (_, i) => [P[2 * i], P[2 * i + 1] ?? P[0]] as const);
/** The corpus in groups of six, for the OTLP and LangSmith traces (one span per group keeps the walk short). */
const GROUPS = Array.from({ length: Math.ceil(P.length / 6) }, (_, i) => P.slice(i * 6, i * 6 + 6));
const TOOLS = ['lookup"><img src=x onerror=__xss(8)>', 'refund<svg onload=__xss(11)>', "cancel'><body onload=__xss(13)>"];

async function call(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${own.apiKey}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await get().catch(() => undefined);
    if (v !== undefined && ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} never happened`);
}

const t0 = Date.now() - 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The native gallery: a span per pair of payloads, cycling through the kinds and payload shapes the span views render. */
function nativeGallery(traceId: string) {
  const root = {
    id: `${traceId}-root`, trace_id: traceId, name: `gallery ${SHORT}`, kind: 'agent', start_time: t0, end_time: t0 + 9000,
    input: XSS_ALL, output: XSS_ALL, tags: [TAG, SHORT], status: 'error', error: XSS_ALL,
    metadata: { ...Object.fromEntries(P.map((p, i) => [`m${i}`, p])), [SHORT]: P[0], nested: { deeper: { deepest: P } } },
  };
  // Two payloads a span (one in the names and inputs, one in the outputs) keep the walk's clicks down.
  const spans = PAIRS.map(([p, q], i) => {
    const base = { id: `${traceId}-s${i}`, trace_id: traceId, parent_id: root.id, name: p.slice(0, 500), start_time: t0 + i * 100, end_time: t0 + i * 100 + 80, metadata: { note: q, [`k${i}`]: p }, ...(i % 5 === 0 ? { status: 'error', error: q } : {}) };
    switch (i % 4) {
      case 0:
        return {
          ...base, kind: 'llm', model: p.slice(0, 100),
          input: { messages: [{ role: 'system', content: p }, { role: 'user', content: [{ type: 'text', text: q }, { type: 'image_url', image_url: { url: XSS_URLS[i % XSS_URLS.length] } }] }, { role: 'tool', tool_call_id: `c${i}`, name: p, content: q }] },
          output: { role: 'assistant', content: q, tool_calls: [{ id: `c${i}`, type: 'function', function: { name: p, arguments: JSON.stringify({ q }) } }] },
        };
      case 1:
        return { ...base, kind: 'tool', input: { query: p, nested: { deep: { deeper: q } } }, output: i % 2 ? q : JSON.stringify({ result: q }) };
      case 2:
        return { ...base, kind: 'retriever', input: p, output: [{ page_content: q, metadata: { source: p } }] };
      default:
        // Anthropic-shaped content blocks, a tool_use among them.
        return { ...base, kind: 'chain', input: { messages: [{ role: 'user', content: [{ type: 'text', text: p }, { type: 'image', source: { type: 'url', url: XSS_URLS[i % XSS_URLS.length] } }] }] }, output: { role: 'assistant', content: [{ type: 'text', text: q }, { type: 'tool_use', id: `u${i}`, name: p, input: { q } }] } };
    }
  });
  return [root, ...spans];
}

/** One small support trace per payload (the Insights report and the experiments' runs read these). */
function smallTraces() {
  return P.flatMap((p, i) => {
    const id = `${TAG}-p${i}`;
    const start = t0 + i * 1000;
    return [
      { id: `${id}-root`, trace_id: id, name: 'support-agent', kind: 'agent', start_time: start, end_time: start + 900, input: p, output: p, tags: [TAG], status: i % 2 ? 'error' : 'ok', ...(i % 2 ? { error: p } : {}) },
      { id: `${id}-t`, trace_id: id, parent_id: `${id}-root`, name: TOOLS[i % TOOLS.length], kind: 'tool', start_time: start + 100, end_time: start + 300, input: { q: p }, output: p },
    ];
  });
}

const kv = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));

/** The corpus over OTLP/JSON: names, OpenInference and gen_ai attributes, events, status messages. */
function otlpBody(traceId: string) {
  const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n);
  const rootId = randomBytes(8).toString('hex');
  const spans = [
    { traceId, spanId: rootId, name: `otlp ${SHORT}`, kind: 1, startTimeUnixNano: nanos(t0), endTimeUnixNano: nanos(t0 + 9000), attributes: kv({ 'tag.tags': JSON.stringify([TAG]), 'input.value': XSS_ALL, 'output.value': XSS_ALL }), status: { code: 2, message: XSS_ALL } },
    ...GROUPS.map((g, i) => ({
      traceId, spanId: randomBytes(8).toString('hex'), parentSpanId: rootId, name: g[0].slice(0, 500), kind: 3,
      startTimeUnixNano: nanos(t0 + i * 100), endTimeUnixNano: nanos(t0 + i * 100 + 80),
      attributes: kv({ 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': g[1].slice(0, 100), ...Object.fromEntries(g.map((p, j) => [`x.${j}`, p])) }),
      events: [
        ...g.map((p, j) => ({ name: 'gen_ai.user.message', timeUnixNano: nanos(t0 + i * 100 + j), attributes: kv({ 'gen_ai.event.content': JSON.stringify({ role: 'user', content: p }) }) })),
        { name: 'gen_ai.choice', timeUnixNano: nanos(t0 + i * 100 + 80), attributes: kv({ 'gen_ai.event.content': JSON.stringify({ index: 0, message: { role: 'assistant', content: g[2] }, finish_reason: 'stop' }) }) },
        { name: g[3].slice(0, 200), timeUnixNano: nanos(t0 + i * 100 + 10), attributes: kv({ 'exception.message': g[4] ?? g[0] }) },
      ],
      status: i % 3 ? { code: 1 } : { code: 2, message: g[5] ?? g[0] },
    })),
  ];
  return { resourceSpans: [{ resource: { attributes: kv({ 'service.name': SHORT }) }, scopeSpans: [{ scope: { name: SHORT }, spans }] }] };
}

/** The corpus as LangSmith runs: names, inputs, outputs, errors, metadata. */
function langsmithBody(rootId: string) {
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.(\d{3})Z$/, '$1000Z');
  const rootOrder = `${stamp(t0)}${rootId}`;
  const root = { id: rootId, trace_id: rootId, dotted_order: rootOrder, name: `langsmith ${SHORT}`, run_type: 'chain', start_time: iso(t0), end_time: iso(t0 + 9000), inputs: { question: XSS_ALL }, outputs: { answer: XSS_ALL }, tags: [TAG], extra: { metadata: { note: XSS_ALL } } };
  const runs = GROUPS.map((g, i) => {
    const id = randomUUID();
    const start = t0 + 1 + i * 100;
    return {
      id, trace_id: rootId, parent_run_id: rootId, dotted_order: `${rootOrder}.${stamp(start)}${id}`, name: g[0].slice(0, 500), run_type: ['llm', 'tool', 'retriever', 'chain'][i % 4],
      start_time: iso(start), end_time: iso(start + 80), inputs: { messages: g.map((p) => ({ role: 'user', content: p })), q: g[1] }, outputs: i % 4 === 0 ? { generations: [g.map((p) => ({ text: p, message: { role: 'assistant', content: p } }))] } : { output: g[2], more: g },
      ...(i % 3 === 0 ? { error: g[3] ?? g[0] } : {}), tags: [g[4]?.slice(0, 100) ?? 'x'], extra: { metadata: { note: g[5] ?? g[0] } },
    };
  });
  return { post: [root, ...runs] };
}

describe('hostile content in every view', () => {
  let browser: Browser;
  let fake: FakeProvider;
  const ids = { native: `${TAG}-native`, otlp: randomBytes(16).toString('hex'), langsmith: randomUUID() } as Record<string, string>;
  /** Every path to walk, in order; filled in as the content is made. */
  const views: { path: string; wait: string; clickAll?: string; quiet?: boolean }[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    const admin = await loginOverHttp(loupe.url, loupe.email, loupe.password);
    const project = await admin.call('/v1/projects', { body: { name: `hostile-${RUN}` } });
    expect(project.status, JSON.stringify(project.json)).toBe(201);
    const key = await admin.call('/v1/api-keys', { body: { name: 'hostile content test', scopes: ['ingest', 'read', 'admin'] }, project: project.json.id });
    expect(key.status, JSON.stringify(key.json)).toBe(201);
    own.projectId = project.json.id;
    own.apiKey = key.json.key;
    fake = await startFakeProvider();
    const hostileReasoning = XSS_ALL;
    await fetch(`${fake.url}/__scenarios/${TAG}`, { method: 'PUT', body: JSON.stringify({ steps: [], then: { verdict: { reasoning: hostileReasoning, verdict: false } } }) });

    // Every ingest path.
    await call('/v1/spans', { spans: [...nativeGallery(ids.native), ...smallTraces()] });
    const otlp = await fetch(`${loupe.url}/otel/v1/traces`, { method: 'POST', headers: { authorization: `Bearer ${own.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(otlpBody(ids.otlp)) });
    expect(otlp.status).toBe(200);
    const ls = await fetch(`${loupe.url}/runs/batch`, { method: 'POST', headers: { 'x-api-key': own.apiKey, 'content-type': 'application/json' }, body: JSON.stringify(langsmithBody(ids.langsmith)) });
    expect(ls.status, await ls.clone().text()).toBeLessThan(300);
    await until('the native gallery indexed', () => call(`/v1/traces/${ids.native}`), (t) => t.spans.length === PAIRS.length + 1);
    for (const id of [ids.otlp, ids.langsmith]) await until(`trace ${id} indexed`, () => call(`/v1/traces/${id}`), (t) => t.spans.length === GROUPS.length + 1);
    await until('the small traces indexed', () => call(`/v1/traces?limit=500&q=${encodeURIComponent(`tag=${TAG}`)}`), (l) => l.traces.length === P.length + 3);

    // Feedback: comments, corrections, values and authors, on the traces and on spans.
    await Promise.all(P.map((p, i) => call('/v1/feedback', { id: `${TAG}-fb${i}`, trace_id: ids.native, span_id: i % 2 ? `${ids.native}-s${Math.floor(i / 2)}` : null, key: 'xss_note', score: i % 2, value: p, comment: p, correction: i % 2 ? p : { answer: p }, author: p.slice(0, 200), metadata: { why: p } })));
    await call('/v1/feedback', { trace_id: ids.otlp, key: 'thumbs', score: 0, comment: XSS_ALL, correction: XSS_ALL });
    await call('/v1/feedback', { trace_id: ids.langsmith, key: 'thumbs', score: 0, comment: XSS_ALL, correction: XSS_ALL });

    // A review queue named, described and asked in hostile text; a reviewer's hostile review.
    const queue = await call('/v1/review-queues', {
      name: `queue ${SHORT}`, instructions: XSS_ALL, correction: true,
      rubric: [
        { key: 'verdict', type: 'categorical', label: SHORT, description: XSS_ALL.slice(0, 4000), options: P.slice(0, 8).map((p, i) => ({ value: `v${i}`, label: p.slice(0, 200), description: p.slice(0, 2000) })) },
        { key: 'ok', type: 'boolean', label: P[1].slice(0, 200), description: P[8] },
      ],
    });
    await call(`/v1/review-queues/${queue.id}/items`, { trace_ids: [ids.native, ids.otlp, ids.langsmith] });
    const owner = await loginOverHttp(loupe.url, loupe.email, loupe.password);
    const next = await owner.call(`/v1/review-queues/${queue.id}/next`, { method: 'POST', project: own.projectId });
    expect(next.status, JSON.stringify(next.json)).toBe(200);
    const review = await owner.call(`/v1/review-queues/${queue.id}/items/${encodeURIComponent(next.json.item.trace_id)}/review`, { body: { values: { verdict: 'v1', ok: false }, comment: XSS_ALL, correction: { answer: XSS_ALL } }, project: own.projectId });
    expect(review.status, JSON.stringify(review.json)).toBe(201);

    // A dataset with hostile examples, two experiments over it with hostile names, outputs and errors.
    const dataset = await call('/v1/datasets', { name: `ds-${RUN} ${SHORT}`, description: XSS_ALL.slice(0, 4000) });
    const examples = P.slice(0, 12).map((p) => ({ id: randomUUID(), inputs: { question: p }, outputs: { answer: p }, metadata: { note: p } }));
    await call(`/v1/datasets/${dataset.id}/examples`, { examples });
    const base = await call('/v1/experiments', { name: `base-${RUN} ${SHORT}`, dataset_id: dataset.id, candidate: { name: SHORT, version: SHORT, metadata: { note: P[0] } } });
    const cand = await call('/v1/experiments', { name: `cand-${RUN} ${P[1]}`, dataset_id: dataset.id, candidate: { name: P[2].slice(0, 256), version: '2' } });
    const runs = (offset: number, err: boolean) => examples.map((ex, i) => (err && i % 3 === 0 ? { example_id: ex.id, error: P[(i + offset) % P.length], latency_ms: 10 } : { example_id: ex.id, trace_id: `${TAG}-p${(i + offset) % P.length}`, output: { answer: P[(i + offset) % P.length] }, scores: { correct: (i + offset) % 2 }, latency_ms: 100 + i }));
    await call(`/v1/experiments/${base.id}/runs`, { runs: runs(0, false) });
    await call(`/v1/experiments/${cand.id}/runs`, { runs: runs(1, true) });

    // An LLM judge whose name, description and prompt are hostile and whose fake model answers with the corpus.
    const provider = await call('/v1/providers', { name: `fake ${SHORT}`, type: 'openai', base_url: `${fake.url}/s/${TAG}/v1`, default_model: SHORT, api_key: 'sk-hostile-e2e-0123456789' });
    const judge = await call('/v1/evaluators', {
      name: `judge ${SHORT}`, key: `xss_judge_${RUN}`, description: XSS_ALL.slice(0, 2000),
      config: { type: 'judge', provider_id: provider.id, prompt: { system: P.filter((p) => !p.includes('{{')).join('\n').slice(0, 20_000), user: 'Is {{output}} safe?' }, variables: { output: 'output' }, output: { type: 'boolean' } },
    });
    const rule = await call('/v1/rules', { name: `rule ${SHORT}`, filter: `trace=${ids.native} or trace=${ids.otlp}`, sampling_rate: 1, evaluator_ids: [judge.id] });
    const backfill = await call(`/v1/rules/${rule.id}/backfill`, { from: t0 - 1000, to: Date.now() + 1000 });
    await until('the backfill done', () => call(`/v1/rules/${rule.id}/runs/${backfill.id}`), (r) => r.status === 'done' && r.counts.queued === 0);
    const judged = await until('the judge score', () => call(`/v1/traces/${ids.native}`), (t) => t.feedback.some((f: any) => f.evaluator_id === judge.id));
    const judgeTrace = judged.feedback.find((f: any) => f.evaluator_id === judge.id).metadata.judge_trace_id;
    expect(judgeTrace).toBeTruthy();

    // An Insights report over the hostile traces (offline: its names come from the traces' own text).
    // The filter is shown on the Insights pages: it carries a hostile (full-text) term too.
    const report = await call('/v1/insights/reports', { filter: `tag=${TAG} or "<svg onload=__xss(11)>"`, since: '3650d', offline: true });
    await until('the report done', () => call(`/v1/insights/reports/${report.id}`), (r) => r.status === 'done', 600);

    // Exports are attachments, never HTML a browser would render.
    for (const path of [`/v1/review-queues/${queue.id}/export?format=csv`, `/v1/review-queues/${queue.id}/export?format=jsonl`, `/v1/datasets/${dataset.id}/export?format=csv`, `/v1/datasets/${dataset.id}/export?format=jsonl`]) {
      const res = await fetch(`${loupe.url}${path}`, { headers: { authorization: `Bearer ${own.apiKey}` } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).not.toMatch(/html|xml|javascript/);
      expect(res.headers.get('content-disposition'), path).toMatch(/^attachment/);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(await res.text(), path).toContain('__xss(');
    }

    const span = '.span-row';
    views.push(
      { path: `/traces?q=${encodeURIComponent(`tag=${TAG}`)}`, wait: 'table.traces tbody tr' },
      { path: `/traces?q=${encodeURIComponent('__xss')}`, wait: 'table.traces tbody tr' },
      ...Object.values(ids).map((id) => ({ path: `/traces/${encodeURIComponent(id)}`, wait: span, clickAll: span })),
      { path: `/traces/${encodeURIComponent(`${TAG}-p0`)}`, wait: span, clickAll: span },
      { path: '/queues', wait: `a[href="/queues/${queue.id}"]` },
      { path: `/queues/${queue.id}`, wait: '.markdown' },
      { path: `/queues/${queue.id}/settings`, wait: 'form' },
      { path: `/queues/${queue.id}/review`, wait: span, clickAll: span },
      { path: '/datasets', wait: `a[href="/datasets/${dataset.id}"]` },
      { path: `/datasets/${dataset.id}`, wait: 'button[aria-label^="Open example"]', clickAll: 'button[aria-label^="Open example"]' },
      { path: `/datasets/${dataset.id}?tab=versions`, wait: '.page', quiet: true },
      { path: '/experiments', wait: `tr[data-experiment="${base.id}"]` },
      { path: `/experiments/${cand.id}`, wait: '.page' },
      { path: `/experiments/compare?ids=${base.id},${cand.id}`, wait: '.page' },
      ...examples.slice(0, 4).map((ex) => ({ path: `/experiments/compare?ids=${base.id},${cand.id}&example=${ex.id}`, wait: '.page' })),
      { path: '/evaluators', wait: `a[href="/evaluators/${judge.id}"]` },
      { path: `/evaluators/${judge.id}`, wait: '.page h1' },
      { path: `/evaluators/${judge.id}?tab=scores`, wait: '.page h1' },
      { path: `/evaluators/${judge.id}?tab=versions`, wait: '.page h1' },
      // Agreement needs human labels on the judge's key to show anything of theirs.
      { path: `/evaluators/${judge.id}?tab=agreement`, wait: '.page h1', quiet: true },
      { path: '/rules', wait: `a[href="/rules/${rule.id}"]` },
      { path: `/rules/${rule.id}`, wait: '.page' },
      { path: `/rules/${rule.id}/runs/${backfill.id}`, wait: '.page' },
      { path: '/providers', wait: '.page' },
      { path: `/judge-traces/${encodeURIComponent(judgeTrace)}`, wait: '.page h1' },
      { path: '/insights', wait: `a[href="/insights/${report.id}"]` },
      { path: `/insights/${report.id}`, wait: 'tr[data-cluster]' },
    );
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await fake?.close();
  });

  /** Opens every folded long text, so all of it is rendered (a fold shows only its first lines). */
  async function unfold(page: Page): Promise<void> {
    await page.evaluate(() => {
      for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button.fold-toggle'))) if (b.textContent?.startsWith('Show all')) b.click();
    });
  }

  /**
   * Logs in, walks every view (clicking through every span where there are spans), and
   * returns the hits. Views are opened in the app (pushState + popstate, as its own links
   * do) rather than reloaded: one document for the whole walk keeps it to seconds, and the
   * watch sees every element any view ever attached.
   */
  async function walk(csp: boolean): Promise<{ hits: XssHit[]; page: Page & { errors: string[] } }> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    if (!csp) await withoutCsp(context);
    const hits = await watchForXss(context);
    // The UI opens the project it remembers: this test's own.
    await context.addInitScript((id) => localStorage.setItem('loupe.project', id), own.projectId);
    const page = await newPage(context);
    await loginInBrowser(page, loupe.url, loupe.email, loupe.password);
    // The environment is what this walk claims: an inline script the test adds itself runs only without the CSP.
    const inlineRan = await page.evaluate(() => {
      const s = document.createElement('script');
      s.setAttribute('data-xss-probe', '');
      s.textContent = 'window.__cspProbe = 1';
      document.head.append(s);
      s.remove();
      return (window as any).__cspProbe === 1;
    });
    expect(inlineRan).toBe(!csp);
    // And the watch sees what it must: an element with a handler and a data: URL, and a call of the hook.
    await page.evaluate(() => {
      const img = document.createElement('img');
      img.setAttribute('onerror', 'void 0');
      img.setAttribute('src', 'data:,');
      document.body.append(img);
      img.remove();
      (window as any).__xss('control');
    });
    await expect.poll(() => hits.map((h) => h.kind).sort()).toEqual(['handler', 'ran', 'url']);
    hits.length = 0;
    for (const view of views) {
      await page.evaluate((path) => {
        history.pushState(null, '', path);
        dispatchEvent(new PopStateEvent('popstate'));
      }, view.path);
      // Not vacuous: the view has loaded and shows the hostile text (as text) before it is judged.
      await page
        .waitForFunction(({ want, quiet }) => document.querySelector(want) !== null && (quiet || /__xss\(|onerror=/.test(document.body.innerText)), { want: view.wait, quiet: view.quiet === true }, { timeout: 15_000 })
        .catch(async (e) => {
          await screenshot(page, `hostile-${csp ? 'csp' : 'nocsp'}-missing`);
          throw new Error(`${view.path}: no ${view.wait} with hostile text showed (${String(e.message).split('\n')[0]}; page errors: ${page.errors.join(' | ')})`);
        });
      await unfold(page);
      if (view.clickAll) {
        const rows = page.locator(view.clickAll);
        const n = await rows.count();
        for (let i = 0; i < n; i++) {
          const row = rows.nth(i);
          const id = await row.getAttribute('data-span-id');
          await row.click();
          if (id) await page.locator(`${view.clickAll}[data-span-id="${id}"][aria-selected="true"], ${view.clickAll}[data-span-id="${id}"].selected`).first().waitFor();
          await unfold(page);
        }
      }
      await page.evaluate(() => (window as any).__xssScan());
    }
    // Images the views asked for fail to load after a moment: give their error events a chance to run.
    await page.waitForLoadState('networkidle');
    await context.close();
    return { hits, page };
  }

  // The two walks share nothing but the content, so they run side by side.
  it.concurrent('renders the corpus inert in every view with the CSP on', async () => {
    const { hits, page } = await walk(true);
    expect(hits).toEqual([]);
    expect(page.errors).toEqual([]);
  }, 120_000);

  it.concurrent('renders the corpus inert in every view with the CSP stripped: the sanitizer alone holds', async () => {
    const { hits, page } = await walk(false);
    expect(hits).toEqual([]);
    expect(page.errors).toEqual([]);
  }, 120_000);
});
